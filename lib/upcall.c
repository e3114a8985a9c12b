/*
 * libexo's upcall dispatcher: exceptions, reflected system calls and
 * revocation requests go to the handlers the program set.
 *
 * An exception handler returns 0 when it dealt with the exception (the
 * context resumes at u->rip, which the handler may change), anything else to
 * decline. A declined or unhandled fault (rip at the faulting instruction)
 * is retried with upcalls switched off, so the kernel ends the program with
 * its usual one-line report; a declined trap (#DB, #BP: rip already past the
 * instruction) ends it here with a similar line and status 128 + vector.
 */
#include <exo/fmt.h>
#include <exo/lib.h>

extern char exo_upcall_entry[], exo_upcall_crit_start[], exo_upcall_crit_end[];

#define UPCALL_STACK_SIZE (64 * 1024) /* each level: a frame, a 4 KiB FPU area, the handler's stack */
/*
 * What every upcall writes, on pages of its own: the stack the kernel writes
 * frames on, and the dispatcher's state. A library OS that shares its other
 * writable pages copy-on-write (ExOS's fork) gives these private copies at
 * once (exo_upcall_private_range): the kernel cannot take a copy-on-write
 * fault for the frame it writes, and the dispatcher must run before any
 * page-fault handler can.
 */
static struct {
	char stack[UPCALL_STACK_SIZE];
	void *fpu_area; /* the saved vector state of the context the current handler interrupted */
	struct exo_upcall *current; /* the frame the current handler serves */
	int registered; /* written when a declined fault switches upcalls off */
	int via_kernel; /* exo_upcall_resume_via_kernel: every upcall resumes through the kernel */
} upcall_private __attribute__((aligned(4096)));
#define upcall_stack upcall_private.stack
#define fpu_area upcall_private.fpu_area
#define registered upcall_private.registered
#define current_frame upcall_private.current
#define via_kernel upcall_private.via_kernel

void exo_upcall_private_range(uint64_t *start, uint64_t *end)
{
	*start = (uint64_t)&upcall_private;
	*end = (*start + sizeof(upcall_private) + 4095) & ~4095UL;
}
static exo_exception_fn exception_handler[32];
static exo_syscall_fn syscall_handler;
static exo_revoke_fn revoke_handler;
static exo_slice_fn prologue_handler, epilogue_handler;

static long register_upcalls(void)
{
	if (registered)
		return 0;
	long r = sys_env_set_upcall(EXO_CAP_SELF, (unsigned long)exo_upcall_entry,
				    (unsigned long)(upcall_stack + UPCALL_STACK_SIZE), UPCALL_STACK_SIZE,
				    (unsigned long)exo_upcall_crit_start, (unsigned long)exo_upcall_crit_end);
	registered = r == 0;
	return r;
}

long exo_upcall_register_for(unsigned long env)
{
	return sys_env_set_upcall(env, (unsigned long)exo_upcall_entry, (unsigned long)(upcall_stack + UPCALL_STACK_SIZE),
				  UPCALL_STACK_SIZE, (unsigned long)exo_upcall_crit_start,
				  (unsigned long)exo_upcall_crit_end);
}

long exo_set_exception_handler(unsigned vector, exo_exception_fn fn)
{
	if (vector >= 32)
		return -EXO_EINVAL;
	exception_handler[vector] = fn;
	return register_upcalls();
}

long exo_set_pagefault_handler(exo_exception_fn fn) { return exo_set_exception_handler(EXO_VEC_PF, fn); }

long exo_set_syscall_handler(exo_syscall_fn fn)
{
	syscall_handler = fn;
	return register_upcalls();
}

long exo_set_revoke_handler(exo_revoke_fn fn)
{
	revoke_handler = fn;
	return register_upcalls();
}

long exo_set_slice_handlers(exo_slice_fn prologue, exo_slice_fn epilogue)
{
	prologue_handler = prologue;
	epilogue_handler = epilogue;
	return register_upcalls();
}

void exo_upcall_forget(void) { registered = 0; }

static void upcalls_off(void)
{
	sys_env_set_upcall(EXO_CAP_SELF, 0, 0, 0, 0, 0);
	registered = 0;
}

static void unhandled_exception(struct exo_upcall *u)
{
	upcalls_off();
	if (u->vector == EXO_VEC_DB || u->vector == EXO_VEC_BP) {
		printf("exo: unhandled trap (vector %lu) before rip 0x%lx\n", u->vector, u->rip);
		exit(128 + (int)u->vector);
	}
	/* A fault: resuming re-executes the instruction and the kernel reports it. */
}

void exo_fpu_restore(void *area);

void *exo_upcall_fpu_state(void) { return fpu_area; }

struct exo_upcall *exo_upcall_current(void) { return current_frame; }

void exo_upcall_resume_via_kernel(int on) { via_kernel = on; }

static void dispatch(struct exo_upcall *u);

void exo_upcall_dispatch(struct exo_upcall *u, void *fpu);
void exo_upcall_dispatch(struct exo_upcall *u, void *fpu)
{
	void *outer = fpu_area; /* upcalls nest */
	struct exo_upcall *outer_frame = current_frame;
	fpu_area = fpu;
	current_frame = u;
	dispatch(u);
	fpu_area = outer;
	current_frame = outer_frame;
	if ((u->regs.rflags & 0x100) || via_kernel) {
		/*
		 * The trap flag is to stay set (single-stepping): a user-mode
		 * popfq would trap before the resumed instruction. Or the
		 * context's stack may be gone, and the user-mode restore
		 * writes below its rsp. Either way let the kernel resume
		 * through iretq. Restore the vector state first.
		 */
		exo_fpu_restore(fpu);
		sys_upcall_resume(u);
	}
}

static void dispatch(struct exo_upcall *u)
{
	switch (u->type) {
	case EXO_UPCALL_EXCEPTION: {
		exo_exception_fn fn = u->vector < 32 ? exception_handler[u->vector] : NULL;
		if (!fn || fn(u) != 0)
			unhandled_exception(u);
		return;
	}
	case EXO_UPCALL_SYSCALL:
		if (syscall_handler) {
			u->regs.rax = (uint64_t)syscall_handler(&u->regs);
			return;
		}
		printf("exo: system call %lu at rip 0x%lx and no handler for it\n", u->regs.rax, u->rip - 2);
		exit(127);
	case EXO_UPCALL_REVOKE:
		if (revoke_handler)
			revoke_handler(u);
		return;
	case EXO_UPCALL_PROLOGUE: /* default: resume what was running */
		if (prologue_handler)
			prologue_handler(u);
		return;
	case EXO_UPCALL_EPILOGUE: /* default: give the rest of the slot back */
		if (epilogue_handler)
			epilogue_handler(u);
		else
			sys_yield();
		return;
	default:
		return;
	}
}
