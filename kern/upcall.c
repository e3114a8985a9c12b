/*
 * Upcalls: the kernel enters an environment at its registered entry with a
 * struct exo_upcall (inc/exo/upcall.h) written on its upcall stack. The
 * environment resumes the interrupted context itself (lib/upcall_entry.S).
 *
 * Exceptions and foreign system calls are synchronous: delivered when they
 * happen, nested below the current frame when the handler itself faults. A revocation request is
 * asynchronous: delivered when the environment next resumes, unless it is
 * inside its handler (rsp on the upcall stack) or inside its restore code
 * (rip in [crit_start, crit_start + crit_len)), in which case it waits for a later resume.
 */
#include <exo/error.h>
#include <exo/info.h>
#include "env.h"
#include "kcall.h"
#include "uaccess.h"
#include "x86.h"

extern struct exo_info *info;

static bool on_upcall_stack(const struct env *e, uint64_t rsp)
{
	return rsp <= e->upcall_stack_top && rsp > e->upcall_stack_top - e->upcall_stack_size;
}

/* Write u on e's upcall stack and point e's context at the entry. e is the current environment. */
static void deliver(struct env *e, struct exo_upcall *u)
{
	struct trapframe *tf = &e->tf;
	uint64_t sp = on_upcall_stack(e, tf->rsp) ? tf->rsp - EXO_UPCALL_GAP : e->upcall_stack_top;

	sp = (sp - sizeof(*u)) & ~15UL;
	u->rip = tf->rip;
	u->regs = (struct exo_regs){tf->r15, tf->r14, tf->r13, tf->r12, tf->r11, tf->r10, tf->r9, tf->r8,
				    tf->rbp, tf->rdi, tf->rsi, tf->rdx, tf->rcx, tf->rbx, tf->rax,
				    tf->rflags, tf->rsp};
	if (sp < e->upcall_stack_top - e->upcall_stack_size + EXO_UPCALL_ROOM || copy_to_user(sp, u, sizeof(*u)) < 0) {
		env_destroy(e, "killed: its upcall stack overflowed or is not writable");
		sched_run(NULL);
	}
	tf->rip = e->upcall_entry;
	tf->rsp = sp;
	tf->rdi = sp;
	tf->rflags &= ~(uint64_t)(RFLAGS_TF | RFLAGS_DF | RFLAGS_AC);
}

long kc_upcall_resume(const struct exo_upcall *frame)
{
	struct exo_upcall u;
	if (copy_from_user(&u, (uint64_t)frame, sizeof(u)) < 0)
		return -EXO_EFAULT;
	struct env *e = this_cpu()->curenv;
	const struct exo_regs *r = &u.regs;
	struct trapframe tf = {r->r15, r->r14, r->r13, r->r12, r->r11, r->r10, r->r9, r->r8, r->rbp, r->rdi, r->rsi,
			       r->rdx, r->rcx, r->rbx, r->rax, T_KCALL, 0, u.rip, SEL_UCODE, r->rflags, r->rsp,
			       SEL_UDATA};
	env_save_context(e, &tf);
	env_run(e); /* env_run sanitises rflags and refuses a non-canonical rip */
}

bool upcall_exception(struct env *e, uint64_t vector, uint64_t err, uint64_t addr)
{
	if (!e->upcall_entry)
		return false;
	struct exo_upcall u = {.type = EXO_UPCALL_EXCEPTION, .vector = vector, .err = err, .addr = addr};
	deliver(e, &u);
	return true;
}

bool upcall_syscall(struct env *e)
{
	if (!e->upcall_entry)
		return false;
	struct exo_upcall u = {.type = EXO_UPCALL_SYSCALL};
	deliver(e, &u);
	return true;
}

bool upcall_in_progress(const struct env *e)
{
	return e->upcall_entry && (on_upcall_stack(e, e->tf.rsp) || e->tf.rip - e->crit_start < e->crit_len);
}

/* Asynchronous upcalls wait while e handles an upcall or restores a context. */
static bool may_interrupt(const struct env *e) { return e->upcall_entry && !upcall_in_progress(e); }

void upcall_deliver_pending(struct env *e)
{
	const struct exo_envinfo *ei = e->einfo;

	if (!e->upcall_entry) {
		e->prologue_pending = e->epilogue_pending = false;
		return;
	}
	if (!may_interrupt(e))
		return;
	if (e->epilogue_pending || e->prologue_pending) {
		struct exo_upcall u = {.type = e->epilogue_pending ? EXO_UPCALL_EPILOGUE : EXO_UPCALL_PROLOGUE,
				       .vector = info->cur_slot};
		if (e->epilogue_pending)
			e->einfo->epilogues++;
		e->prologue_pending = e->epilogue_pending = false;
		deliver(e, &u);
		return;
	}
	if (!ei || !ei->revoke_pages || e->revoke_notified)
		return;
	struct exo_upcall u = {
		.type = EXO_UPCALL_REVOKE,
		.revoke_pages = ei->revoke_pages,
		.revoke_deadline = ei->revoke_deadline,
	};
	e->revoke_notified = true;
	deliver(e, &u);
}
