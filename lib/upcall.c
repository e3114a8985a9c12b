/*
 * libexo's upcall dispatcher: page faults and revocation requests go to the
 * handlers the program set. A page fault with no handler (or one the handler
 * declines) turns the upcall off and retries the access, so the kernel ends
 * the program with its usual report.
 */
#include <exo/lib.h>

extern char exo_upcall_entry[], exo_upcall_crit_start[], exo_upcall_crit_end[];

#define UPCALL_STACK_SIZE (16 * 1024)
static char upcall_stack[UPCALL_STACK_SIZE] __attribute__((aligned(16)));
static exo_pagefault_fn pagefault_handler;
static exo_revoke_fn revoke_handler;
static int registered;

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

long exo_set_pagefault_handler(exo_pagefault_fn fn)
{
	pagefault_handler = fn;
	return register_upcalls();
}

long exo_set_revoke_handler(exo_revoke_fn fn)
{
	revoke_handler = fn;
	return register_upcalls();
}

void exo_upcall_forget(void) { registered = 0; }

void exo_upcall_dispatch(struct exo_upcall *u);
void exo_upcall_dispatch(struct exo_upcall *u)
{
	switch (u->type) {
	case EXO_UPCALL_PAGEFAULT:
		if (pagefault_handler && pagefault_handler(u) == 0)
			return;
		/* Unhandled: let the kernel see the fault again, with no handler this time. */
		sys_env_set_upcall(EXO_CAP_SELF, 0, 0, 0, 0, 0);
		registered = 0;
		return;
	case EXO_UPCALL_REVOKE:
		if (revoke_handler)
			revoke_handler(u);
		return;
	default:
		return;
	}
}
