/*
 * ExOS's own costs, through the Linux interface a program uses (issue 6's
 * closing figures): getppid by function call and by a reflected `syscall`,
 * fork+exit+wait, fork+exec+exit+wait, and the Appel-Li primitives as
 * ExOS offers them: trap (a write to a read-only page; a SIGSEGV handler
 * makes it writable and returns), prot1, prot100, unprot100 (mprotect),
 * appel1, appel2, and dirty (exos_dirty, <exos/api.h>); and thread_switch:
 * two threads of one process ping-pong with sched_yield, per switch
 * (ExOS's user-level threads, exos/thread.c).
 *
 * usage: exosbench [quick]     quick: few iterations (make test checks it runs)
 *        exosbench exit        exit at once (what fork+exec runs)
 * Under -icount shift=0 the TSC counts instructions: the figures are
 * instructions per operation (median of 5 batches), printed as
 *   EXOSBENCH <op> <value>
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <exos/api.h>

#define NPAGES 100
#define BATCHES 5

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static volatile char *region, *one;
static int (*volatile on_fault)(uintptr_t va);
static uint64_t empty;

static void segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if (!on_fault || on_fault((uintptr_t)si->si_addr) != 0)
		abort();
}

static void prot(volatile char *p, size_t pages, int rw)
{
	mprotect((void *)p, pages * 4096, rw ? PROT_READ | PROT_WRITE : PROT_READ);
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median over BATCHES of (ticks of n runs of fn) / n, less the empty loop. */
static double measure(void (*fn)(long), long n)
{
	uint64_t t[BATCHES];
	fn(1);
	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = tsc();
		fn(n);
		t[b] = tsc() - t0;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp);
	return (double)t[BATCHES / 2] / (double)n - (double)empty;
}

static void op_empty(long n)
{
	for (long i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
}

static void op_getppid(long n)
{
	for (long i = 0; i < n; i++)
		(void)getppid();
}

static void op_getppid_raw(long n)
{
	for (long i = 0; i < n; i++) {
		long r;
		__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
	}
}

static void op_fork_wait(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		waitpid(p, NULL, 0);
	}
}

static void op_fork_exec(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			char *argv[] = {"exosbench", "exit", NULL};
			execv("/bin/exosbench", argv);
			_exit(127);
		}
		int st;
		waitpid(p, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			abort();
	}
}

/* Files through the file server: a stat by name, and a 4-byte pread (one LRPC round trip each, plus copies). */
static void op_fs_stat(long n)
{
	struct stat st;
	for (long i = 0; i < n; i++)
		stat("/etc/hostname", &st);
}

static void op_fs_open_close(long n)
{
	for (long i = 0; i < n; i++) {
		struct stat st;
		int fd = open("/bin/exosbench", O_RDONLY);
		fstat(fd, &st);
		close(fd);
	}
}

static int fs_fd = -1;
static void op_fs_pread4(long n)
{
	char b[4];
	for (long i = 0; i < n; i++)
		(void)!pread(fs_fd, b, 4, 0);
}

/* A new process's first file call makes its window (exos/files.c): that call less a second one, median of 5. */
static double fs_first_call(void)
{
	volatile uint64_t *out = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t t[5];
	for (int i = 0; i < 5; i++) {
		pid_t p = fork();
		if (p == 0) {
			struct stat st;
			uint64_t t0 = tsc();
			stat("/etc/hostname", &st);
			uint64_t t1 = tsc();
			stat("/etc/hostname", &st);
			uint64_t t2 = tsc();
			out[0] = (t1 - t0) - (t2 - t1);
			_exit(0);
		}
		waitpid(p, NULL, 0);
		t[i] = out[0];
	}
	qsort(t, 5, sizeof(t[0]), cmp);
	return (double)t[2];
}

static int trap_fault(uintptr_t va)
{
	if ((va & ~4095UL) != (uintptr_t)one)
		return -1;
	prot(one, 1, 1);
	return 0;
}

static void op_trap(long n)
{
	on_fault = trap_fault;
	for (long i = 0; i < n; i++) {
		prot(one, 1, 0); /* subtracted below: half a prot1_and_back */
		one[0] = 1;
	}
	on_fault = NULL;
}

static void op_prot1(long n)
{
	for (long i = 0; i < n; i++) {
		prot(one, 1, 0);
		prot(one, 1, 1);
	}
}

static void op_prot100(long n)
{
	for (long i = 0; i < n; i++) {
		prot(region, NPAGES, 0);
		prot(region, NPAGES, 1);
	}
}

/* appel1: protect one page, fault on it, unprotect it in the handler and protect another. */
static volatile long appel1_next;
static int appel1_fault(uintptr_t va)
{
	volatile char *p = (volatile char *)(va & ~4095UL);
	prot(p, 1, 1);
	appel1_next = (appel1_next + 1) % NPAGES;
	prot(region + appel1_next * 4096, 1, 0);
	return 0;
}

static void op_appel1(long n)
{
	prot(region, NPAGES, 1);
	appel1_next = 0;
	prot(region, 1, 0);
	on_fault = appel1_fault;
	for (long i = 0; i < n; i++)
		region[appel1_next * 4096] = 1;
	on_fault = NULL;
	prot(region, NPAGES, 1);
}

/* appel2: protect 100 pages at once, then take a fault on each, unprotecting it in the handler. */
static int appel2_fault(uintptr_t va)
{
	prot((volatile char *)(va & ~4095UL), 1, 1);
	return 0;
}

static void op_appel2(long n)
{
	on_fault = appel2_fault;
	for (long i = 0; i < n; i += NPAGES) {
		prot(region, NPAGES, 0);
		for (int k = 0; k < NPAGES && i + k < n; k++)
			region[k * 4096] = 1;
	}
	on_fault = NULL;
}

static void op_dirty(long n)
{
	for (long i = 0; i < n; i++)
		(void)exos_dirty((void *)one, 1);
}

/* thread_switch: each sched_yield here runs the partner, whose sched_yield runs us: two switches. */
static volatile int partner_stop;

static void *partner(void *arg)
{
	(void)arg;
	while (!partner_stop)
		sched_yield();
	return NULL;
}

static void op_yield_pair(long n)
{
	for (long i = 0; i < n; i++)
		sched_yield();
}

static double thread_switch(long n)
{
	pthread_t t;
	partner_stop = 0;
	if (pthread_create(&t, NULL, partner, NULL) != 0)
		return -1;
	double v = measure(op_yield_pair, n) / 2;
	partner_stop = 1;
	pthread_join(t, NULL);
	return v;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return 0;
	int quick = argc > 1 && strcmp(argv[1], "quick") == 0;
	long k = quick ? 1 : 10;
	setvbuf(stdout, NULL, _IONBF, 0);
	region = mmap(NULL, NPAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	one = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	fs_fd = open("/etc/hostname", O_RDONLY);
	empty = 0;
	empty = (uint64_t)measure(op_empty, 1000);
	double prot1 = measure(op_prot1, 100 * k), prot100 = measure(op_prot100, 10 * k);
	struct {
		const char *name;
		double v;
	} r[] = {
		{"getppid", measure(op_getppid, 2000 * k)},
		{"getppid_reflected", measure(op_getppid_raw, 1000 * k)},
		{"prot1_and_back", prot1},
		{"prot100_and_back", prot100},
		{"trap", measure(op_trap, 100 * k) - prot1 / 2}, /* less the protect each round needs */
		{"appel1", measure(op_appel1, 100 * k)},
		{"appel2", measure(op_appel2, 100 * k)},
		{"dirty", measure(op_dirty, 100 * k)},
		{"fs_stat", measure(op_fs_stat, 100 * k)},
		{"fs_pread4", measure(op_fs_pread4, 100 * k)},
		{"fs_first_call", fs_first_call()},
		{"fs_open_fstat_close", measure(op_fs_open_close, 20 * k)},
		{"fork_wait", measure(op_fork_wait, 2 * k)},
		{"fork_exec_wait", measure(op_fork_exec, 2 * k)},
	};
	for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		printf("EXOSBENCH %s %.1f\n", r[i].name, r[i].v);
	printf("EXOSBENCH thread_switch %.1f\n", thread_switch(1000 * k)); /* last: the others run single-threaded */
	printf("EXOSBENCH done\n");
	return 0;
}
