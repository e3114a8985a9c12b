/*
 * Threads (thread.c): user-level threads of one environment, scheduled by
 * ExOS inside the process; the kernel knows only the environment. The calls
 * take Linux's arguments and return >= 0 or -errno. docs/exos.md, "Threads".
 */
#ifndef EXOS_THREAD_H
#define EXOS_THREAD_H

#include <time.h>

long exos_clone(unsigned long flags, unsigned long stack, int *ptid, int *ctid, unsigned long tls);
long exos_futex(int *uaddr, long op, long val, unsigned long val2, int *uaddr2, long val3);
long exos_set_tid_address(int *ctid);
long exos_gettid(void);
long exos_thread_exit(int code); /* returns only inside a reflected `syscall` (the switch comes as it ends) */
long exos_sched_yield(void);
long exos_thread_tkill(long tid, long sig);
long exos_tgkill(long tgid, long tid, long sig);
long exos_membarrier(long cmd, long flags);

/* Inside a call that waits by polling: let another thread of the process run, or give the CPU up. */
void exos_thread_pause(uint64_t until_ns);

/*
 * Hooks. __exos_syscall calls exos_thread_preempt_point() on its way out
 * of the outermost ExOS call while exos_thread_preempt_wanted is set (a
 * preemption that came while the thread was inside ExOS). The reflected-call
 * handler brackets its work with exos_thread_reflect_enter() and
 * exos_thread_reflect_leave(n, v) (n: the call's number, v: its result): the latter returns the rax to resume with,
 * having switched the upcall frame to another thread when the call blocked,
 * yielded or ended its thread.
 */
extern volatile int exos_thread_preempt_wanted;
void exos_thread_preempt_point(void);
void exos_thread_reflect_enter(void);
long exos_thread_reflect_leave(long n, long v);

/*
 * The prologue upcall at the start of every turn of this environment
 * (sched_prologue): asynchronous signals and preemption. Every process turns
 * it on as it starts (and a forked child again, as a new environment); 0, or
 * -EAGAIN if the kernel refused (signals then wait for the next call).
 */
long exos_prologue_init(void);

/* fork: the child keeps only the thread that called fork (and turns the prologue on). */
void exos_thread_after_fork(void);

/* For tests and benchmarks (<exos/api.h>): threads alive, preemptions done, switches done. */
void exos_thread_stats(long *live, unsigned long *preemptions, unsigned long *switches);

#endif
