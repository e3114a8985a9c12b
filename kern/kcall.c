/*
 * Kernel-call dispatch, expanded from inc/exo/kcalls.def, and the calls of
 * the foundation. Each kc_<name> validates every argument before it changes
 * anything, and returns >= 0 or -EXO_E*.
 */
#include "kcall.h"
#include "env.h"
#include "kernel.h"
#include "trap.h"
#include "uaccess.h"
#include "x86.h"
#include <exo/fmt.h>

long kc_null(void) { return 0; }

long kc_cputs(const char *buf, unsigned long len)
{
	char chunk[256];

	if (len > EXO_CPUTS_MAX)
		return -EXO_EINVAL;
	if (user_range_check((uint64_t)buf, len, 0) < 0)
		return -EXO_EFAULT; /* checked whole before a byte is printed */
	for (unsigned long off = 0; off < len; off += sizeof(chunk)) {
		size_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
		if (copy_from_user(chunk, (uint64_t)buf + off, n) < 0)
			return -EXO_EFAULT; /* cannot happen after the check: one CPU, nothing unmaps meanwhile */
		cons_write(chunk, n);
	}
	return 0;
}

long kc_exit(int status)
{
	char why[48];
	fmt_snprintf(why, sizeof(why), "exited (status %d)", status);
	env_destroy(this_cpu()->curenv, why);
	mem_after_free();
	sched_run(NULL);
}

long kc_yield(void)
{
	sched_yield(); /* the context was saved by kcall() */
}

long kc_idle(unsigned long ticks)
{
	if (ticks == 0 || ticks > EXO_IDLE_MAX)
		return -EXO_EINVAL;
	sched_idle(ticks); /* the caller's context, with rax = 0, was saved by kcall() */
}

long kc_yield_to(unsigned long env_id)
{
	struct env *self = this_cpu()->curenv;
	struct env *t = env_id <= 0xFFFFFFFFUL ? env_by_id((uint32_t)env_id) : NULL;
	if (!t)
		return -EXO_ENOENT;
	if (t->state != ENV_RUNNABLE)
		return -EXO_EBUSY;
	if (t == self)
		return 0;
	sched_run(t); /* the caller's context, with rax = 0, was saved by kcall() */
}

long kc_set_fs_base(unsigned long base)
{
	if (base >= USER_TOP)
		return -EXO_EINVAL;
	this_cpu()->curenv->fs_base = base;
	wrmsr(MSR_FS_BASE, base);
	return 0;
}

long kc_cgetc(void)
{
	int c = cons_getc();
	return c < 0 ? -EXO_EAGAIN : c;
}

/* Calls that give up the CPU need the caller's context saved first. */
static bool kcall_may_switch(uint64_t idx)
{
	return idx == EXO_KCALL_yield || idx == EXO_KCALL_yield_to || idx == EXO_KCALL_idle;
}

void kcall_wait_memory_and_retry(struct env *next)
{
	struct cpu *c = this_cpu();
	struct env *e = c->curenv;
	struct trapframe *tf = c->kcall_tf;

	tf->rip -= 2; /* back onto the syscall instruction (0f 05) */
	tf->rax = c->kcall_rax;
	env_save_context(e, tf);
	e->state = ENV_WAIT_MEM;
	sched_run(next);
}

static long kcall_dispatch(uint64_t idx, const uint64_t *r)
{
	switch (idx) {
#define EXO_KCALL(idx, name, nargs, sig, summary, errors) \
	case idx:                                         \
		return kc_##name(EXO_KC_APPLY(EXO_KC_FROMREGS_##nargs, r, EXO_KC_EXPAND sig));
#include <exo/kcalls.def>
#undef EXO_KCALL
	default:
		return -EXO_ENOSYS;
	}
}

void kcall(struct trapframe *tf)
{
	struct env *e = this_cpu()->curenv;
	uint64_t args[6] = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9};

	if (!exo_is_kcall(tf->rax)) {
		/* A foreign (e.g. Linux) system call: reflected to the environment's handler. */
		env_save_context(e, tf);
		if (upcall_syscall(e))
			env_run(e);
		char why[96];
		fmt_snprintf(why, sizeof(why), "killed: foreign system call %lu at rip 0x%lx and no handler",
			     (unsigned long)tf->rax, (unsigned long)tf->rip);
		env_destroy(e, why);
		sched_run(NULL);
	}
	uint64_t idx = tf->rax & EXO_KCALL_INDEX_MASK;
	this_cpu()->kcall_tf = tf;
	this_cpu()->kcall_rax = tf->rax;
	if (kcall_may_switch(idx)) {
		tf->rax = 0; /* what the caller sees when it resumes */
		env_save_context(e, tf);
	}
	tf->rax = (uint64_t)kcall_dispatch(idx, args);
	env_refresh_info(e);
	if (tf->rip >= (1ULL << 47)) {
		/* syscall was the last instruction below 2^47: sysret would fault in ring 0. */
		env_save_context(e, tf);
		env_destroy(e, "killed: #GP general protection (return to a non-canonical address)");
		sched_run(NULL);
	}
}
