/*
 * The first program `make run` starts: print the banner (/etc/motd in the
 * boot archive) and become busybox's interactive shell (execve /bin/sh -i,
 * in the same process). When the shell exits, the last environment has
 * ended and exo powers off.
 *   init [program args...]   run that instead of the shell (tests)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[1024];
	int fd = open("/etc/motd", O_RDONLY);
	long n;
	while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
		write(1, buf, (size_t)n);
	if (fd >= 0)
		close(fd);
	char *shell[] = {"sh", "-i", NULL};
	char *const *args = argc > 1 ? &argv[1] : shell;
	char *env[] = {"HOME=/", "PATH=/bin", "TERM=dumb", "PS1=exo:\\w$ ", NULL};
	execve(argc > 1 ? argv[1] : "/bin/sh", args, env);
	printf("init: cannot run %s: errno %d\n", argc > 1 ? argv[1] : "/bin/sh", errno);
	return 127;
}
