/*
 * ExOS signals through the Linux interface: handlers for faults that fix
 * the cause and return (the Appel-Li trap), SA_SIGINFO with the context,
 * siglongjmp out of a handler, raise, masks and sigpending, SIG_IGN,
 * SA_RESETHAND, alarm/setitimer with pause and nanosleep (EINTR), signals
 * between parent and child (kill, SIGCHLD), abort(), and the error paths.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "expect.h"

static volatile long *shared;
static volatile int hits;
static volatile uintptr_t fault_addr;
static volatile char *page;

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static void unprotect(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	fault_addr = (uintptr_t)si->si_addr;
	hits++;
	mprotect((void *)page, 4096, PROT_READ | PROT_WRITE);
}

static void test_trap(void)
{
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	on(SIGSEGV, unprotect, 0);
	hits = 0;
	page[100] = 42; /* faults; the handler makes the page writable; the write completes */
	expect(hits == 1 && page[100] == 42, "a SIGSEGV handler fixes the protection and the write completes");
	expect(fault_addr == (uintptr_t)page + 100, "si_addr is the faulting address");
	signal(SIGSEGV, SIG_DFL);
	munmap((void *)page, 4096);
}

static void skip_ud2(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] += 2;
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RBX] = 0x5151;
	hits++;
}

static void test_context(void)
{
	on(SIGILL, skip_ud2, 0);
	hits = 0;
	long rbx = 0;
	__asm__ volatile("xor %%ebx, %%ebx\n\tud2\n\tmov %%rbx, %0" : "=r"(rbx) : : "rbx", "memory");
	expect(hits == 1 && rbx == 0x5151, "a handler's changes to the context (rip past ud2, rbx) take effect");
	signal(SIGILL, SIG_DFL);
}

static sigjmp_buf jump_back;
static void escape(int sig) { siglongjmp(jump_back, sig); }

static void test_longjmp(void)
{
	signal(SIGFPE, escape);
	volatile int got = sigsetjmp(jump_back, 1);
	if (got == 0) {
		int num = 1, den = 0;
		__asm__ volatile("cltd\n\tidivl %1" : "+a"(num) : "r"(den) : "rdx", "memory");
		expect(0, "a division by zero traps");
	}
	expect(got == SIGFPE, "SIGFPE on division by zero; siglongjmp out of the handler");
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	expect(!sigismember(&now, SIGFPE), "siglongjmp restored the mask");
	signal(SIGFPE, SIG_DFL);
}

static void count(int sig) { (void)sig, hits++; }

static void test_raise_and_masks(void)
{
	signal(SIGUSR1, count);
	hits = 0;
	raise(SIGUSR1);
	expect(hits == 1, "raise runs the handler before it returns");
	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	expect(hits == 1, "a blocked signal waits");
	sigpending(&pend);
	expect(sigismember(&pend, SIGUSR1), "sigpending shows it");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	expect(hits == 2, "unblocking delivers it");
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	expect(hits == 2, "SIG_IGN: nothing happens");
	signal(SIGUSR2, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
}

static void test_timers(void)
{
	signal(SIGALRM, count);
	hits = 0;
	struct itimerval it = {{0, 0}, {0, 50000}};
	expect(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer 50 ms");
	expect(pause() == -1 && errno == EINTR && hits == 1, "pause returns EINTR after the SIGALRM handler");
	alarm(1);
	struct itimerval cur;
	getitimer(ITIMER_REAL, &cur);
	expect(cur.it_value.tv_sec <= 1 && (cur.it_value.tv_sec || cur.it_value.tv_usec), "alarm shows in getitimer");
	struct timespec ts = {5, 0}, rem = {0, 0};
	expect(nanosleep(&ts, &rem) == -1 && errno == EINTR, "nanosleep interrupted by SIGALRM: EINTR");
	expect(rem.tv_sec >= 3 && hits == 2, "nanosleep says how much was left");
	expect(alarm(0) == 0, "no alarm left");
	signal(SIGALRM, SIG_DFL);
}

static int status_of(pid_t pid)
{
	int st = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void leave(int sig) { _exit(sig == SIGTERM ? 5 : 6); }

static void test_between_processes(void)
{
	shared[0] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGTERM, leave);
		shared[0] = 1;
		for (;;)
			pause();
	}
	while (shared[0] != 1)
		sched_yield();
	expect(kill(pid, SIGTERM) == 0, "kill a child with SIGTERM");
	int st = status_of(pid);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 5, "the child's SIGTERM handler ran");

	pid = fork();
	if (pid == 0)
		for (;;)
			pause();
	kill(pid, SIGTERM);
	st = status_of(pid);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM's default action ends the child");

	signal(SIGCHLD, count);
	signal(SIGUSR1, count);
	hits = 0;
	pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	st = status_of(pid);
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
	expect(hits == 2, "the child's SIGUSR1 and its SIGCHLD reached the parent's handlers");
	signal(SIGCHLD, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);

	/* A process that ignores and blocks every signal still ends on SIGKILL: the authority is our capability for its environment. */
	shared[0] = 0;
	pid = fork();
	if (pid == 0) {
		for (int s = 1; s < 65; s++)
			signal(s, SIG_IGN);
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		shared[0] = 1;
		for (;;)
			sched_yield();
	}
	while (shared[0] != 1)
		sched_yield();
	kill(pid, SIGTERM);
	int wn = waitpid(pid, &st, WNOHANG);
	expect(wn == 0, "a child that ignores SIGTERM goes on");
	kill(pid, SIGKILL);
	st = status_of(pid);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL ends a child that ignores and blocks everything");

	pid = fork();
	if (pid == 0)
		abort();
	st = status_of(pid);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "abort() ends a child with SIGABRT");

	pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = count;
		sa.sa_flags = SA_RESETHAND;
		sigaction(SIGUSR2, &sa, NULL);
		raise(SIGUSR2);
		raise(SIGUSR2);
		_exit(hits == 1 ? 0 : 3);
	}
	st = status_of(pid);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2, "SA_RESETHAND: the second SIGUSR2 takes the default action");
}

static void test_errors(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count;
	expect(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "SIGKILL cannot be caught: EINVAL");
	expect(sigaction(SIGSTOP, &sa, NULL) == -1 && errno == EINVAL, "SIGSTOP cannot be caught: EINVAL");
	expect(syscall(SYS_rt_sigaction, 0, NULL, NULL, 8) == -1 && errno == EINVAL, "signal 0: EINVAL");
	expect(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8) == -1 && errno == EINVAL, "signal 65: EINVAL");
	expect(syscall(SYS_rt_sigaction, SIGUSR1, (void *)16, NULL, 8) == -1 && errno == EFAULT, "a bad action: EFAULT");
	expect(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4) == -1 && errno == EINVAL, "a bad set size: EINVAL");
	expect(syscall(SYS_rt_sigprocmask, 7, &sa.sa_mask, NULL, 8) == -1 && errno == EINVAL, "a bad how: EINVAL");
	expect(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)16, NULL, 8) == -1 && errno == EFAULT, "a bad set: EFAULT");
	sigset_t all, now;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sigprocmask(SIG_SETMASK, NULL, &now);
	expect(!sigismember(&now, SIGKILL) && !sigismember(&now, SIGSTOP), "SIGKILL and SIGSTOP cannot be blocked");
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	expect(kill(getpid(), 0) == 0 && kill(123456789, SIGTERM) == -1 && errno == ESRCH, "kill: 0 checks; ESRCH");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	test_trap();
	test_context();
	test_longjmp();
	test_raise_and_masks();
	test_timers();
	test_between_processes();
	test_errors();
	printf(failures ? "signal: FAIL (%d)\n" : "signal: PASS\n", failures);
	return failures != 0;
}
