/*
 * The paper's measurements, one source for two systems (issue 8; BRIEF §5).
 *
 * Built twice (mk/bench.mk), against the same C library, musl 1.2.3: for exo
 * with tools/exo-cc against exo's musl and ExOS (-D__exo__), and for Linux
 * statically with Debian's musl (musl-gcc -static), where it runs as /init.
 * tools/bench.sh boots both in the same QEMU command line and compares the
 * results; docs/benchmarks.md says what every operation measures.
 *
 * On exo, what goes through the C library (printf, getppid) is musl calling
 * ExOS with a function call; what the paper measures as the exokernel's own
 * primitives goes to the kernel directly: the kernel-call stubs of
 * <exo/kcall.h>, libexo's upcall dispatcher (lib/upcall.c, part of libexos.a)
 * and exo_spawn (lib/spawn.c, linked in by mk/bench.mk).
 *
 * usage: bench MODE   MODE = icount | wall | quick
 *   icount  TSC ticks are guest instructions (QEMU -icount shift=0): report "instructions"
 *   wall    plain TCG: convert TSC ticks to nanoseconds with the calibrated TSC rate
 *   quick   a few iterations of everything, in raw TSC ticks (make test's check)
 * Linux only: `bench exit` exits at once (the program `spawn` executes).
 *
 * Output, one line each, nothing else starts with "BENCH":
 *   BENCH <op> <value> <unit>       value per operation, one decimal
 *   BENCH <op> n/a <reason>         not measured on this system, and why
 *   BENCH done                      the last line
 * Lines starting "BENCHINFO" carry context (system, mode, TSC rate, notes).
 *
 * Method: each operation runs one warm-up batch, then BATCHES timed batches
 * of n operations; the reported value is the median batch's cost per
 * operation. A batch timed as one loop has the same empty loop's cost
 * subtracted; an operation timed one at a time (it needs untimed set-up in
 * between) has the cost of back-to-back rdtsc subtracted.
 *
 * Adding an operation: write `static const char *op_NAME(struct batch *b)`
 * that does b->n operations and stores their cost in b->ticks (or returns a
 * reason string when the system cannot do it yet), and add one line to ops[].
 * System-specific code sits in #ifdef __exo__ blocks.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __exo__
#include <exo/lib.h> /* the kernel's interface: kernel calls, upcalls, exo_spawn */
#include <exos/api.h> /* exos_vm_fault: faults the benchmark does not take go to ExOS */
#include <sys/wait.h>
#else
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#endif

#define PAGE 4096UL
#define NPAGES 100 /* pages of the region prot100, unprot100, appel1 and appel2 work on */
#define BATCHES 5

/* ---- timing ---- */

#ifndef __exo__ /* <exo/lib.h> has these */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t boot_ticks; /* TSC at the start of main (exo: exo_first_tsc, set by exos/crt_exos.S) */
#endif

enum mode { MODE_ICOUNT, MODE_WALL, MODE_QUICK };
static enum mode mode;
static uint64_t tsc_khz;      /* TSC ticks per millisecond (wall mode) */
static int64_t rdtsc_cost;    /* ticks between two back-to-back rdtsc */

/* Ticks an empty loop of n iterations takes: subtracted from loops timed whole. */
__attribute__((noinline)) static int64_t empty_loop(long n)
{
	uint64_t t0 = rdtsc();
	for (long i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
	return (int64_t)(rdtsc() - t0);
}

static int64_t measure_rdtsc_cost(void)
{
	int64_t best = -1;
	for (int i = 0; i < 100; i++) {
		uint64_t t0 = rdtsc();
		uint64_t t1 = rdtsc();
		if (best < 0 || (int64_t)(t1 - t0) < best)
			best = (int64_t)(t1 - t0);
	}
	return best;
}

/* Time one operation's stretch [t0, t1): the rdtsc pair's own cost comes off. */
static int64_t span(uint64_t t0, uint64_t t1) { return (int64_t)(t1 - t0) - rdtsc_cost; }

/* One batch: n operations (the op may round n to what it did) and their total cost. */
struct batch {
	long n;
	int64_t ticks;
};

/* A fixed pseudo-random sequence, the same on both systems. */
static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- the system layer: memory, faults, a second process ---- */

/*
 * Each system provides: `one` (a page of its own, read-write), `region`
 * (NPAGES pages, read-write), `shm` (a page shared with children), and
 *   prot_page(va, rw)       protect one page read-only (rw=0) or read-write
 *   prot_region(rw)         the same for the whole region, in one call
 *   set_fault_handler()     route write faults to on_fault(address)
 *   child_start(fn, arg)    run fn(arg) in a second process / environment
 *   child_wait(c)           wait until it has ended
 *   yield_cpu()             give the processor to the other one
 */
#define SLICE_MAX 64 /* switches recorded per side in a slice batch */
struct slice_log {
	volatile uint64_t last;           /* the side's latest timestamp */
	volatile long n;                  /* switches to it seen so far */
	volatile int64_t cost[SLICE_MAX]; /* each one's cost */
};

struct shared {
	volatile long ready, stop;
	volatile long counter;
	volatile unsigned long parent_id; /* exo: the parent's environment id, for directed yield */
	volatile unsigned long server_id; /* exo: lrpc_rt's server, for PCT */
	struct slice_log slice[2];        /* slice: [0] the parent, [1] the child */
};

static int (*volatile on_fault)(uintptr_t va); /* the current operation's fault handler; 0: handled */

#ifdef __exo__
/*
 * The pages the operations work on are bound by the benchmark itself, with
 * kernel calls, at addresses ExOS never uses: above the break's limit
 * (the program's image + 1 GiB) and below ExOS's mmap area (from 1 TiB).
 */
#define ONE_VA 0x8000000000UL
#define REGION_VA 0x8000100000UL
#define SHM_VA 0x8000400000UL
static volatile char *one = (volatile char *)ONE_VA;
static volatile char *region = (volatile char *)REGION_VA;
static struct shared *shm = (struct shared *)SHM_VA;
static long shm_slot;
static struct exo_bind_op region_ops[2][NPAGES]; /* [rw]: protect every page of the region */
typedef long child_t;

static long bind_new_page(uint64_t va)
{
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0 || sys_bind(EXO_CAP_SELF, va, (unsigned long)s, EXO_PROT_R | EXO_PROT_W) < 0)
		return -1;
	return s;
}

static int sys_setup(void)
{
	/* The first environment holds the whole memory guarantee: keep 32 MiB, leave room for children's. */
	if (sys_env_set_quota(EXO_CAP_SELF, 8192) < 0)
		return -1;
	if (bind_new_page(ONE_VA) < 0 || (shm_slot = bind_new_page(SHM_VA)) < 0)
		return -1;
	for (int i = 0; i < NPAGES; i++) {
		uint64_t va = REGION_VA + (uint64_t)i * PAGE;
		if (bind_new_page(va) < 0)
			return -1;
		region_ops[0][i] = (struct exo_bind_op){EXO_OP_PROTECT, 0, va, EXO_PROT_R, 0};
		region_ops[1][i] = (struct exo_bind_op){EXO_OP_PROTECT, 0, va, EXO_PROT_R | EXO_PROT_W, 0};
	}
	return 0;
}

static inline void prot_page(volatile char *va, int rw)
{
	sys_protect(EXO_CAP_SELF, (uintptr_t)va, rw ? EXO_PROT_R | EXO_PROT_W : EXO_PROT_R);
}

static inline void prot_region(int rw) { sys_bind_batch(EXO_CAP_SELF, region_ops[rw], NPAGES); }

/* A write to a read-only binding: hand its address to the current operation; the rest is ExOS's. */
static int exo_fault(struct exo_upcall *u)
{
	if ((u->err & 3) == 3 && on_fault && on_fault(u->addr) == 0)
		return 0;
	return exos_vm_fault(u); /* demand-zero, copy-on-write: ExOS's pages */
}

static int set_fault_handler(void) { return exo_set_pagefault_handler(exo_fault) == 0 ? 0 : -1; }

/*
 * The child (exo_spawn, lib/spawn.c) shares `shm` (bound into it before it
 * starts); everything else is its own copy of the program's writable pages,
 * made when it is created: musl's and ExOS's data included, so stdout is
 * flushed first (the child's musl flushes its copy when it exits). A new
 * environment's FS base is 0: the child sets it to the parent's thread
 * pointer, which names the same address in its copy, so musl's per-thread
 * data (errno) works there too. The two hand the processor to each other
 * by directed yield (yield_to): round-robin sys_yield does not alternate
 * between two environments yet (the scheduler picks twice per yield).
 */
static unsigned long peer_id; /* the other environment */
static int (*child_body)(long);
static unsigned long parent_tp; /* the parent's thread pointer, when the child was made */

static int child_trampoline(long arg)
{
	if (sys_set_fs_base(parent_tp) < 0)
		return 125;
	peer_id = shm->parent_id;
	return child_body(arg);
}

static child_t child_start(int (*fn)(long), long arg)
{
	fflush(stdout);
	child_body = fn; /* before the child's copy of .data is made */
	__asm__ volatile("mov %%fs:0, %0" : "=r"(parent_tp)); /* musl: the thread pointer points to itself */
	shm->parent_id = EXO_ENV_INFO->id;
	long env = exo_spawn_create(child_trampoline, 64);
	if (env < 0)
		return env;
	long r = sys_bind((unsigned long)env, SHM_VA, (unsigned long)shm_slot, EXO_PROT_R | EXO_PROT_W);
	if (r == 0)
		r = exo_spawn_start(env, arg);
	if (r < 0) {
		sys_env_destroy((unsigned long)env);
		exo_wait(env); /* gives its private pages back */
		return r;
	}
	peer_id = EXO_CAP_TABLE[env].object;
	return env;
}

static inline void yield_cpu(void) { sys_yield_to(peer_id); }

/* The child was told to stop: let it run to its end, then take its pages back. */
static void child_wait(child_t c)
{
	yield_cpu();
	exo_wait(c);
}

#else /* Linux */

static volatile char *one, *region;
static struct shared *shm;
typedef pid_t child_t;

static int sys_setup(void)
{
	void *o = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	void *r = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		       -1, 0);
	void *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (o == MAP_FAILED || r == MAP_FAILED || s == MAP_FAILED)
		return -1;
	one = o, region = r, shm = s;
	for (unsigned long i = 0; i < NPAGES; i++) /* every page present, like a bound exo page */
		region[i * PAGE] = 1;
	one[0] = 1;
	return 0;
}

static inline void prot_page(volatile char *va, int rw)
{
	mprotect((void *)va, PAGE, rw ? PROT_READ | PROT_WRITE : PROT_READ);
}

static inline void prot_region(int rw)
{
	mprotect((void *)region, NPAGES * PAGE, rw ? PROT_READ | PROT_WRITE : PROT_READ);
}

static void linux_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (!on_fault || on_fault((uintptr_t)si->si_addr) != 0)
		signal(sig, SIG_DFL); /* not ours: the retried access ends the program */
}

static int set_fault_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = linux_segv;
	sa.sa_flags = SA_SIGINFO;
	return sigaction(SIGSEGV, &sa, NULL);
}

static child_t child_start(int (*fn)(long), long arg)
{
	fflush(stdout); /* or the child would print the parent's buffered output again */
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

static void child_wait(child_t c) { waitpid(c, NULL, 0); }
static inline void yield_cpu(void) { sched_yield(); }
#endif

static uintptr_t page_of(uintptr_t va) { return va & ~(PAGE - 1); }

/* ---- the operations ---- */

/* proc: a null procedure call. */
__attribute__((noinline)) static void null_proc(void) { __asm__ volatile("" ::: "memory"); }

static const char *op_proc(struct batch *b)
{
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++)
		null_proc();
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	return NULL;
}

/* syscall: the cheapest kernel entry and exit. exo: the null kernel call; Linux: raw `syscall` getppid. */
static const char *op_syscall(struct batch *b)
{
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++) {
#ifdef __exo__
		sys_null();
#else
		long ret;
		__asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
#endif
	}
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	return NULL;
}

/* getppid: through the C library (musl). exo: a function call into ExOS; Linux: musl's syscall wrapper. */
static const char *op_getppid(struct batch *b)
{
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++)
		(void)getppid();
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	return NULL;
}

/* exc: ud2 raises #UD; a user-level handler skips it and the program goes on. */
#ifdef __exo__
static int skip_ud2(struct exo_upcall *u)
{
	u->rip += 2;
	return 0;
}
#else
static void skip_ud2(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] += 2;
}
#endif

static const char *op_exc(struct batch *b)
{
#ifdef __exo__
	if (exo_set_exception_handler(EXO_VEC_UD, skip_ud2) != 0)
		return "exo_set_exception_handler failed";
#else
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = skip_ud2;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGILL, &sa, NULL) != 0)
		return "sigaction failed";
#endif
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++)
		__asm__ volatile("ud2" ::: "memory");
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	return NULL;
}

/* prot1: make one page read-only and back (protect + undo, one operation). */
static const char *op_prot1(struct batch *b)
{
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++) {
		prot_page(one, 0);
		prot_page(one, 1);
	}
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	return NULL;
}

/* prot100 / unprot100: make 100 pages read-only / read-write, in one call each. */
static const char *prot100(struct batch *b, int rw)
{
	b->ticks = 0;
	for (long i = 0; i < b->n; i++) {
		prot_region(!rw); /* the other way round first, untimed */
		uint64_t t0 = rdtsc();
		prot_region(rw);
		b->ticks += span(t0, rdtsc());
	}
	prot_region(1);
	return NULL;
}

static const char *op_prot100(struct batch *b) { return prot100(b, 0); }
static const char *op_unprot100(struct batch *b) { return prot100(b, 1); }

/* trap: a write to a read-only page; the user-level handler makes it writable and the write completes. */
static int trap_fault(uintptr_t va)
{
	if (page_of(va) != (uintptr_t)one)
		return -1;
	prot_page(one, 1);
	return 0;
}

static const char *op_trap(struct batch *b)
{
	on_fault = trap_fault;
	b->ticks = 0;
	for (long i = 0; i < b->n; i++) {
		prot_page(one, 0);
		uint64_t t0 = rdtsc();
		one[8] = (char)i;
		b->ticks += span(t0, rdtsc());
	}
	on_fault = NULL;
	return NULL;
}

/*
 * appel1 (Appel & Li's prot1+trap+unprot): write to a random read-only page
 * of the region; the handler makes some other page read-only and the
 * faulting one writable. Exactly one page of the region is writable.
 */
static volatile long appel_open = -1; /* the one writable page of the region */

static int appel1_fault(uintptr_t va)
{
	uintptr_t p = page_of(va);
	if (p < (uintptr_t)region || p >= (uintptr_t)region + NPAGES * PAGE)
		return -1;
	long idx = (long)((p - (uintptr_t)region) / PAGE);
#ifdef __exo__
	/* Both changes in one kernel entry: what the exposed batch interface is for. */
	struct exo_bind_op ops[2] = {
		{EXO_OP_PROTECT, 0, (uintptr_t)region + (uint64_t)appel_open * PAGE, EXO_PROT_R, 0},
		{EXO_OP_PROTECT, 0, p, EXO_PROT_R | EXO_PROT_W, 0},
	};
	sys_bind_batch(EXO_CAP_SELF, ops, 2);
#else
	prot_page(region + appel_open * PAGE, 0);
	prot_page((volatile char *)p, 1);
#endif
	appel_open = idx;
	return 0;
}

static const char *op_appel1(struct batch *b)
{
	prot_region(0);
	appel_open = 0;
	prot_page(region, 1);
	on_fault = appel1_fault;
	b->ticks = 0;
	for (long i = 0; i < b->n; i++) {
		long idx = (long)(rng() % (NPAGES - 1));
		if (idx >= appel_open) /* any page but the writable one */
			idx++;
		uint64_t t0 = rdtsc();
		region[idx * PAGE + 16] = (char)i;
		b->ticks += span(t0, rdtsc());
	}
	on_fault = NULL;
	prot_region(1);
	return NULL;
}

/*
 * appel2 (Appel & Li's protN+trap+unprot): make the 100 pages read-only in
 * one call, then write to each of them in a random order; the handler makes
 * the faulting page writable. Cost per page, the protect call included.
 */
static int appel2_fault(uintptr_t va)
{
	uintptr_t p = page_of(va);
	if (p < (uintptr_t)region || p >= (uintptr_t)region + NPAGES * PAGE)
		return -1;
	prot_page((volatile char *)p, 1);
	return 0;
}

static const char *op_appel2(struct batch *b)
{
	static int order[NPAGES];
	long rounds = b->n / NPAGES > 0 ? b->n / NPAGES : 1;
	on_fault = appel2_fault;
	b->ticks = 0;
	for (long r = 0; r < rounds; r++) {
		for (int i = 0; i < NPAGES; i++)
			order[i] = i;
		for (int i = NPAGES - 1; i > 0; i--) { /* Fisher-Yates */
			int j = (int)(rng() % (uint64_t)(i + 1)), t = order[i];
			order[i] = order[j], order[j] = t;
		}
		uint64_t t0 = rdtsc();
		prot_region(0);
		for (int i = 0; i < NPAGES; i++)
			region[order[i] * PAGE + 24] = (char)i;
		b->ticks += span(t0, rdtsc());
	}
	on_fault = NULL;
	b->n = rounds * NPAGES;
	return NULL;
}

/* dirty: was this page written since we last asked? (read and clear the hardware's bits) */
static const char *op_dirty(struct batch *b)
{
#ifdef __exo__
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++) {
		one[32] = (char)i;
		sys_binding_bits(EXO_CAP_SELF, ONE_VA, 1);
	}
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	return NULL;
#else
	(void)b;
	return "no equivalent: Linux does not give a process its pages' dirty bits";
#endif
}

/* Round trips between two processes over a byte stream (pipes or a Unix socket). */
#ifndef __exo__
static int echo_fds[2];   /* the child reads [0] and writes [1] */
static int parent_fds[2]; /* the parent writes [0] and reads [1] */

static int echo_child(long unused)
{
	(void)unused;
	long w;
	close(parent_fds[0]); /* so that the parent's close is our end of file */
	if (parent_fds[1] != parent_fds[0])
		close(parent_fds[1]);
	while (read(echo_fds[0], &w, sizeof(w)) == (ssize_t)sizeof(w))
		if (write(echo_fds[1], &w, sizeof(w)) != (ssize_t)sizeof(w))
			break;
	return 0;
}

static int word_rt(long w)
{
	long back;
	return write(parent_fds[0], &w, sizeof(w)) == (ssize_t)sizeof(w) &&
	       read(parent_fds[1], &back, sizeof(back)) == (ssize_t)sizeof(back) && back == w;
}

/* One word there and back n times; unix_socket=1: a SOCK_STREAM socketpair, 0: two pipes. */
static const char *stream_rt(struct batch *b, int unix_socket)
{
	int a[2], c[2];
	if (unix_socket) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) != 0)
			return "socketpair failed";
		parent_fds[0] = parent_fds[1] = a[0];
		echo_fds[0] = echo_fds[1] = a[1];
	} else {
		if (pipe(a) != 0 || pipe(c) != 0)
			return "pipe failed";
		parent_fds[0] = a[1], echo_fds[0] = a[0]; /* parent -> child */
		echo_fds[1] = c[1], parent_fds[1] = c[0]; /* child -> parent */
	}
	child_t child = child_start(echo_child, 0);
	close(echo_fds[0]);
	if (echo_fds[1] != echo_fds[0])
		close(echo_fds[1]);
	const char *err = NULL;
	for (int i = 0; i < 10 && !err; i++) /* the child is up and running */
		err = word_rt(i) ? NULL : "echo failed";
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n && !err; i++)
		err = word_rt(i) ? NULL : "echo failed";
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	close(parent_fds[0]);
	if (parent_fds[1] != parent_fds[0])
		close(parent_fds[1]);
	child_wait(child);
	return err;
}
#endif

/* pipe_rt: one word to another process through a pipe and back through another. */
#ifdef __exo__
/* exo: ExOS's pipes and fork (the exo build's other children come from exo_spawn, which has no descriptors). */
static int pipe_word_rt(int to, int from, uint64_t v)
{
	uint64_t w = 0;
	return write(to, &v, sizeof(v)) == (long)sizeof(v) && read(from, &w, sizeof(w)) == (long)sizeof(w) && w == v;
}

static const char *exos_pipe_rt(struct batch *b)
{
	int a[2], c[2];
	if (pipe(a) != 0 || pipe(c) != 0)
		return "pipe failed";
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t w;
		close(a[1]);
		close(c[0]);
		while (read(a[0], &w, sizeof(w)) == (long)sizeof(w))
			write(c[1], &w, sizeof(w));
		_exit(0);
	}
	close(a[0]);
	close(c[1]);
	const char *err = NULL;
	for (int i = 0; i < 10 && !err; i++)
		err = pipe_word_rt(a[1], c[0], (uint64_t)i) ? NULL : "echo failed";
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n && !err; i++)
		err = pipe_word_rt(a[1], c[0], (uint64_t)i) ? NULL : "echo failed";
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	close(a[1]);
	close(c[0]);
	waitpid(pid, NULL, 0);
	return err;
}
#endif

static const char *op_pipe_rt(struct batch *b)
{
#ifdef __exo__
	return exos_pipe_rt(b);
#else
	return stream_rt(b, 0);
#endif
}

/*
 * lrpc_rt: a null request/response between two protection domains. exo: a
 * synchronous protected control transfer to a server environment whose
 * entry returns at once (pct_call + pct_return). Linux: the faster of pipes
 * and a Unix socket (pipe_rt's round trip, and the same over a socketpair).
 */
#ifdef __exo__
/*
 * The server's entry: pct_return at once. Every register goes back as the
 * caller passed it (syscall clobbers only rcx and r11), which is what lets
 * the caller use the sys_pct_call stub as it is.
 */
_Static_assert((EXO_KCALL_BASE | EXO_KCALL_pct_return) == 0x45584f000000001bULL, "pct_return's number");
__asm__(".text\n"
	"bench_pct_null:\n\t"
	"movabs $0x45584f000000001b, %rax\n\t"
	"syscall\n\t"
	"ud2\n");
extern char bench_pct_null[];
static char pct_stack[8192] __attribute__((aligned(16)));

static int pct_server(long unused)
{
	(void)unused;
	if (sys_pct_set_entry(0, (unsigned long)bench_pct_null, (unsigned long)(pct_stack + sizeof(pct_stack))) < 0)
		return 1;
	shm->server_id = EXO_ENV_INFO->id;
	shm->ready = 1;
	while (!shm->stop)
		yield_cpu();
	return 0;
}
#else
static int64_t lrpc_pipe, lrpc_unix; /* the last batches, per operation, for a BENCHINFO line */
#endif

static const char *op_lrpc_rt(struct batch *b)
{
#ifdef __exo__
	shm->ready = shm->stop = 0;
	child_t c = child_start(pct_server, 0);
	if (c < 0)
		return "cannot start a second environment";
	while (!shm->ready)
		yield_cpu();
	unsigned long id = shm->server_id;
	const char *err = NULL;
	for (int i = 0; i < 10 && !err; i++)
		err = sys_pct_call(id, 0) == 0 ? NULL : "pct_call failed";
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++)
		sys_pct_call(id, 0);
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	shm->stop = 1;
	child_wait(c);
	return err;
#else
	struct batch p = *b, u = *b;
	const char *err = stream_rt(&p, 0);
	if (!err)
		err = stream_rt(&u, 1);
	if (err)
		return err;
	lrpc_pipe = p.ticks / p.n, lrpc_unix = u.ticks / u.n;
	b->ticks = p.ticks < u.ticks ? p.ticks : u.ticks;
	return NULL;
#endif
}

/*
 * shm_rt: a counter in shared memory, ping-pong: each side adds one when it
 * is its turn (parent: even, child: odd) and yields while it is not.
 */
static int shm_child(long unused)
{
	(void)unused;
	shm->ready = 1;
	for (;;) {
		while (!(shm->counter & 1)) {
			if (shm->stop)
				return 0;
			yield_cpu();
		}
		shm->counter++;
	}
}

static const char *op_shm_rt(struct batch *b)
{
	shm->ready = shm->stop = 0;
	shm->counter = 0;
	child_t c = child_start(shm_child, 0);
	if (c < 0)
		return "cannot start a second process";
	while (!shm->ready)
		yield_cpu();
	for (long i = 0; i < 50; i++) { /* until the two alternate, untimed */
		shm->counter++;
		while (shm->counter & 1)
			yield_cpu();
	}
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++) {
		shm->counter++;
		while (shm->counter & 1)
			yield_cpu();
	}
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	shm->stop = 1;
	child_wait(c);
	return NULL;
}

static void sort_u64(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1], v[j - 1] = t;
		}
}

/*
 * slice: two processes that never give the processor up; at the end of a time
 * slice the system takes it from one and gives it to the other. Cost of one
 * such switch: from the last timestamp the one takes before it loses the
 * processor to the first the other takes when it gets it: the timer
 * interrupt, the scheduler and the switch, plus a few instructions of the
 * two loops. A side knows it was switched out when the other's latest
 * timestamp has moved; ticks inside its own slice do not count, nor does a
 * switch that came between its timestamp and its look at the other's (the
 * other's is then later than its own: under icount the phase of the timer in
 * the loop repeats, and such switches could be most of them). The figure is
 * the median of the switches of a batch (both directions).
 */
static void slice_spin(int me, long want)
{
	struct slice_log *mine = &shm->slice[me];
	const struct slice_log *other = &shm->slice[!me];
	uint64_t seen = other->last;
	while (!shm->stop && mine->n + other->n < want) {
		uint64_t t = rdtsc();
		mine->last = t;
		uint64_t o = other->last;
		if (o != seen) {
			seen = o;
			/* else we lost the processor between our timestamp and this look: not measurable */
			if (o < t) {
				mine->cost[mine->n] = span(o, t);
				mine->n++;
			}
		}
	}
}

static int slice_child(long want)
{
	shm->ready = 1;
	slice_spin(1, want);
	while (!shm->stop)
		;
	return 0;
}

static const char *op_slice(struct batch *b)
{
	long want = b->n < SLICE_MAX ? b->n : SLICE_MAX;
	memset(shm->slice, 0, sizeof(shm->slice));
	shm->ready = shm->stop = 0;
	child_t c = child_start(slice_child, want);
	if (c < 0)
		return "cannot start a second process";
	while (!shm->ready) /* no yield: the child gets the processor when our slice ends */
		;
	slice_spin(0, want);
	shm->stop = 1;
	child_wait(c);
	uint64_t v[2 * SLICE_MAX];
	int n = 0;
	for (int s = 0; s < 2; s++)
		for (long i = 0; i < shm->slice[s].n && i < SLICE_MAX; i++)
			v[n++] = (uint64_t)shm->slice[s].cost[i];
	if (n == 0)
		return "no switch seen";
	sort_u64(v, n);
	b->n = n;
	b->ticks = (int64_t)v[n / 2] * n;
	return NULL;
}

/* yield: two processes that only yield; one yield hands the processor to the other. Cost per yield. */
static int yield_child(long unused)
{
	(void)unused;
	shm->ready = 1;
	while (!shm->stop) {
		shm->counter++;
		yield_cpu();
	}
	return 0;
}

static const char *op_yield(struct batch *b)
{
	long rounds = b->n / 2 > 0 ? b->n / 2 : 1; /* each of our yields comes back after the child's */
	shm->ready = shm->stop = 0;
	shm->counter = 0;
	child_t c = child_start(yield_child, 0);
	if (c < 0)
		return "cannot start a second process";
	while (shm->counter < 50) /* until the two alternate (Linux's CFS lets a new child wait a while) */
		yield_cpu();
	long c0 = shm->counter;
	uint64_t t0 = rdtsc();
	for (long i = 0; i < rounds; i++)
		yield_cpu();
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(rounds);
	long theirs = shm->counter - c0;
	b->n = rounds + theirs; /* yields made by both sides in the window */
	if (theirs < rounds * 9 / 10)
		printf("BENCHINFO yield: the other side yielded %ld times during our %ld\n", theirs, rounds);
	shm->stop = 1;
	child_wait(c);
	return NULL;
}

/* fork_wait: fork a process that exits at once, and wait for it. */
static const char *op_fork_wait(struct batch *b)
{
	fflush(stdout);
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	return NULL;
}

/* spawn: fork, exec this program (which exits at once), wait. exo: the program from the boot archive. */
#ifdef __exo__
static const char *self_path = "/bin/bench";
#else
static const char *self_path = "/init";
#endif

static const char *op_spawn(struct batch *b)
{
	char *const args[] = {(char *)self_path, "exit", NULL};
	char *const env[] = {NULL};
	fflush(stdout);
	uint64_t t0 = rdtsc();
	for (long i = 0; i < b->n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execve(self_path, args, env);
			_exit(127);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return "exec of the benchmark failed";
	}
	b->ticks = (int64_t)(rdtsc() - t0) - empty_loop(b->n);
	return NULL;
}

/*
 * boot: TSC ticks to the first user instruction. exo: from the kernel's
 * first instruction (exo_info->boot_tsc) to the program's entry's first
 * (exos/crt_exos.S records it in exo_first_tsc). Linux: the TSC
 * at the start of /init's main, which counts from machine reset (firmware
 * included: BENCHINFO firmware on exo shows how little that is).
 */
static const char *op_boot(struct batch *b)
{
#ifdef __exo__
	b->ticks = (int64_t)(exo_first_tsc - exo_info->boot_tsc);
#else
	b->ticks = (int64_t)boot_ticks;
#endif
	b->n = 1;
	return NULL;
}

/* ---- the table of operations and the runner ---- */

struct op {
	const char *name;
	long n;   /* operations per batch */
	int once; /* measured once, no warm-up or batches (boot) */
	const char *(*run)(struct batch *b);
};

static const struct op ops[] = {
	{"proc", 100000, 0, op_proc},
	{"syscall", 20000, 0, op_syscall},
	{"getppid", 20000, 0, op_getppid},
	{"exc", 2000, 0, op_exc},
	{"prot1", 1000, 0, op_prot1},
	{"prot100", 500, 0, op_prot100},
	{"unprot100", 500, 0, op_unprot100},
	{"trap", 1000, 0, op_trap},
	{"appel1", 1000, 0, op_appel1},
	{"appel2", 1000, 0, op_appel2},
	{"dirty", 5000, 0, op_dirty},
	{"pipe_rt", 1000, 0, op_pipe_rt},
	{"shm_rt", 1000, 0, op_shm_rt},
	{"lrpc_rt", 1000, 0, op_lrpc_rt},
	{"yield", 4000, 0, op_yield},
	{"slice", 16, 0, op_slice},
	{"fork_wait", 100, 0, op_fork_wait},
	{"spawn", 50, 0, op_spawn},
	{"boot", 1, 1, op_boot},
};

/* Print tenths as "I.D". */
static void print_tenths(const char *name, uint64_t tenths, const char *unit)
{
	printf("BENCH %s %lu.%lu %s\n", name, (unsigned long)(tenths / 10), (unsigned long)(tenths % 10), unit);
}

static void run_op(const struct op *op)
{
	uint64_t per_op[BATCHES]; /* tenths of a tick per operation */
	int batches = op->once ? 1 : mode == MODE_QUICK ? 1 : BATCHES;
	long n = mode == MODE_QUICK ? (op->n / 100 > 0 ? op->n / 100 : 1) : op->n;

	for (int k = op->once ? 0 : -1; k < batches; k++) { /* k = -1: warm-up */
		struct batch b = {n, 0};
		const char *why = op->run(&b);
		if (why) {
			printf("BENCH %s n/a %s\n", op->name, why);
			return;
		}
		if (k >= 0)
			per_op[k] = b.ticks > 0 ? (uint64_t)b.ticks * 10 / (uint64_t)b.n : 0;
	}
	sort_u64(per_op, batches);
	uint64_t t = per_op[batches / 2];
	if (mode == MODE_ICOUNT)
		print_tenths(op->name, t, "instructions");
	else if (mode == MODE_WALL)
		print_tenths(op->name, t * 1000000 / tsc_khz, "ns");
	else
		print_tenths(op->name, t, "ticks");
}

/* ---- start and end ---- */

static void calibrate(void);

/* Measure everything; the last line says "BENCH done". */
static int run_all(void)
{
#ifdef __exo__
	printf("BENCHINFO system exo\n");
	printf("BENCHINFO firmware %lu TSC ticks before the kernel's first instruction\n",
	       (unsigned long)exo_info->boot_tsc);
#else
	printf("BENCHINFO system linux\n");
#endif
	calibrate();
	rdtsc_cost = measure_rdtsc_cost();
	printf("BENCHINFO mode %s\n", mode == MODE_ICOUNT ? "icount" : mode == MODE_WALL ? "wall" : "quick");
	printf("BENCHINFO tsc_khz %lu\n", (unsigned long)tsc_khz);
	printf("BENCHINFO rdtsc_cost %ld\n", (long)rdtsc_cost);
	if (sys_setup() != 0 || set_fault_handler() != 0) {
		printf("BENCH setup failed\n");
		return 1;
	}
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		run_op(&ops[i]);
#ifndef __exo__
	if (lrpc_pipe > 0)
		printf("BENCHINFO lrpc_rt pipes %ld ticks, unix socket %ld ticks (last batch)\n", (long)lrpc_pipe,
		       (long)lrpc_unix);
#endif
	printf("BENCH done\n");
	return 0;
}

#ifdef __exo__
static void calibrate(void) { tsc_khz = exo_info->tsc_hz / 1000; }

int main(int argc, char **argv)
{
	/*
	 * The exo console is not a terminal, so musl buffers stdout fully:
	 * line buffering keeps the output flowing, as on Linux.
	 */
	if (argc > 1 && !strcmp(argv[1], "exit"))
		return 0; /* what `spawn` executes */
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *m = argc > 1 ? argv[1] : "quick";
	mode = !strcmp(m, "icount") ? MODE_ICOUNT : !strcmp(m, "wall") ? MODE_WALL : MODE_QUICK;
	return run_all();
}
#else
/* TSC ticks per millisecond, against CLOCK_MONOTONIC over about 100 ms. */
static void calibrate(void)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	uint64_t t0 = rdtsc();
	int64_t ns;
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
	} while (ns < 100000000);
	tsc_khz = (rdtsc() - t0) * 1000000 / (uint64_t)ns;
}

/*
 * As /init (pid 1) the program measures in a child, an ordinary process
 * (the kernel treats init's signals specially: it logs each fault as
 * unhandled), then leaves QEMU through isa-debug-exit: QEMU's status is 1,
 * as for exo's clean power-off, and tools/run-qemu.sh turns that into 0.
 */
int main(int argc, char **argv)
{
	boot_ticks = rdtsc(); /* first thing: the end of `boot` */
	if (argc > 1 && !strcmp(argv[1], "exit"))
		_exit(0); /* what `spawn` executes */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 0 && argv[0][0] == '/')
		self_path = argv[0];
	const char *m = argc > 1 ? argv[1] : "quick";
	mode = !strcmp(m, "icount") ? MODE_ICOUNT : !strcmp(m, "wall") ? MODE_WALL : MODE_QUICK;
	if (getpid() != 1)
		return run_all();
	pid_t pid = fork();
	if (pid == 0)
		_exit(run_all());
	int status = 1;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		printf("BENCH failed (status 0x%x)\n", status);
	fflush(stdout);
	sync();
	if (ioperm(0xf4, 4, 1) == 0)
		outb(0, 0xf4);
	reboot(RB_POWER_OFF); /* no isa-debug-exit: QEMU's status says the run failed */
	for (;;)
		pause();
}
#endif
