/*
 * Threads: user-level threads of one environment, scheduled by ExOS inside
 * the process (the exokernel way: the kernel knows only the environment and
 * its time slices). musl's pthreads run on them: clone, futex,
 * set_tid_address, gettid, exit, sched_yield, tkill/tgkill, membarrier.
 *
 * A thread off the CPU has one of two saved contexts (thread_switch.S):
 *   SHORT  it gave the CPU up by a function call inside ExOS (futex wait,
 *          sched_yield, exit, a polling wait): callee-saved registers on its
 *          own stack, resumed by returning from exos_thread_switch;
 *   FULL   it was preempted, or blocked in a reflected `syscall`: an upcall
 *          frame (rip and every register) and a vector-state image.
 * Switches made by a function call save SHORT; switches made inside an upcall
 * handler (the prologue, a reflected call) save FULL by rewriting the frame
 * the handler returns through, so no thread ever keeps frames on the one
 * upcall stack the environment has.
 *
 * The prologue. Every ExOS process asks the kernel at its start for a
 * prologue upcall whenever a turn of its begins in a shared slot
 * (sched_prologue, exos_prologue_init), so every slot (10 ms) it runs in, and
 * every return to it after another environment ran, starts in on_prologue,
 * which delivers signals asynchronously (signal.c) and preempts threads.
 * THE RULE: ExOS's own state is not reentrant, so the prologue acts on the
 * interrupted context only when it is not inside ExOS: exos_vm_busy == 0 (no
 * ExOS call or signal delivery in progress), no switch in progress
 * (exos_thread_switching, and rip not in the few instructions of
 * thread_switch.S after it is cleared), not in a reflected call, not a thread
 * that unmapped its own stack. Otherwise signals wait for the next ExOS call
 * (which delivers them as it returns), and the preemption is only noted
 * (exos_thread_preempt_wanted) and made as the outermost ExOS call returns
 * (exos_thread_preempt_point) or as the reflected call ends
 * (exos_thread_reflect_leave). Upcall handlers (page faults) are never
 * interrupted: the kernel postpones asynchronous upcalls while one runs.
 *
 * Protection of the state below: it is read and written only by the thread
 * that runs, while it cannot be preempted by the rule above (inside ExOS or
 * inside an upcall handler); one CPU, so there is nothing else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "exos.h"
#include "proc.h"
#include "signal.h"
#include "thread.h"
#include "vm.h"

#define MAX_THREADS 64
#define FPU_STRIDE EXO_UPCALL_FPU_AREA /* per thread: a vector-state image, 64-byte aligned */

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_REALTIME 256

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define OPTIONAL_FLAGS (CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED)

enum { T_FREE = 0, T_READY, T_RUNNING, T_BLOCKED };
enum { K_SHORT = 0, K_FULL };

struct thread {
	struct exo_upcall frame;  /* FULL: where and with which registers it resumes */
	uint64_t sp;              /* SHORT: its saved stack pointer */
	unsigned long fs;         /* its thread pointer (FS base) while off the CPU */
	uint64_t sigmask;         /* its signal mask while off the CPU (pending signals are the process's) */
	volatile int *wait_addr;  /* BLOCKED: the futex word it waits on */
	uint64_t wait_until;      /* BLOCKED: exos_now_ns() deadline, 0 for none */
	long result;              /* what its wait returns: 0, -ETIMEDOUT, -EINTR */
	int *ctid;                /* cleared and woken when it ends (set_tid_address, CLONE_CHILD_CLEARTID) */
	int tid;                  /* 0: threads[] not set up yet (only threads[0] can be) */
	int wait_val;             /* BLOCKED: the value it waits to change */
	int busy;                 /* exos_vm_busy while off the CPU (>= 1 for SHORT) */
	unsigned char state, kind;
	unsigned char result_due; /* FULL and blocked: its rax becomes result when it resumes */
};

static struct thread threads[MAX_THREADS];
static uint8_t *fpu_images;      /* MAX_THREADS * FPU_STRIDE bytes, mapped at the first clone */
static unsigned fpu_size;        /* bytes of a vector-state image (XSAVE's size, or 512) */
static int cur;                  /* the running thread */
static int hi = 1;               /* threads[hi..] have never been used */
static int nlive = 1;            /* threads not T_FREE */
static int prologue_on;          /* this environment asked for shared-slot prologues */
static int in_reflect;           /* serving a reflected `syscall`: switches rewrite its frame */
static int switch_due;           /* the reflected call blocked, yielded or ended the thread */
static int stackless;            /* the running thread unmapped its own stack (musl's __unmapself): exit comes next;
				 * until then every upcall resumes through the kernel (note_stack_gone) */
static unsigned long n_preempt, n_switch;

volatile int exos_thread_switching;  /* a C-level switch is in progress (cleared by thread_switch.S) */
volatile int exos_thread_preempt_wanted;

void exos_thread_switch(uint64_t *save_sp, uint64_t new_sp);
void exos_thread_switch_full(uint64_t *save_sp, struct exo_upcall *frame, void *fpu);
extern char exos_thread_short_resume[], exos_thread_resume_start[], exos_thread_resume_end[];

static void *fpu_of(int i) { return fpu_images + (size_t)i * FPU_STRIDE; }

/* threads[0] is the thread the program started with (or that called fork); its tid is the pid. */
static void ensure_init(void)
{
	if (threads[0].tid)
		return;
	threads[0].tid = (int)exos_getpid();
	threads[0].state = T_RUNNING;
}

static unsigned vector_state_size(void)
{
	if (!(exo_info->cpu_features & EXO_CPU_XSAVE))
		return 512; /* FXSAVE */
	unsigned a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
	return b && b <= FPU_STRIDE ? b : FPU_STRIDE; /* the size for the components enabled now */
}

static void on_prologue(struct exo_upcall *u);

long exos_prologue_init(void)
{
	if (prologue_on)
		return 0;
	if (exo_set_slice_handlers(on_prologue, NULL) < 0 || sys_sched_prologue(1) < 0)
		return -EAGAIN;
	prologue_on = 1;
	return 0;
}

/* The first clone: images for the vector state, and the prologue upcall that preempts (if not on yet). 0 or -errno. */
static long start_threading(void)
{
	if (!fpu_images) {
		long a = exos_mmap(0, (unsigned long)MAX_THREADS * FPU_STRIDE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a < 0)
			return a;
		fpu_images = (uint8_t *)a;
		fpu_size = vector_state_size();
	}
	return exos_prologue_init();
}

/* ---- choosing and entering the next thread ---- */

static void wake(struct thread *t, long result)
{
	t->state = T_READY;
	t->result = result;
	t->wait_addr = NULL;
	t->wait_until = 0;
}

/* The next READY thread after cur, round robin, cur itself last; waits past their deadline time out. -1: none. */
static int next_ready(void)
{
	uint64_t now = 0;
	for (int k = 1; k <= hi; k++) {
		int i = (cur + k) % hi;
		struct thread *t = &threads[i];
		if (t->state == T_BLOCKED && t->wait_until) {
			if (!now)
				now = exos_now_ns();
			if (now >= t->wait_until)
				wake(t, -ETIMEDOUT);
		}
		if (t->state == T_READY)
			return i;
	}
	return -1;
}

/*
 * No thread can run: wake a waiter whose futex word changed under it (another
 * process wrote shared memory; a spurious wake-up is allowed) or, when a signal
 * waits, one waiter with -EINTR so that its call returns and delivers it.
 */
static void poll_blocked(void)
{
	int sig = exos_signal_maybe();
	for (int i = 0; i < hi; i++) {
		struct thread *t = &threads[i];
		if (t->state != T_BLOCKED)
			continue;
		if (sig) {
			wake(t, -EINTR);
			return;
		}
		if (exos_user_ok((const void *)t->wait_addr, sizeof(int), 0) && *t->wait_addr != t->wait_val)
			wake(t, 0);
	}
}

/* The next thread to run once the running one stopped (blocked or ended): idles the CPU until there is one. */
static int wait_for_ready(void)
{
	for (;;) {
		int n = next_ready();
		if (n >= 0)
			return n;
		sys_yield();
		poll_blocked();
	}
}

/* Make thread n the running one: its ExOS nesting, thread pointer and signal mask. */
static void enter(int n)
{
	struct thread *t = &threads[n];
	threads[cur].sigmask = exos_signal_mask();
	exos_signal_set_mask(t->sigmask);
	cur = n;
	t->state = T_RUNNING;
	exos_vm_busy = t->busy;
	exos_tls_set(t->fs);
	n_switch++;
}

/*
 * A function-call switch: the running thread (inside ExOS, by a function
 * call, not in a handler) set its own state; run the next thread. Returns 1
 * when the caller ran again after others, 0 when it went on at once (it was
 * READY and no other thread was). Never returns to a thread that ended.
 */
static int reschedule(void)
{
	struct thread *me = &threads[cur];
	exos_thread_switching = 1;
	int n = me->state == T_READY ? next_ready() : wait_for_ready();
	if (n == cur) {
		me->state = T_RUNNING;
		exos_thread_switching = 0;
		return 0;
	}
	struct thread *t = &threads[n];
	me->busy = exos_vm_busy;
	me->kind = K_SHORT;
	me->fs = exos_tls_get();
	enter(n);
	if (t->kind == K_SHORT) {
		exos_thread_switch(&me->sp, t->sp);
	} else {
		if (t->result_due)
			t->frame.regs.rax = (uint64_t)t->result;
		t->result_due = 0;
		exos_thread_switch_full(&me->sp, &t->frame, fpu_of(n));
	}
	exos_thread_switching = 0; /* running again: whoever switched here set cur, busy and FS */
	return 1;
}

/* Put thread n's context into the frame u the current handler returns through. */
static void load_frame(struct exo_upcall *u, int n)
{
	struct thread *t = &threads[n];
	if (t->kind == K_SHORT) {
		u->rip = (uint64_t)exos_thread_short_resume;
		u->regs.rsp = t->sp;
		u->regs.rflags = 0x202;
		return;
	}
	u->rip = t->frame.rip;
	u->regs = t->frame.regs;
	if (t->result_due)
		u->regs.rax = (uint64_t)t->result;
	t->result_due = 0;
	memcpy(exo_upcall_fpu_state(), fpu_of(n), fpu_size);
}

/*
 * A handler switch: inside an upcall handler serving frame u for the running
 * thread, which set its own state (READY, BLOCKED, or FREE: it ended), make u
 * resume the next thread; the running one's context is saved FULL from u.
 */
static void frame_switch(struct exo_upcall *u)
{
	struct thread *me = &threads[cur];
	int n = me->state == T_READY ? next_ready() : wait_for_ready();
	if (n == cur) {
		me->state = T_RUNNING;
		if (me->result_due)
			u->regs.rax = (uint64_t)me->result;
		me->result_due = 0;
		return;
	}
	if (me->state != T_FREE) {
		me->frame.rip = u->rip;
		me->frame.regs = u->regs;
		memcpy(fpu_of(cur), exo_upcall_fpu_state(), fpu_size);
		me->kind = K_FULL;
		me->busy = exos_vm_busy;
		me->fs = exos_tls_get();
	}
	enter(n);
	load_frame(u, n);
}

/* ---- preemption ---- */

static int in_resume_code(uint64_t rip)
{
	return rip >= (uint64_t)exos_thread_resume_start && rip < (uint64_t)exos_thread_resume_end;
}

/* THE RULE: may the prologue act on the context u it interrupted? */
static int may_act(const struct exo_upcall *u)
{
	return !exos_vm_busy && !exos_thread_switching && !in_reflect && !stackless && !in_resume_code(u->rip);
}

/*
 * The prologue upcall: a turn begins. If THE RULE allows, deliver a signal
 * (the running thread takes it, under its own mask) and preempt the running
 * thread (a handler frame just pushed goes with it); else note the
 * preemption, and leave signals to the next ExOS call.
 */
static void on_prologue(struct exo_upcall *u)
{
	if (!may_act(u)) {
		if (nlive > 1)
			exos_thread_preempt_wanted = 1;
		return;
	}
	exos_signal_async(u);
	if (nlive < 2)
		return;
	exos_thread_preempt_wanted = 0;
	n_preempt++;
	threads[cur].state = T_READY;
	frame_switch(u);
}

void exos_thread_preempt_point(void)
{
	if (in_reflect)
		return; /* exos_thread_reflect_leave makes it */
	exos_thread_preempt_wanted = 0;
	if (nlive < 2)
		return;
	n_preempt++;
	threads[cur].state = T_READY;
	reschedule();
}

void exos_thread_reflect_enter(void) { in_reflect++; }

/*
 * musl's __unmapself: a detached thread unmaps its own stack with a raw
 * `syscall` (munmap, served here: u is its frame), then exits with another.
 * Between the two, libexo's user-mode restore, which writes below the
 * interrupted rsp, would fault on the vanished stack; and an upcall may land
 * there: this munmap's own return, a prologue (preemptions are frequent: a
 * file server runs beside every process), a revocation request. So from here
 * until the thread exits, every upcall resumes through the kernel, and the
 * thread is not preempted: its context could not be resumed later.
 */
static void note_stack_gone(const struct exo_upcall *u)
{
	if (u->regs.rax != SYS_munmap || exos_user_ok((void *)(u->regs.rsp - 160), 160, 1))
		return;
	stackless = 1;
	exo_upcall_resume_via_kernel(1);
}

long exos_thread_reflect_leave(long n, long v)
{
	in_reflect--;
	if (n == SYS_munmap)
		note_stack_gone(exo_upcall_current());
	if (!switch_due && !(exos_thread_preempt_wanted && nlive > 1 && !stackless))
		return v; /* a preemption wanted while stackless is made as the thread exits */
	struct exo_upcall *u = exo_upcall_current();
	u->regs.rax = (uint64_t)v;
	if (!switch_due) {
		n_preempt++;
		threads[cur].state = T_READY;
	}
	switch_due = 0;
	exos_thread_preempt_wanted = 0;
	frame_switch(u);
	return (long)u->regs.rax;
}

/* The running thread stopped (its state says how): switch now, or as the reflected call ends. */
static void stop_running(void)
{
	if (in_reflect)
		switch_due = 1;
	else
		reschedule();
}

/* ---- clone ---- */

static int free_slot(void)
{
	for (int i = 1; i < MAX_THREADS; i++)
		if (threads[i].state == T_FREE)
			return i;
	return -1;
}

static long clone_check(unsigned long flags, unsigned long stack, int *ptid, int *ctid, unsigned long tls)
{
	if (!stack || !exos_user_ok((void *)(stack - 8), 8, 1))
		return -EFAULT;
	if ((flags & CLONE_SETTLS) && tls >= USER_TOP)
		return -EPERM;
	if ((flags & CLONE_PARENT_SETTID) && !exos_user_ok(ptid, sizeof(int), 1))
		return -EFAULT;
	if ((flags & CLONE_CHILD_SETTID) && !exos_user_ok(ctid, sizeof(int), 1))
		return -EFAULT;
	return 0;
}

static int tid_in_use(int tid)
{
	for (int i = 0; i < hi; i++)
		if (threads[i].state != T_FREE && threads[i].tid == tid)
			return 1;
	return 0;
}

/* pid + k * 2^24, k = 1..127 round robin, skipping live ones: distinct from every pid (ids stay below 2^24). */
static int new_tid(void)
{
	static int k;
	int tid;
	do {
		k = k % 127 + 1;
		tid = (int)exos_getpid() + (k << 24);
	} while (tid_in_use(tid));
	return tid;
}

/*
 * A new thread: it starts where the reflected `syscall` in u returns, with
 * rax = 0, rsp = stack and a copy of the caller's registers and vector state.
 */
static long new_thread(struct exo_upcall *u, unsigned long flags, unsigned long stack, int *ctid, unsigned long tls)
{
	int i = free_slot();
	if (i < 0)
		return -EAGAIN;
	struct thread *t = &threads[i];
	memset(t, 0, sizeof(*t));
	t->frame.rip = u->rip;
	t->frame.regs = u->regs;
	t->frame.regs.rax = 0;
	t->frame.regs.rsp = stack;
	memcpy(fpu_of(i), exo_upcall_fpu_state(), fpu_size);
	t->fs = (flags & CLONE_SETTLS) ? tls : exos_tls_get();
	t->sigmask = exos_signal_mask(); /* inherited, as on Linux */
	t->ctid = (flags & CLONE_CHILD_CLEARTID) ? ctid : NULL;
	t->tid = new_tid();
	t->kind = K_FULL;
	t->state = T_READY;
	if (i >= hi)
		hi = i + 1;
	nlive++;
	return t->tid;
}

long exos_clone(unsigned long flags, unsigned long stack, int *ptid, int *ctid, unsigned long tls)
{
	if ((flags & THREAD_FLAGS) != THREAD_FLAGS || (flags & ~(unsigned long)(THREAD_FLAGS | OPTIONAL_FLAGS)))
		return flags == SIGCHLD ? exos_fork() : -EINVAL; /* threads, or a plain fork; nothing in between */
	/* The child returns from the same `syscall` on its own stack: only a reflected one has a frame to copy. */
	struct exo_upcall *u = in_reflect ? exo_upcall_current() : NULL;
	if (!u || u->type != EXO_UPCALL_SYSCALL)
		return -ENOSYS;
	long r = clone_check(flags, stack, ptid, ctid, tls);
	if (r == 0) {
		ensure_init();
		r = start_threading();
	}
	if (r == 0)
		r = new_thread(u, flags, stack, ctid, tls);
	if (r < 0)
		return r;
	if (flags & CLONE_PARENT_SETTID)
		*ptid = (int)r;
	if (flags & CLONE_CHILD_SETTID)
		*ctid = (int)r;
	return r;
}

/* ---- futex ---- */

static int futex_addr_ok(volatile int *addr)
{
	return !((uintptr_t)addr & 3) && exos_user_ok((const void *)addr, sizeof(int), 0);
}

static long futex_wake(volatile int *addr, long n)
{
	long woken = 0;
	for (int i = 0; i < hi && woken < n; i++) {
		struct thread *t = &threads[i];
		if (t->state == T_BLOCKED && t->wait_addr == addr) {
			wake(t, 0);
			woken++;
		}
	}
	return woken;
}

/* A relative timeout as a deadline on exos_now_ns(); 0 for none, -errno when bad. */
static long deadline_of(const struct timespec *rel, uint64_t *until)
{
	*until = 0;
	if (!rel)
		return 0;
	if (!exos_user_ok(rel, sizeof(*rel), 0))
		return -EFAULT;
	if (rel->tv_sec < 0 || rel->tv_nsec < 0 || rel->tv_nsec >= 1000000000L)
		return -EINVAL;
	uint64_t s = rel->tv_sec > 1000000000L ? 1000000000ULL : (uint64_t)rel->tv_sec;
	*until = exos_now_ns() + s * 1000000000ULL + (uint64_t)rel->tv_nsec;
	return 0;
}

static long futex_wait(volatile int *addr, int val, const struct timespec *rel)
{
	uint64_t until;
	long r = deadline_of(rel, &until);
	if (r < 0)
		return r;
	if (*addr != val)
		return -EAGAIN;
	if (exos_signal_maybe())
		return -EINTR; /* delivered as this call returns */
	ensure_init();
	struct thread *me = &threads[cur];
	me->state = T_BLOCKED;
	me->wait_addr = addr;
	me->wait_val = val;
	me->wait_until = until;
	me->result = 0;
	if (in_reflect) {
		me->result_due = 1; /* the frame's rax gets the result when it resumes */
		switch_due = 1;
		return 0;
	}
	reschedule();
	return me->result;
}

static long futex_requeue(volatile int *addr, long nwake, long nmove, volatile int *addr2, int cmp, int val3)
{
	if (!futex_addr_ok(addr2) || nwake < 0 || nmove < 0)
		return futex_addr_ok(addr2) ? -EINVAL : -EFAULT;
	if (cmp && *addr != val3)
		return -EAGAIN;
	long done = futex_wake(addr, nwake);
	for (int i = 0; i < hi && nmove > 0; i++) {
		struct thread *t = &threads[i];
		if (t->state == T_BLOCKED && t->wait_addr == addr) {
			t->wait_addr = addr2;
			nmove--;
			done++;
		}
	}
	return done;
}

/*
 * Private and shared futexes are the same here: waiters are this process's
 * threads, by address. A waiter on memory shared with another process is
 * woken when the word changes while no thread of its own can run (polled).
 */
long exos_futex(int *uaddr, long op, long val, unsigned long val2, int *uaddr2, long val3)
{
	volatile int *addr = uaddr;
	if (!futex_addr_ok(addr))
		return ((uintptr_t)addr & 3) ? -EINVAL : -EFAULT;
	switch (op & ~(long)(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME)) {
	case FUTEX_WAIT:
		if (op & FUTEX_CLOCK_REALTIME)
			return -ENOSYS; /* only with FUTEX_WAIT_BITSET on Linux */
		return futex_wait(addr, (int)val, (const struct timespec *)val2);
	case FUTEX_WAKE:
		return futex_wake(addr, val < 0 ? 0 : val);
	case FUTEX_REQUEUE:
		return futex_requeue(addr, val, (long)(int)val2, uaddr2, 0, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(addr, val, (long)(int)val2, uaddr2, 1, (int)val3);
	default:
		return -ENOSYS; /* priority inheritance, bitsets, WAKE_OP: musl's pthreads do not need them */
	}
}

/* ---- identity, exit, yield, signals ---- */

long exos_gettid(void)
{
	ensure_init();
	return threads[cur].tid;
}

long exos_set_tid_address(int *ctid)
{
	ensure_init();
	threads[cur].ctid = ctid;
	return threads[cur].tid;
}

/* Linux's clear_child_tid: a word the thread's joiner waits on (ignored if it is gone, e.g. unmapped). */
static void clear_child_tid(const struct thread *t)
{
	int *p = t->ctid;
	if (!p || ((uintptr_t)p & 3) || !exos_user_ok(p, sizeof(int), 1))
		return;
	*(volatile int *)p = 0;
	futex_wake(p, 1);
}

long exos_thread_exit(int code)
{
	ensure_init();
	if (nlive == 1)
		exos_exit(code); /* the last thread: the process ends */
	struct thread *me = &threads[cur];
	clear_child_tid(me);
	stackless = 0;
	exo_upcall_resume_via_kernel(0); /* the thread that had no stack is switched away as this call ends */
	me->state = T_FREE;
	nlive--;
	stop_running();
	return 0; /* only inside a reflected call: its frame is switched away as it ends */
}

long exos_sched_yield(void)
{
	if (nlive < 2) {
		sys_yield();
		return 0;
	}
	threads[cur].state = T_READY;
	if (in_reflect) {
		switch_due = 1;
		return 0;
	}
	if (!reschedule())
		sys_yield(); /* no other thread wants it: let other environments run */
	return 0;
}

void exos_thread_pause(uint64_t until_ns)
{
	if (in_reflect || nlive < 2) {
		/*
		 * Alone: more than two ticks to go, step off the CPU for one (the
		 * kernel halts when no one else wants it; signals are looked at
		 * each tick); else yield and look again.
		 */
		uint64_t tick_ns = 1000000000ULL / (exo_info->tick_hz ? exo_info->tick_hz : 500);
		uint64_t now = exos_now_ns();
		if (until_ns > now && until_ns - now > 2 * tick_ns)
			sys_idle(1);
		else
			sys_yield();
		return;
	}
	threads[cur].state = T_READY;
	if (!reschedule())
		sys_yield();
}

/* Signals go to the process: a thread of ours named by tid stands for it. */
long exos_thread_tkill(long tid, long sig)
{
	ensure_init();
	for (int i = 0; tid > 0 && i < hi; i++)
		if (threads[i].state != T_FREE && threads[i].tid == tid)
			return exos_tkill(exos_getpid(), sig);
	return exos_tkill(tid, sig);
}

long exos_tgkill(long tgid, long tid, long sig)
{
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if (tgid != exos_getpid())
		return -ESRCH;
	return exos_thread_tkill(tid, sig);
}

/* One CPU, and a thread switch is a full barrier: every membarrier is already done. */
long exos_membarrier(long cmd, long flags)
{
	enum { QUERY = 0, GLOBAL = 1, PRIVATE_EXPEDITED = 8, REGISTER_PRIVATE_EXPEDITED = 16 };
	if (flags)
		return -EINVAL;
	switch (cmd) {
	case QUERY:
		return GLOBAL | PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED;
	case GLOBAL:
	case PRIVATE_EXPEDITED:
	case REGISTER_PRIVATE_EXPEDITED:
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- fork ---- */

void exos_thread_after_fork(void)
{
	prologue_on = 0; /* a new environment: the kernel was not asked for its prologues */
	exos_prologue_init();
	if (!threads[0].tid)
		return; /* never asked about threads: nothing to forget */
	struct thread keep = threads[cur];
	memset(threads, 0, sizeof(threads));
	threads[0] = keep;
	threads[0].tid = (int)exos_getpid();
	threads[0].state = T_RUNNING;
	cur = 0;
	hi = 1;
	nlive = 1;
	switch_due = 0;
	exos_thread_preempt_wanted = 0;
}

void exos_thread_stats(long *live, unsigned long *preemptions, unsigned long *switches)
{
	*live = nlive;
	*preemptions = n_preempt;
	*switches = n_switch;
}
