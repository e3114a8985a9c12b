/*
 * Protected control transfer: a call into another environment at an entry
 * point it registered, with the general-purpose registers passed through as
 * arguments and results (inc/exo/kcalls.def rows 24-27, docs/processor.md).
 *
 * The callee serves one call at a time. While it does, its tf is the
 * activation and pct_saved holds the context it was in before; pct_return
 * puts that back. A synchronous caller waits in ENV_WAIT_PCT and resumes
 * with the callee's registers. The callee runs at once, on the caller's slice
 * (directed: it becomes the slot's donee).
 *
 * The common case, a pct_call that is valid and a pct_return from an
 * activation that was never descheduled, never reaches this file: trapentry.S
 * does both (pct_call_fast, pct_return_fast) without building a trap frame,
 * saving only the caller's rip, rsp and rflags and leaving the callee's own
 * context where it is (pct_lazy, env.h). What it declines comes here.
 */
#include <exo/error.h>
#include "kcall.h"
#include "env.h"
#include "x86.h"

_Static_assert(KCALL_PCT_CALL == (EXO_KCALL_BASE | EXO_KCALL_pct_call), "trap.h: pct_call's number");
_Static_assert(KCALL_PCT_RETURN == (EXO_KCALL_BASE | EXO_KCALL_pct_return), "trap.h: pct_return's number");

static struct env *self(void) { return this_cpu()->curenv; }

static bool entry_addr_ok(uint64_t va) { return va >= USER_MIN && va < EXO_BIND_TOP; }

long kc_pct_set_entry(unsigned long index, unsigned long rip, unsigned long stack_top)
{
	if (index >= EXO_PCT_ENTRIES)
		return -EXO_EINVAL;
	if (rip != 0 && (!entry_addr_ok(rip) || !entry_addr_ok(stack_top - 1) || stack_top < USER_MIN + 16 ||
			 (stack_top & 15)))
		return -EXO_EINVAL;
	self()->pct[index] = (struct pct_entry){rip, rip ? stack_top : 0};
	return 0;
}

/* Check a transfer to (env_id, index); the callee or an error. */
static long pct_target(unsigned long env_id, unsigned long index, struct env **out)
{
	struct env *t = env_id <= 0xFFFFFFFFUL ? env_by_id((uint32_t)env_id) : NULL;
	if (!t)
		return -EXO_ENOENT;
	if (t == self() || index >= EXO_PCT_ENTRIES || !t->pct[index].rip)
		return -EXO_EINVAL;
	if (t->pct_active || t->state != ENV_RUNNABLE || upcall_in_progress(t))
		return -EXO_EBUSY; /* an activation would share the upcall stack its handler is using */
	*out = t;
	return 0;
}

/* Start the activation of t at entry index with the caller's registers tf. */
static void activate(struct env *t, unsigned long index, const struct trapframe *tf, uint32_t caller_id)
{
	t->pct_saved = t->tf;
	t->pct_active = true;
	t->tf = *tf; /* every general-purpose register passes through */
	t->tf.rax = caller_id;
	t->tf.rcx = t->tf.r11 = 0; /* the caller's return address and flags stay its own */
	t->tf.rip = t->pct[index].rip;
	t->tf.rsp = t->pct[index].stack_top;
	t->tf.rflags = RFLAGS_IF | 2;
}

/* Transfer into (env_id, index); a synchronous caller waits for pct_return. */
static long transfer(unsigned long env_id, unsigned long index, bool sync)
{
	struct env *e = self(), *t;
	long err = pct_target(env_id, index, &t);
	if (err < 0)
		return err;
	struct trapframe *tf = this_cpu()->kcall_tf;
	activate(t, index, tf, e->id);
	t->pct_caller = sync ? e->id : 0;
	if (!sync)
		tf->rax = 0; /* resumes later, with its own registers */
	env_save_context(e, tf);
	if (sync)
		e->state = ENV_WAIT_PCT;
	sched_run(t);
}

long kc_pct_call(unsigned long env_id, unsigned long index) { return transfer(env_id, index, true); }
long kc_pct_send(unsigned long env_id, unsigned long index) { return transfer(env_id, index, false); }

/* End t's activation: back to its own context (still in tf if the activation was never saved). */
static void deactivate(struct env *t)
{
	if (!t->pct_lazy)
		t->tf = t->pct_saved;
	t->pct_active = t->pct_lazy = false;
	t->pct_caller = 0;
}

long kc_pct_return(void)
{
	struct env *t = self();
	if (!t->pct_active)
		return -EXO_EINVAL;
	struct env *caller = t->pct_caller ? env_by_id(t->pct_caller) : NULL;
	if (caller && caller->state == ENV_WAIT_PCT) {
		/* Results: the callee's registers, except what the caller's own context owns. */
		const struct trapframe *r = this_cpu()->kcall_tf;
		struct trapframe *c = &caller->tf;
		uint64_t rip = c->rip, rsp = c->rsp, rflags = c->rflags;
		*c = *r;
		c->rip = rip;
		c->rsp = rsp;
		c->rflags = rflags;
		c->rax = 0;
		c->rcx = c->r11 = 0;
		caller->state = ENV_RUNNABLE;
	}
	deactivate(t);
	sched_run(caller && caller->state == ENV_RUNNABLE ? caller : NULL);
}

/*
 * t is ending: a caller waiting for it gets -EXO_ENOENT, its own rip, rsp and rflags, and every other
 * register zero (the fast path keeps nothing else of it); a call it was making is forgotten.
 */
void pct_env_ending(struct env *t)
{
	if (t->pct_active && t->pct_caller) {
		struct env *caller = env_by_id(t->pct_caller);
		if (caller && caller->state == ENV_WAIT_PCT) {
			struct trapframe *c = &caller->tf;
			*c = (struct trapframe){.rax = (uint64_t)-EXO_ENOENT, .vector = T_KCALL, .rip = c->rip,
						.cs = SEL_UCODE, .rflags = c->rflags, .rsp = c->rsp, .ss = SEL_UDATA};
			caller->state = ENV_RUNNABLE;
		}
	}
	t->pct_active = t->pct_lazy = false;
}
