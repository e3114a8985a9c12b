/*
 * Runs busybox's shell on a script chosen by name (the kernel's command line
 * splits at spaces, so scripts are kept here): fork, execve /bin/sh -c
 * SCRIPT, wait, and print the exit status. Its output goes to the console.
 *   runsh NAME     NAME: pipe, status, chain, subshell, files
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const scripts[][2] = {
	{"pipe", "echo hi | wc -c"},
	{"status", "sh -c 'exit 7'; echo status $?"},
	{"chain", "seq 1 1000 | awk '{s += $1} END {print s}' | sed 's/^/sum /'"},
	{"subshell", "x=$(echo inner | tr a-z A-Z); echo \"got $x\""},
	{"files", "cd /etc && cat hostname motd | wc -l && ls | grep -c e && test -x /bin/sh && echo \"in $(pwd)\" > /dev/null && echo files ok"},
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *script = NULL;
	for (unsigned i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
		if (argc > 1 && strcmp(argv[1], scripts[i][0]) == 0)
			script = scripts[i][1];
	if (!script) {
		printf("runsh: usage: runsh pipe|status|chain|subshell|files\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = {"sh", "-c", (char *)script, NULL};
		execv("/bin/sh", args);
		_exit(100 + errno);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("runsh: exit status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
