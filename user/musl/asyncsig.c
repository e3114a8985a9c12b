/*
 * Asynchronous signals: a process that computes without making system calls
 * still gets its signals, delivered by ExOS's prologue upcall at the start of
 * its turns (docs/exos.md, Signals). Every busy loop here makes no call; each
 * gives up after a few seconds of TSC time, so a failure is a FAILED line,
 * not a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <exo/info.h>
#include <exo/memlayout.h>

#include "expect.h"

#define LIMIT_S 10 /* a busy loop gives up after this long */

static volatile long *shared; /* MAP_SHARED: between parent and child */
static volatile int flag;
static volatile int hits;
static volatile long handler_rip;

static uint64_t tsc(void) { return __builtin_ia32_rdtsc(); }

static uint64_t tsc_after(unsigned ms)
{
	uint64_t hz = ((const volatile struct exo_info *)EXO_INFO_VA)->tsc_hz;
	return tsc() + hz / 1000 * ms;
}

/* Spin, without system calls, until *stop is set (1) or LIMIT_S seconds passed (0). */
static int spin_until(volatile int *stop)
{
	uint64_t end = tsc_after(LIMIT_S * 1000);
	while (!*stop)
		if (tsc() > end)
			return 0;
	return 1;
}

/* Spin, without system calls, for ms milliseconds. */
static void spin_for(unsigned ms)
{
	uint64_t end = tsc_after(ms);
	while (tsc() < end)
		;
}

static void set_flag(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	handler_rip = ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
	flag = si->si_signo;
}

/* SIGUSR1 in the busy child: count, in its memory and (for the parent to see) in shared[1]. */
static void count(int sig)
{
	(void)sig;
	volatile double d = hits * 1.5; /* the vector registers of the interrupted loop must survive this */
	hits = (int)(d / 1.5) + 1;
	shared[1] = hits;
}

static void on(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

static int status_of(pid_t pid)
{
	int st = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void test_alarm(void)
{
	on(SIGALRM, set_flag);
	flag = 0;
	handler_rip = 0;
	alarm(1);
	expect(spin_until(&flag) && flag == SIGALRM, "alarm(1) ends a busy loop: its SIGALRM handler ran");
	expect(handler_rip != 0, "the handler's context holds the interrupted rip");
	signal(SIGALRM, SIG_DFL);
}

/* A child that spins (no calls) after saying it started; exits 9 if nothing stops it. */
static pid_t busy_child(void)
{
	shared[0] = 0;
	flag = 0;
	pid_t pid = fork();
	if (pid == 0) {
		shared[0] = 1;
		spin_until(&flag); /* nothing sets flag in the child */
		_exit(9);
	}
	while (shared[0] != 1)
		sched_yield();
	return pid;
}

static void test_kill_busy(void)
{
	pid_t pid = busy_child();
	expect(kill(pid, SIGTERM) == 0, "kill a busy child");
	int st = status_of(pid);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM's default action ends a busy child");
}

/* The child: sums 1..n and counts n in a double until told to stop; exits with its handler's count, 100 if its registers were disturbed. */
static void compute_until_told(void)
{
	unsigned long n = 0, sum = 0;
	double x = 0;
	uint64_t end = tsc_after(LIMIT_S * 1000);
	while (!shared[2] && tsc() < end) {
		n++;
		sum += n;
		x += 1.0;
	}
	_exit(sum == n * (n + 1) / 2 && x == (double)n ? hits : 100);
}

static void test_handler_busy(void)
{
	shared[0] = shared[1] = shared[2] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, count);
		shared[0] = 1;
		compute_until_told();
	}
	while (shared[0] != 1)
		sched_yield();
	for (int i = 1; i <= 5; i++) { /* one at a time: signals sent before one is taken merge */
		kill(pid, SIGUSR1);
		uint64_t end = tsc_after(LIMIT_S * 1000);
		while (shared[1] != i && tsc() < end)
			sched_yield();
	}
	shared[2] = 1;
	int st = status_of(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) != 100, "a busy child's registers survive its handlers");
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 5, "a busy child's SIGUSR1 handler ran for each of 5 signals");
}

static void test_blocked(void)
{
	on(SIGUSR2, set_flag);
	flag = 0;
	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	spin_for(300); /* the child runs and signals; several of our prologues pass */
	expect(flag == 0, "a blocked signal is not delivered to a busy process");
	sigpending(&pend);
	expect(sigismember(&pend, SIGUSR2), "it stays pending");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	expect(flag == SIGUSR2, "unblocking delivers it");
	status_of(pid);

	flag = 0;
	pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	expect(spin_until(&flag) && flag == SIGUSR2, "a signal from a child reaches its busy parent's handler");
	status_of(pid);
	signal(SIGUSR2, SIG_DFL);
}

/* Threads: the signal goes to the process, and the thread that does not block it takes it. */
static volatile pthread_t taker;

static void note_taker(int sig)
{
	(void)sig;
	taker = pthread_self();
	flag = 1;
}

static void *worker(void *arg)
{
	(void)arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	spin_until(&flag);
	return NULL;
}

static void test_threads(void)
{
	signal(SIGALRM, note_taker);
	flag = 0;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_t t;
	expect(pthread_create(&t, NULL, worker, NULL) == 0, "pthread_create");
	alarm(1);
	expect(spin_until(&flag), "alarm(1) ends the busy loops of two threads");
	pthread_join(t, NULL);
	expect(pthread_equal(taker, t), "the thread that does not block SIGALRM took it");
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGALRM, SIG_DFL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	test_alarm();
	test_kill_busy();
	test_handler_busy();
	test_blocked();
	test_threads();
	printf(failures ? "asyncsig: FAIL (%d)\n" : "asyncsig: PASS\n", failures);
	return failures != 0;
}
