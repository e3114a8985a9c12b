/*
 * ExOS signals (signal.c): handlers, masks, pending signals, the signal
 * frame and rt_sigreturn, alarm and setitimer, and exceptions as signals.
 * Sets are Linux's: 64 bits, bit (sig - 1).
 */
#ifndef EXOS_SIGNAL_H
#define EXOS_SIGNAL_H

#include <stdint.h>
#include <sys/time.h>
#include <exo/mem.h>
#include <exo/memlayout.h>
#include <exo/upcall.h>

long exos_signal_init(void); /* exception handlers for #UD, #DE, #BP, #DB, #GP, ... */
long exos_rt_sigaction(long sig, const void *act, void *oact, unsigned long setsize);
long exos_rt_sigprocmask(long how, const uint64_t *set, uint64_t *oset, unsigned long setsize);
long exos_rt_sigpending(uint64_t *set, unsigned long setsize);
long exos_rt_sigsuspend(const uint64_t *mask, unsigned long setsize);
long exos_rt_sigreturn(void); /* from the reflected `syscall` of musl's restorer */
long exos_pause(void);
long exos_alarm(unsigned long secs);
long exos_setitimer(long which, const struct itimerval *nv, struct itimerval *old);
long exos_getitimer(long which, struct itimerval *cur);

/*
 * Make sig pending for this process (kill or tkill of oneself; a signal from
 * the inbox or the terminal). SIGCONT continues a stopped process and
 * cancels pending stop signals; a stop signal cancels a pending SIGCONT.
 */
void exos_signal_raise(int sig);
/* Would sig be ignored or blocked now? (the terminal's SIGTTIN and SIGTTOU rules) */
int exos_signal_ignored_or_blocked(int sig);
/* Anything to look at (pending and unblocked, a timer, the inbox)? Cheap: on every system call's way out. */
extern volatile int exos_signal_attention;
extern volatile uint64_t *exos_inbox_word; /* this process's inbox, in the environment inbox_env only */
extern uint32_t exos_inbox_env;
/* The terminal's count of signals it sent (console.c), NULL until its page is known; the count we have looked at. */
extern volatile uint32_t *exos_tty_sig_seq;
extern uint32_t exos_tty_sig_seen;
static inline int exos_signal_maybe(void)
{
	if (exos_signal_attention)
		return 1;
	if (exos_inbox_env != ((const volatile struct exo_envinfo *)EXO_ENVINFO_VA)->id)
		return 0; /* not an environment ExOS set up as a process (exo_spawn's) */
	return *exos_inbox_word || (exos_tty_sig_seq && *exos_tty_sig_seq != exos_tty_sig_seen);
}
/* The running thread's signal mask, saved and restored by thread switches (thread.c). */
uint64_t exos_signal_mask(void);
void exos_signal_set_mask(uint64_t mask);
/* Collect what arrived: the inbox, an expired timer. */
void exos_signal_poll(void);
/*
 * Deliver what is pending and not blocked (a stop signal stops the process
 * here until it is continued). 0: no handler ran; bit 0: a handler with
 * SA_RESTART ran; bit 1: one without.
 */
int exos_signal_deliver(void);
/* Inside a call that waits: deliver; -EINTR if the call must give up, else 0 (go on waiting). */
long exos_signal_wait_point(int restartable);
/*
 * Asynchronous delivery, from the prologue upcall (thread.c), which calls it
 * only when THE RULE holds: the interrupted context u is not inside ExOS
 * (exos_vm_busy 0, no thread switch, no reflected call, ...). Collects what
 * arrived (inbox, terminal, timer) and acts on the first signal the running
 * thread does not block: a handler gets a signal frame on u and runs when u
 * resumes; a default action that ends the process ends it here; a stop stops
 * it here until SIGCONT. A process of the terminal's foreground group that
 * made no call for 100 ms (it computes) also takes typed input, looking for
 * a signal character (exos_console_watch_busy). When
 * nothing is pending this costs a few loads.
 */
void exos_signal_async(struct exo_upcall *u);
/* System calls made (__exos_syscall counts them): how the prologue tells a process that computes. */
extern unsigned long exos_calls;
/*
 * A fault as signal sig: with a handler, set u up to run it on a signal
 * frame (0); otherwise record that the process ends by sig (-1: the fault is
 * declined and the kernel ends the environment with its report).
 */
int exos_signal_fault(struct exo_upcall *u, int sig, int code, uint64_t addr);

/* fork: the child starts with nothing pending and no timer. execve: only the mask, ignored signals and pending ones cross. */
void exos_signal_after_fork(void);
void exos_signal_export(uint64_t *mask, uint64_t *ignored, uint64_t *pending);
void exos_signal_import(uint64_t mask, uint64_t ignored, uint64_t pending);

#endif
