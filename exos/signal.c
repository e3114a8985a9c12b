/*
 * ExOS signals, built on the kernel's exception upcalls (signal.h).
 *
 * Synchronous signals (a fault ExOS's memory cannot serve, #UD, #DE, int3,
 * a single step, #GP) arrive as exception upcalls with the interrupted
 * context. With a handler installed, ExOS writes a Linux signal frame on the
 * interrupted stack (the restorer's address, a ucontext_t with every
 * register and a copy of the vector state, a siginfo_t) and points the
 * context at the handler, which then runs in user mode as if the fault had
 * called it. When it returns, musl's restorer makes the rt_sigreturn system
 * call; its `syscall` instruction is reflected, and ExOS restores the context
 * from the frame (including any change the handler made to it) in the
 * reflection upcall, without another kernel entry.
 *
 * Other signals become pending: kill or tkill of oneself, SIGALRM from
 * alarm and setitimer (measured against the TSC, no kernel timer), and
 * signals other processes send through this process's inbox page (proc.c).
 * Pending signals are delivered when ExOS returns from a system call and
 * inside calls that wait (wait4, nanosleep, read, pause, sigsuspend), which
 * then return EINTR unless the handler asked for SA_RESTART; and
 * asynchronously, to a process that computes without making calls, from the
 * prologue upcall at the start of each of its turns (exos_signal_async,
 * called by thread.c's prologue handler when THE RULE allows: not inside
 * ExOS), where a handler gets a signal frame built on the interrupted context
 * as for a fault. The terminal's signals (Ctrl-C...) come from its page
 * (console.c). Stop signals with the default action stop the process inside
 * ExOS until SIGCONT (stop_self); the parent learns it from the process's
 * entry.
 *
 * Protection: this state is touched only inside ExOS (exos_vm_busy > 0: a
 * call, a delivery, the prologue's) or in an upcall handler, which nothing
 * interrupts; the prologue acts only when exos_vm_busy is 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>
#include "exos.h"
#include "console.h"
#include "proc.h"
#include "signal.h"
#include "vm.h"

#define NSIG_ 65
#define BIT(s) (1ULL << ((s) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define STOPSIGS (BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))

/* The kernel's struct sigaction, as musl passes it to rt_sigaction. */
struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static struct k_sigaction actions[NSIG_];
static uint64_t blocked;
static volatile uint64_t pending;
static uint64_t alarm_at_ns, alarm_every_ns; /* ITIMER_REAL: 0 when off */
volatile int exos_signal_attention; /* (pending & ~blocked) || a timer: kept by attention() */
static int continued;               /* a SIGCONT arrived since this process last stopped */

/* Recompute the hint every system call's way out tests (after any change to pending, blocked or the timer). */
static void attention(void) { exos_signal_attention = (pending & ~blocked) || alarm_at_ns; }

/* Threads (thread.c): the mask is each thread's; the running thread's is `blocked`. */
uint64_t exos_signal_mask(void) { return blocked; }

void exos_signal_set_mask(uint64_t mask)
{
	blocked = mask & ~UNBLOCKABLE;
	attention();
}

/* What a signal does when nobody handles it. */
enum { ACT_TERM, ACT_IGNORE, ACT_STOP };
static int default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
	case SIGCONT:
		return ACT_IGNORE;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return ACT_STOP;
	default:
		return ACT_TERM;
	}
}

/* ---- the calls ---- */

long exos_rt_sigaction(long sig, const void *act, void *oact, unsigned long setsize)
{
	if (sig < 1 || sig >= NSIG_ || setsize != 8)
		return -EINVAL;
	if ((act && !exos_user_ok(act, sizeof(struct k_sigaction), 0)) ||
	    (oact && !exos_user_ok(oact, sizeof(struct k_sigaction), 1)))
		return -EFAULT;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	struct k_sigaction old = actions[sig];
	if (act) {
		actions[sig] = *(const struct k_sigaction *)act;
		actions[sig].mask &= ~UNBLOCKABLE;
		if (actions[sig].handler == SIG_IGN || (actions[sig].handler == SIG_DFL && default_action((int)sig) == ACT_IGNORE))
			pending &= ~BIT(sig); /* POSIX: setting an ignoring action discards what is pending */
	}
	if (oact)
		*(struct k_sigaction *)oact = old;
	attention();
	return 0;
}

long exos_rt_sigprocmask(long how, const uint64_t *set, uint64_t *oset, unsigned long setsize)
{
	if (setsize != 8)
		return -EINVAL;
	if ((set && !exos_user_ok(set, 8, 0)) || (oset && !exos_user_ok(oset, 8, 1)))
		return -EFAULT;
	uint64_t old = blocked;
	if (set) {
		switch (how) {
		case SIG_BLOCK:
			blocked |= *set;
			break;
		case SIG_UNBLOCK:
			blocked &= ~*set;
			break;
		case SIG_SETMASK:
			blocked = *set;
			break;
		default:
			return -EINVAL;
		}
		blocked &= ~UNBLOCKABLE;
	}
	if (oset)
		*oset = old;
	attention();
	return 0;
}

long exos_rt_sigpending(uint64_t *set, unsigned long setsize)
{
	if (setsize != 8)
		return -EINVAL;
	if (!exos_user_ok(set, 8, 1))
		return -EFAULT;
	exos_signal_poll();
	*set = pending & blocked;
	return 0;
}

int exos_signal_ignored_or_blocked(int sig) { return actions[sig].handler == SIG_IGN || (blocked & BIT(sig)); }

void exos_signal_raise(int sig)
{
	if (sig < 1 || sig >= NSIG_)
		return;
	if (sig == SIGCONT) { /* continues a stopped process whatever its action, and cancels pending stops */
		continued = 1;
		pending &= ~STOPSIGS;
	} else if (BIT(sig) & STOPSIGS) {
		pending &= ~BIT(SIGCONT);
	}
	const struct k_sigaction *a = &actions[sig];
	if (a->handler == SIG_IGN || (a->handler == SIG_DFL && default_action(sig) == ACT_IGNORE))
		return; /* discarded at once, as Linux does for ignored signals */
	pending |= BIT(sig);
	attention();
}

/* ---- alarm and setitimer (ITIMER_REAL) ---- */

static void timer_poll(void)
{
	if (!alarm_at_ns || exos_now_ns() < alarm_at_ns)
		return;
	alarm_at_ns = alarm_every_ns ? alarm_at_ns + alarm_every_ns : 0;
	if (alarm_at_ns && alarm_at_ns < exos_now_ns())
		alarm_at_ns = exos_now_ns() + alarm_every_ns; /* fell far behind: do not fire a burst */
	exos_signal_raise(SIGALRM);
	attention();
}

static void to_timeval(uint64_t ns, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ns / 1000000000ULL);
	tv->tv_usec = (suseconds_t)(ns % 1000000000ULL / 1000);
}

long exos_getitimer(long which, struct itimerval *cur)
{
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	if (!exos_user_ok(cur, sizeof(*cur), 1))
		return -EFAULT;
	memset(cur, 0, sizeof(*cur));
	if (which == ITIMER_REAL && alarm_at_ns) {
		uint64_t now = exos_now_ns();
		to_timeval(alarm_at_ns > now ? alarm_at_ns - now : 1000, &cur->it_value);
		to_timeval(alarm_every_ns, &cur->it_interval);
	}
	return 0;
}

long exos_setitimer(long which, const struct itimerval *nv, struct itimerval *old)
{
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	if ((nv && !exos_user_ok(nv, sizeof(*nv), 0)) || (old && !exos_user_ok(old, sizeof(*old), 1)))
		return -EFAULT;
	if (nv && (nv->it_value.tv_usec < 0 || nv->it_value.tv_usec >= 1000000 || nv->it_interval.tv_usec < 0 ||
		   nv->it_interval.tv_usec >= 1000000 || nv->it_value.tv_sec < 0 || nv->it_interval.tv_sec < 0))
		return -EINVAL;
	if (which != ITIMER_REAL)
		return -EINVAL; /* CPU-time timers: not offered (docs/exos.md) */
	if (old)
		exos_getitimer(which, old);
	if (nv) {
		uint64_t v = (uint64_t)nv->it_value.tv_sec * 1000000000ULL + (uint64_t)nv->it_value.tv_usec * 1000;
		uint64_t i = (uint64_t)nv->it_interval.tv_sec * 1000000000ULL + (uint64_t)nv->it_interval.tv_usec * 1000;
		alarm_at_ns = v ? exos_now_ns() + v : 0;
		alarm_every_ns = v ? i : 0;
	}
	attention();
	return 0;
}

long exos_alarm(unsigned long secs)
{
	struct itimerval nv = {{0, 0}, {(time_t)secs, 0}}, old;
	exos_setitimer(ITIMER_REAL, &nv, &old);
	return old.it_value.tv_sec + (old.it_value.tv_usec ? 1 : 0);
}

/* ---- delivery ---- */

void exos_signal_poll(void)
{
	timer_poll();
	uint64_t in = exos_proc_take_inbox() | exos_console_take_signals();
	for (int s = 1; in; s++, in >>= 1)
		if (in & 1)
			exos_signal_raise(s);
}

static __attribute__((noreturn)) void die_of(int sig)
{
	exos_proc_dying(sig);
	sys_exit(128 + sig);
	__builtin_unreachable();
}

/* Is a signal pending, not blocked, whose default action ends the process? */
static int fatal_pending(void)
{
	uint64_t ready = pending & ~blocked;
	for (int s = 1; ready; s++, ready >>= 1)
		if ((ready & 1) && actions[s].handler == SIG_DFL && default_action(s) == ACT_TERM)
			return 1;
	return 0;
}

/*
 * Stop by sig (job control): say so in our entry (the parent's wait4 sees it
 * and hears SIGCHLD), then wait, yielding, until SIGCONT comes, or a signal
 * that ends the process (SIGKILL, or one whose default action is to end it:
 * Linux ends a stopped process too), which the caller then acts on. Other
 * signals stay pending until we go on.
 */
static void stop_self(int sig)
{
	continued = 0;
	exos_proc_job_state(sig);
	for (;;) {
		exos_vm_give_back();
		sys_yield();
		exos_signal_poll();
		if (fatal_pending())
			return;
		if (continued)
			break;
	}
	exos_proc_job_state(0);
}

/*
 * A signal without a handler: ignored, or its default action taken here (a
 * process ended by it does not come back; a stopped one returns once
 * continued). 1 when a has no handler, 0 when the caller must run it.
 */
static int no_handler(int sig, const struct k_sigaction *a)
{
	if (a->handler == SIG_IGN)
		return 1;
	if (a->handler != SIG_DFL)
		return 0;
	if (default_action(sig) == ACT_TERM)
		die_of(sig);
	if (default_action(sig) == ACT_STOP)
		stop_self(sig);
	return 1;
}

/*
 * Run the action for sig now, from inside ExOS (an asynchronous signal),
 * exos_vm_busy raised by exos_signal_deliver. 0 if no handler ran (ignored, or a stop and continue), 1 if one ran with
 * SA_RESTART, 2 if one ran without.
 */
static int act_now(int sig)
{
	struct k_sigaction a = actions[sig];
	if (no_handler(sig, &a))
		return 0;
	uint64_t saved = blocked;
	blocked |= a.mask | ((a.flags & SA_NODEFER) ? 0 : BIT(sig));
	blocked &= ~UNBLOCKABLE;
	if (a.flags & SA_RESETHAND)
		actions[sig].handler = SIG_DFL;
	siginfo_t info;
	ucontext_t uc;
	memset(&info, 0, sizeof(info));
	memset(&uc, 0, sizeof(uc));
	info.si_signo = sig;
	info.si_code = SI_USER;
	memcpy(&uc.uc_sigmask, &saved, sizeof(saved));
	exos_vm_busy--; /* the handler runs at its caller's nesting: the prologue may act inside it */
	if (a.flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))(void (*)(void))a.handler)(sig, &info, &uc);
	else
		a.handler(sig);
	exos_vm_busy++;
	blocked = saved;
	return a.flags & SA_RESTART ? 1 : 2;
}

/* The next signal pending and not blocked, taken off pending; 0 if none. */
static int take_ready(void)
{
	uint64_t ready = pending & ~blocked;
	if (!ready)
		return 0;
	int sig = __builtin_ctzll(ready) + 1;
	pending &= ~BIT(sig);
	return sig;
}

/*
 * Called at the end of calls with exos_vm_busy possibly 0: raising it keeps
 * the prologue away from this state while it changes (act_now lowers it
 * while a handler runs).
 */
int exos_signal_deliver(void)
{
	int interrupted = 0, sig;
	exos_vm_busy++;
	exos_signal_poll();
	while ((sig = take_ready()))
		interrupted |= act_now(sig);
	attention();
	exos_vm_busy--;
	return interrupted;
}

long exos_signal_wait_point(int restartable)
{
	exos_vm_give_back(); /* waiting inside a call: the page map is settled, so a revocation can be served */
	int r = exos_signal_deliver();
	if (!r)
		return 0;
	return restartable && !(r & 2) ? 0 : -EINTR;
}

long exos_pause(void)
{
	for (;;) {
		if (exos_signal_deliver())
			return -EINTR;
		sys_yield();
	}
}

long exos_rt_sigsuspend(const uint64_t *mask, unsigned long setsize)
{
	if (setsize != 8)
		return -EINVAL;
	if (!exos_user_ok(mask, 8, 0))
		return -EFAULT;
	uint64_t saved = blocked;
	blocked = *mask & ~UNBLOCKABLE;
	attention();
	long r = exos_pause();
	blocked = saved;
	attention();
	return r;
}

/* ---- a signal frame on the interrupted stack (faults, and asynchronous delivery) ---- */

struct sigframe {
	uint64_t pretcode; /* the restorer: the handler's return address */
	ucontext_t uc;
	siginfo_t info;
	unsigned char fpu[EXO_UPCALL_FPU_AREA] __attribute__((aligned(64)));
};

static const int greg_of[] = {
	[REG_R8] = 7, [REG_R9] = 6, [REG_R10] = 5, [REG_R11] = 4, [REG_R12] = 3, [REG_R13] = 2, [REG_R14] = 1,
	[REG_R15] = 0, [REG_RDI] = 9, [REG_RSI] = 10, [REG_RBP] = 8, [REG_RBX] = 13, [REG_RDX] = 11,
	[REG_RAX] = 14, [REG_RCX] = 12, [REG_RSP] = 16, [REG_EFL] = 15,
}; /* ucontext register -> word of struct exo_regs (r15 first) */

/* The context of u into f: registers, the fault's trapno, err and cr2 (0 unless it is an exception), mask, vector state. */
static void save_context(struct sigframe *f, const struct exo_upcall *u, uint64_t mask)
{
	const uint64_t *r = (const uint64_t *)&u->regs;
	for (int g = REG_R8; g <= REG_EFL; g++)
		if (g != REG_RIP)
			f->uc.uc_mcontext.gregs[g] = (greg_t)r[greg_of[g]];
	f->uc.uc_mcontext.gregs[REG_RIP] = (greg_t)u->rip;
	if (u->type == EXO_UPCALL_EXCEPTION) {
		f->uc.uc_mcontext.gregs[REG_TRAPNO] = (greg_t)u->vector;
		f->uc.uc_mcontext.gregs[REG_ERR] = (greg_t)u->err;
		f->uc.uc_mcontext.gregs[REG_CR2] = (greg_t)u->addr;
	}
	f->uc.uc_mcontext.fpregs = (fpregset_t)f->fpu;
	memcpy(&f->uc.uc_sigmask, &mask, sizeof(mask));
	void *fpu = exo_upcall_fpu_state();
	if (fpu)
		memcpy(f->fpu, fpu, sizeof(f->fpu));
}

/*
 * Point the interrupted context u at sig's handler, as if it had called it:
 * a frame below u's stack (past the red zone) holds the restorer's address,
 * the context and the info (code, addr); rdi, rsi, rdx = sig, info, context;
 * sig's mask is added as the handler runs. 0, or -1 when that stack is not
 * writable (then nothing changed).
 */
static int push_frame(struct exo_upcall *u, int sig, int code, uint64_t addr)
{
	struct k_sigaction a = actions[sig];
	uint64_t sp = ((u->regs.rsp - 128 - sizeof(struct sigframe)) & ~63UL) - 8;
	struct sigframe *f = (struct sigframe *)sp;
	if (!exos_user_ok(f, sizeof(*f), 1))
		return -1;
	memset(&f->uc, 0, sizeof(f->uc));
	memset(&f->info, 0, sizeof(f->info));
	save_context(f, u, blocked);
	f->pretcode = (uint64_t)a.restorer;
	f->info.si_signo = sig;
	f->info.si_code = code;
	f->info.si_addr = (void *)addr;
	blocked |= a.mask | ((a.flags & SA_NODEFER) ? 0 : BIT(sig));
	blocked &= ~UNBLOCKABLE;
	if (a.flags & SA_RESETHAND)
		actions[sig].handler = SIG_DFL;
	u->rip = (uint64_t)a.handler;
	u->regs.rdi = (uint64_t)sig;
	u->regs.rsi = (uint64_t)&f->info;
	u->regs.rdx = (uint64_t)&f->uc;
	u->regs.rax = 0;
	u->regs.rsp = sp;
	u->regs.rflags &= ~(0x100UL | 0x400UL); /* no trap flag, direction flag clear: the ABI's state */
	attention();
	return 0;
}

int exos_signal_fault(struct exo_upcall *u, int sig, int code, uint64_t addr)
{
	struct k_sigaction a = actions[sig];
	if (a.handler == SIG_DFL || a.handler == SIG_IGN || (blocked & BIT(sig))) {
		exos_proc_dying(sig); /* a fault nobody takes ends the process, as on Linux */
		return -1;
	}
	if (push_frame(u, sig, code, addr) < 0) {
		exos_proc_dying(SIGSEGV); /* no stack to run the handler on */
		return -1;
	}
	return 0;
}

/* ---- asynchronous delivery, from the prologue ---- */

/*
 * Act on sig, taken off pending, for the context u the prologue interrupted.
 * 1: u now runs its handler (the rest waits for the handler's return or the
 * next turn); 0: done with it (ignored, or stopped and continued: look for
 * more). A default action that ends the process ends it here. A handler
 * whose frame does not fit the interrupted stack is left pending, for the
 * next call (1).
 */
static int act_on_frame(struct exo_upcall *u, int sig)
{
	struct k_sigaction a = actions[sig];
	if (no_handler(sig, &a))
		return 0;
	if (push_frame(u, sig, SI_USER, 0) < 0)
		pending |= BIT(sig);
	return 1;
}

unsigned long exos_calls;

#define QUIET_TICKS (EXO_TICK_HZ / 10) /* 100 ms */

/*
 * Has the process made no ExOS call for QUIET_TICKS, as far as the
 * prologues that could act saw (exos_calls unchanged since one of them
 * noted the time)? It computes. Loads only: the kernel's tick count.
 */
static int computing(void)
{
	static unsigned long calls_seen = ~0UL;
	static uint64_t since;
	uint64_t now = exo_info->ticks;
	if (exos_calls != calls_seen) {
		calls_seen = exos_calls;
		since = now;
		return 0;
	}
	return now - since >= QUIET_TICKS;
}

void exos_signal_async(struct exo_upcall *u)
{
	int quiet = computing();
	if (!quiet && !exos_signal_maybe())
		return; /* the common case: a few loads */
	exos_vm_busy++;
	if (quiet)
		exos_console_watch_busy(); /* nobody may be reading the terminal: look for Ctrl-C ourselves */
	exos_signal_poll();
	int sig;
	while ((sig = take_ready()) && !act_on_frame(u, sig))
		;
	attention();
	exos_vm_busy--;
}

long exos_rt_sigreturn(void)
{
	struct exo_upcall *u = exo_upcall_current();
	if (!u)
		return -ENOSYS; /* only the restorer's reflected `syscall` can return from a handler */
	struct sigframe *f = (struct sigframe *)(u->regs.rsp - 8);
	if (!exos_user_ok(f, sizeof(*f), 0)) {
		exos_proc_dying(SIGSEGV);
		sys_exit(128 + SIGSEGV);
	}
	uint64_t *r = (uint64_t *)&u->regs;
	for (int g = REG_R8; g <= REG_EFL; g++)
		if (g != REG_RIP)
			r[greg_of[g]] = (uint64_t)f->uc.uc_mcontext.gregs[g];
	u->rip = (uint64_t)f->uc.uc_mcontext.gregs[REG_RIP];
	void *fpu = exo_upcall_fpu_state();
	if (fpu)
		memcpy(fpu, f->fpu, sizeof(f->fpu));
	uint64_t mask;
	memcpy(&mask, &f->uc.uc_sigmask, sizeof(mask));
	blocked = mask & ~UNBLOCKABLE;
	attention();
	return (long)u->regs.rax; /* the dispatcher stores the result in rax: keep the restored value */
}

/* ---- exceptions as signals ---- */

static int exception_upcall(struct exo_upcall *u)
{
	switch (u->vector) {
	case EXO_VEC_UD:
		return exos_signal_fault(u, SIGILL, ILL_ILLOPN, u->rip);
	case EXO_VEC_DE:
		return exos_signal_fault(u, SIGFPE, FPE_INTDIV, u->rip);
	case EXO_VEC_MF:
	case EXO_VEC_XM:
		return exos_signal_fault(u, SIGFPE, FPE_FLTINV, u->rip);
	case EXO_VEC_BP:
		return exos_signal_fault(u, SIGTRAP, TRAP_BRKPT, u->rip);
	case EXO_VEC_DB:
		return exos_signal_fault(u, SIGTRAP, TRAP_TRACE, u->rip);
	case EXO_VEC_AC:
		return exos_signal_fault(u, SIGBUS, BUS_ADRALN, u->rip);
	default: /* #GP, #SS */
		return exos_signal_fault(u, SIGSEGV, SI_KERNEL, 0);
	}
}

long exos_signal_init(void)
{
	static const unsigned vectors[] = {EXO_VEC_DE, EXO_VEC_DB, EXO_VEC_BP, EXO_VEC_UD, EXO_VEC_GP,
					   EXO_VEC_SS, EXO_VEC_MF, EXO_VEC_AC, EXO_VEC_XM};
	for (unsigned i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		long r = exo_set_exception_handler(vectors[i], exception_upcall);
		if (r < 0)
			return r;
	}
	return 0;
}

void exos_signal_export(uint64_t *mask, uint64_t *ignored, uint64_t *pend)
{
	*mask = blocked;
	*pend = pending;
	*ignored = 0;
	for (int s = 1; s < NSIG_; s++)
		if (actions[s].handler == SIG_IGN)
			*ignored |= BIT(s);
}

void exos_signal_import(uint64_t mask, uint64_t ignored, uint64_t pend)
{
	blocked = mask & ~UNBLOCKABLE;
	pending = pend;
	for (int s = 1; s < NSIG_; s++)
		actions[s] = (struct k_sigaction){(ignored & BIT(s)) ? SIG_IGN : SIG_DFL, 0, 0, 0};
	attention();
}

void exos_signal_after_fork(void)
{
	pending = 0; /* a child starts with nothing pending and no timer (POSIX) */
	alarm_at_ns = alarm_every_ns = 0;
	attention();
}
