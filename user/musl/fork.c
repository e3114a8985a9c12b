/*
 * ExOS processes through the Linux calls: fork (copy-on-write), exit and
 * wait4 statuses, getpid/getppid, process groups and sessions, kill, and
 * the error paths. `fork` with no argument runs every check; `fork many`
 * also forks 200 children one after the other and 20 at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <exo/lib.h>

#include "expect.h"

static volatile long *shared; /* a MAP_SHARED page: parent and children see the same memory */
static long global_value = 1;
static volatile int *volatile bad_pointer = (int *)16;

static int wait_status(pid_t pid)
{
	int st = -1;
	pid_t got = waitpid(pid, &st, 0);
	return got == pid ? st : -1000 - errno;
}

static void test_basic(void)
{
	pid_t me = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		int ok = getppid() == me && getpid() != me && getpid() > 0;
		_exit(ok ? 7 : 1);
	}
	expect(pid > 0 && pid != me, "fork returns the child's pid to the parent");
	int st = wait_status(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 7, "the child saw getppid() == our pid and exited with 7");
	expect(waitpid(pid, &st, 0) == -1 && errno == ECHILD, "a reaped child is gone: ECHILD");
	expect(waitpid(-1, NULL, 0) == -1 && errno == ECHILD, "no children: ECHILD");
}

static void test_cow(void)
{
	size_t len = 64 * 4096;
	char *buf = malloc(len);
	memset(buf, 'p', len);
	long local = 10;
	shared[0] = 0;
	long usage_before = (long)EXO_ENV_INFO->usage;
	pid_t pid = fork();
	if (pid == 0) {
		long u0 = (long)EXO_ENV_INFO->usage;
		long sum = 0;
		for (size_t i = 0; i < len; i += 4096)
			sum += buf[i];
		long u1 = (long)EXO_ENV_INFO->usage;
		int read_free = u1 - u0 < 8 && sum == 64 * 'p';
		for (size_t i = 0; i < len; i += 4096)
			buf[i] = 'c';
		long u2 = (long)EXO_ENV_INFO->usage;
		int write_copies = u2 - u1 >= 60;
		global_value = 2;
		local = 20;
		shared[1] = read_free;
		shared[2] = write_copies;
		shared[0] = 1; /* the parent may write now */
		while (shared[0] != 2)
			sched_yield();
		int isolated = buf[4096] == 'c' && global_value == 2 && local == 20;
		_exit(isolated ? 0 : 1);
	}
	expect(pid > 0, "fork");
	expect((long)EXO_ENV_INFO->usage - usage_before < 16, "fork copies no page of the buffer");
	while (shared[0] != 1)
		sched_yield();
	expect(buf[4096] == 'p' && global_value == 1 && local == 10, "the child's writes are not seen by the parent");
	expect(shared[1] == 1, "the child read the shared pages without copying them");
	expect(shared[2] == 1, "the child's writes copied the pages it wrote");
	buf[4096] = 'P';
	global_value = 3;
	shared[0] = 2;
	int st = wait_status(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the parent's later writes are not seen by the child");
	expect(buf[4096] == 'P' && buf[8192] == 'p', "the parent keeps its own data");
	free(buf);
}

/* ExOS's page map grows past its first table (768 pages): fork and copy-on-write still hold. */
static void test_big(void)
{
	size_t pages = 1500;
	unsigned char *big = malloc(pages * 4096);
	for (size_t i = 0; i < pages; i++)
		big[i * 4096] = (unsigned char)i;
	pid_t pid = fork();
	if (pid == 0) {
		int ok = 1;
		for (size_t i = 0; i < pages; i++)
			ok &= big[i * 4096] == (unsigned char)i;
		for (size_t i = 0; i < pages; i += 7)
			big[i * 4096] = 0xC5;
		_exit(ok ? 0 : 1);
	}
	int st = wait_status(pid);
	int same = 1;
	for (size_t i = 0; i < pages; i++)
		same &= big[i * 4096] == (unsigned char)i;
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 0 && same, "fork of a 6 MiB process: the child sees it, its writes stay its own");
	free(big);
}

static void test_signals_and_faults(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		*bad_pointer = 1; /* a fault ExOS cannot serve */
		_exit(0);
	}
	int st = wait_status(pid);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a child that faults ends with SIGSEGV");
	shared[3] = 0;
	pid = fork();
	if (pid == 0) {
		shared[3] = 1;
		for (;;)
			sched_yield();
	}
	while (shared[3] != 1)
		sched_yield();
	int wn = waitpid(pid, &st, WNOHANG);
	expect(wn == 0, "WNOHANG on a running child: 0");
	expect(kill(pid, 0) == 0, "kill(pid, 0) finds the child");
	expect(kill(pid, SIGKILL) == 0, "kill(pid, SIGKILL)");
	st = wait_status(pid);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the killed child ends with SIGKILL");
	expect(kill(pid, 0) == -1 && errno == ESRCH, "a reaped child: ESRCH");
	expect(kill(getpid(), 99) == -1 && errno == EINVAL, "an unknown signal: EINVAL");
	expect(waitpid(-1, (int *)0x10, 0) == -1 && errno == EFAULT, "a bad status pointer: EFAULT");
	expect(waitpid(-1, NULL, 0x40000) == -1 && errno == EINVAL, "unknown options: EINVAL");
}

static void test_groups(void)
{
	pid_t me = getpid();
	expect(getpgrp() == getpgid(0), "getpgrp is getpgid(0)");
	expect(getsid(0) > 0, "getsid");
	pid_t pid = fork();
	if (pid == 0) {
		int ok = getpgrp() == getpgid(getppid()); /* inherited the parent's group */
		ok &= setpgid(0, 0) == 0 && getpgrp() == getpid();
		ok &= setsid() == -1 && errno == EPERM; /* a group leader cannot start a session */
		_exit(ok ? 0 : 1);
	}
	expect(setpgid(pid, pid) == 0, "setpgid on a child");
	expect(getpgid(pid) == pid, "the child's group as the parent set it");
	expect(setpgid(12345678, 0) == -1 && errno == ESRCH, "setpgid of a stranger: ESRCH");
	int st = wait_status(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child changed its own group");
	pid = fork();
	if (pid == 0) {
		int ok = setsid() == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
		_exit(ok ? 0 : 1);
	}
	st = wait_status(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "setsid in a child makes a new session and group");
	(void)me;
}

static void test_grandchild(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		pid_t me = getpid();
		pid_t g = fork();
		if (g == 0)
			_exit(getppid() == me ? 5 : 1);
		int st = wait_status(g);
		_exit(WIFEXITED(st) && WEXITSTATUS(st) == 5 ? 6 : 2);
	}
	int st = wait_status(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 6, "a child forks and waits for a grandchild");
}

static void test_many(void)
{
	int bad = 0;
	for (int i = 0; i < 200; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(i & 0xff);
		int st = wait_status(pid);
		bad += !(WIFEXITED(st) && WEXITSTATUS(st) == (i & 0xff));
	}
	expect(bad == 0, "200 children forked, exited and waited for one after another");
	pid_t pids[20];
	for (int i = 0; i < 20; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			for (int k = 0; k < 3; k++)
				sched_yield();
			_exit(100 + i);
		}
	}
	int seen = 0;
	for (int n = 0; n < 20; n++) {
		int st;
		pid_t got = waitpid(-1, &st, 0);
		for (int i = 0; i < 20; i++)
			if (got == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 100 + i)
				seen |= 1 << i;
	}
	expect(seen == (1 << 20) - 1, "20 children at once, each reaped once with its own status");
}

/*
 * The shell's way to wait (busybox ash's wait builtin): block SIGCHLD, sleep
 * in sigsuspend until the handler has run, then waitpid with WNOHANG. Once
 * SIGCHLD has come, the child's end must be there to collect; if it is not,
 * the shell sleeps for good (no second SIGCHLD comes). The children exit
 * at once, so the parent often runs between their SIGCHLD and their end.
 */
static volatile sig_atomic_t got_chld;
static void on_chld(int sig) { (void)sig, got_chld = 1; }

static void test_sigchld_then_wnohang(void)
{
	struct sigaction sa = {.sa_handler = on_chld};
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t all, old;
	sigfillset(&all);
	int missed = 0;
	for (int i = 0; i < 40; i++) {
		sigprocmask(SIG_SETMASK, &all, &old);
		got_chld = 0;
		pid_t pid = fork();
		if (pid == 0)
			_exit(3);
		while (!got_chld)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		int st = 0;
		pid_t got = waitpid(-1, &st, WNOHANG);
		if (got != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 3) {
			missed++;
			waitpid(pid, &st, 0);
		}
	}
	expect(missed == 0, "after SIGCHLD, waitpid(WNOHANG) collects the child every time");
	signal(SIGCHLD, SIG_DFL);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 2;
	sys_env_set_quota(EXO_CAP_SELF, exo_info->total_pages / 2);
	test_basic();
	test_cow();
	test_big();
	test_signals_and_faults();
	test_groups();
	test_grandchild();
	test_sigchld_then_wnohang();
	if (argc > 1 && !strcmp(argv[1], "many"))
		test_many();
	printf(failures ? "fork: FAIL (%d)\n" : "fork: PASS\n", failures);
	return failures != 0;
}
