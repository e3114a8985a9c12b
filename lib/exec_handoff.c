/*
 * The execve protocol's start-up side (inc/exos/api.h), shared by libexo's
 * and ExOS's start-up: find the handoff a library OS's execve left, and drop
 * what the old program held.
 */
#include <exo/kcall.h>
#include <exo/memlayout.h>
#include <exos/api.h>

const struct exos_exec_handoff *exo_exec_handoff_find(void)
{
	long bits = sys_binding_bits(EXO_CAP_SELF, EXOS_EXEC_HANDOFF_VA, 0);
	const struct exos_exec_handoff *h = (const struct exos_exec_handoff *)EXOS_EXEC_HANDOFF_VA;
	if (bits <= 0 || !(bits & EXO_BIND_PRESENT) || h->magic != EXOS_EXEC_MAGIC)
		return 0;
	return h;
}

void exo_exec_handoff_drop(const struct exos_exec_handoff *h)
{
	for (uint64_t i = 0; i < h->nold && i < EXOS_EXEC_MAX_PAGES; i++)
		sys_cap_drop(h->old[i]);
	sys_cap_drop(h->trampoline);
	uint32_t slots[32];
	uint64_t n = h->nhandoff < 32 ? h->nhandoff : 32;
	for (uint64_t i = 0; i < n; i++)
		slots[i] = h->handoff[i]; /* read them all before the handoff goes */
	for (uint64_t i = 0; i < n; i++)
		sys_cap_drop(slots[i]);
}
