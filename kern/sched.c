/*
 * A round-robin scheduler over runnable environments, and the end of the
 * system: when no environment is left the kernel checks that every page
 * came back and powers off. (The processor issue replaces round robin with
 * the time vector.)
 */
#include <exo/info.h>
#include "env.h"
#include "vm.h"
#include "x86.h"

extern struct exo_info *info;
static uint32_t baseline_free; /* free pages before the first environment was made */
static int last_slot = -1;

void sched_set_baseline(void) { baseline_free = pmem.free.count; }

/* No environment is left: check the page books, then leave. */
static NORETURN void all_done(void)
{
	int bad = pmem_check(&pmem);
	kernel_check_all();
	uint32_t now = pmem.free.count;

	kprintf("exo: no environments left; free pages %u (at start %u)\n", now, baseline_free);
	if (bad)
		kprintf("exo: FAIL page records inconsistent (%d)\n", bad);
	if (now != baseline_free)
		kprintf("exo: FAIL %d pages leaked\n", (int)(baseline_free - now));
	kprintf("exo: powering off\n");
	power_off(bad == 0 && now == baseline_free);
}

/* Wait for any interrupt with interrupts briefly on; handlers run on this stack. */
static void idle_once(void)
{
	this_cpu()->curenv = NULL;
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

static struct env *next_runnable(int after)
{
	for (int k = 1; k <= NENV; k++) {
		int i = (after + k) % NENV;
		if (envs[i].state == ENV_RUNNABLE)
			return &envs[i];
	}
	return NULL;
}

/* Nothing can run and nothing waits: environments never started can never start now. */
static bool reap_unstartable(void)
{
	for (int i = 0; i < NENV; i++)
		if (envs[i].state == ENV_RUNNABLE || envs[i].state == ENV_WAIT_MEM)
			return false;
	for (int i = 0; i < NENV; i++)
		if (envs[i].state == ENV_NEW)
			env_destroy(&envs[i], "was never started and nobody is left to start it");
	return true;
}

void sched_run(struct env *prefer)
{
	for (;;) {
		struct env *e = prefer && prefer->state == ENV_RUNNABLE ? prefer : NULL;
		if (!e)
			e = next_runnable(last_slot < 0 ? NENV - 1 : last_slot);
		prefer = NULL;
		if (e) {
			last_slot = (int)(e - envs);
			env_run(e);
		}
		if (env_count() == 0 || (reap_unstartable() && env_count() == 0))
			all_done();
		idle_once();
	}
}

/* The current environment gives up the CPU; its context is already saved in its tf. */
void sched_yield(void)
{
	struct env *cur = this_cpu()->curenv;
	int slot = cur ? (int)(cur - envs) : last_slot;
	struct env *e = next_runnable(slot);

	if (e == cur && cur) { /* nobody else wants the CPU: idle until something happens */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	sched_run(e);
}
