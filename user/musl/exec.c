/*
 * execve from the boot archive: a forked child runs this program again
 * with new arguments and environment (same pid, same parent), scripts run
 * their "#!" interpreter, busybox runs from /bin, the error paths, and at
 * the end the test replaces itself: the PASS line comes from the program
 * execve started in the same process.
 *   exec                   run the checks (the program is /bin/exec in the archive)
 *   exec child PID PPID    (run by the checks) verify what execve passed; exit 33
 *   exec final PID FAILS   (run by the checks) the last step: print the verdict
 *   exec script PATH ARG   (run through /etc/exec-test.sh, "#!/bin/exec script") exit 44
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expect.h"

static char *volatile bad_pointer = (char *)16; /* volatile: the compiler must not see through it */

static int run_child(char **argv)
{
	int ok = argv[2] && atol(argv[2]) == getpid() && argv[3] && atol(argv[3]) == getppid();
	ok &= getenv("EXEC_TEST") && strcmp(getenv("EXEC_TEST"), "a b c") == 0 && getenv("SECOND") != NULL;
	ok &= argv[4] && strcmp(argv[4], "two words") == 0 && argv[5] == NULL;
	return ok ? 33 : 1;
}

static int status_of(pid_t pid)
{
	int st = -1;
	return waitpid(pid, &st, 0) == pid ? st : -1;
}

static void test_fork_exec(void)
{
	char me[24], parent[24];
	pid_t pid = fork();
	if (pid == 0) {
		snprintf(me, sizeof me, "%d", getpid());
		snprintf(parent, sizeof parent, "%d", getppid());
		char *argv[] = {"exec", "child", me, parent, "two words", NULL};
		char *envp[] = {"EXEC_TEST=a b c", "SECOND=2", NULL};
		execve("/bin/exec", argv, envp);
		_exit(100 + errno);
	}
	int st = status_of(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 33, "fork + execve: the child keeps its pid and parent, gets argv and envp");
}

static void test_script(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"script", "arg1", NULL};
		execv("/etc/exec-test.sh", argv);
		_exit(100 + errno);
	}
	int st = status_of(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 44, "a #! script runs its interpreter with its argument and path");
}

static void test_busybox(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"sh", "-c", "exit $((6*7))", NULL};
		execv("/bin/sh", argv);
		_exit(100 + errno);
	}
	int st = status_of(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 42, "/bin/sh (a link to busybox) runs: exit $((6*7))");
}

static void test_errors(void)
{
	char *argv[] = {"x", NULL};
	errno = 0;
	expect(execv("/bin/no-such-program", argv) == -1 && errno == ENOENT, "a missing program: ENOENT");
	expect(execv("/bin", argv) == -1 && errno == EACCES, "a directory: EACCES");
	expect(execv("/etc/motd", argv) == -1 && errno == EACCES, "a file without execute permission: EACCES");
	expect(execv("/etc/not-an-elf", argv) == -1 && errno == ENOEXEC, "an executable that is not ELF: ENOEXEC");
	expect(execv("/etc/motd/x", argv) == -1 && errno == ENOTDIR, "a file used as a directory: ENOTDIR");
	expect(execv(bad_pointer, argv) == -1 && errno == EFAULT, "a bad path pointer: EFAULT");
	expect(execv("/bin/exec", (char **)bad_pointer) == -1 && errno == EFAULT, "a bad argv pointer: EFAULT");
	char *bad[] = {"x", bad_pointer, NULL};
	expect(execv("/bin/exec", bad) == -1 && errno == EFAULT, "a bad argv string: EFAULT");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return run_child(argv);
	if (argc == 4 && strcmp(argv[1], "script") == 0)
		return strcmp(argv[2], "/etc/exec-test.sh") == 0 && strcmp(argv[3], "arg1") == 0 ? 44 : 1;
	if (argc > 3 && strcmp(argv[1], "final") == 0) {
		int same = atol(argv[2]) == getpid();
		int fails = atoi(argv[3]) + !same;
		if (!same)
			printf("FAILED: execve kept the pid\n");
		printf(fails ? "exec: FAIL (%d)\n" : "exec: PASS\n", fails);
		return fails != 0;
	}
	test_fork_exec();
	test_script();
	test_busybox();
	test_errors();
	char pid[24], fails[24];
	snprintf(pid, sizeof pid, "%d", getpid());
	snprintf(fails, sizeof fails, "%d", failures);
	char *final[] = {"exec", "final", pid, fails, NULL};
	execv("/bin/exec", final);
	printf("exec: FAIL (the final execve returned: errno %d)\n", errno);
	return 1;
}
