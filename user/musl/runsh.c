/*
 * Runs busybox's shell on a script chosen by name (the kernel's command line
 * splits at spaces, so scripts are kept here): fork, execve /bin/sh -c
 * SCRIPT, wait, and print the exit status. Its output goes to the console.
 *   runsh NAME     NAME: pipe, status, chain, subshell, files, redirect, fileutils, ps, text, df, kill-other
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
	{"redirect", "echo hello > /tmp/r; echo more >> /tmp/r; x=$(cat /tmp/r | tr '\\n' ' '); n=$(wc -l < /tmp/r); echo \"redirect: $x/$n\""},
	{"fileutils", "mkdir -p /tmp/a/b && echo x > /tmp/a/b/f && cp /tmp/a/b/f /tmp/a/g && mv /tmp/a/g /tmp/a/h && "
		      "ln -s h /tmp/a/l && test \"$(cat /tmp/a/l)\" = x && rm /tmp/a/b/f && rmdir /tmp/a/b && "
		      "test \"$(ls /tmp/a | tr '\\n' ,)\" = h,l, && rm -r /tmp/a && test ! -e /tmp/a && echo fileutils ok"},
	{"ps", "sleep 5 & p=$!; for i in 1 2 3 4 5 6 7 8; do ps > /tmp/ps.out; grep -q ' sleep 5$' /tmp/ps.out && break; done; "
	       "n=$(grep -c ' sleep 5$' /tmp/ps.out); kill $p; wait $p; echo \"ps: $n sleep, killed $?\""},
	{"text", "printf 'pear\\napple\\nfig\\n' > /tmp/t && r=$(sort /tmp/t | head -2 | tail -1) && n=$(grep -c p /tmp/t) && "
		 "w=$(wc -l < /tmp/t) && s=$(sed -n 2p /tmp/t) && echo \"text: $r $n $w $s\""},
	{"df", "df / /proc | tail -2 | cut -d ' ' -f 1 | tr '\\n' ' '; echo; free | grep -c Mem; cut -d ' ' -f 2 /proc/uptime"},
	{"kill-other", "sh -c 'sleep 100 & echo $! > /tmp/pid; wait' & sleep 1; kill $(cat /tmp/pid) && wait && echo kill-other: ok"},
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *script = NULL;
	for (unsigned i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
		if (argc > 1 && strcmp(argv[1], scripts[i][0]) == 0)
			script = scripts[i][1];
	if (!script) {
		printf("runsh: usage: runsh pipe|status|chain|subshell|files|redirect|fileutils|ps|text|df|kill-other\n");
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
