/*
 * The time vector (inc/exo/info.h, docs/processor.md) and the end of the
 * system.
 *
 * Each CPU's time is EXO_NSLOTS slots of EXO_SLOT_TICKS ticks, repeating.
 * An owned slot belongs to its owner: it is entered at its prologue upcall,
 * warned by its epilogue upcall EXO_EPILOGUE_GRACE ticks before the end, and
 * preempted by force if it has not yielded when the slot ends (an overrun;
 * EXO_OVERRUN_LIMIT in a row cost it its next EXO_PENALTY_SLOTS slots). An
 * owner with no upcall entry gets no epilogue, so it is simply preempted.
 * An environment that owns slots runs only in them (or when one is donated
 * to it by directed yield). Unowned slots, and owned slots their owner
 * cannot use, are shared round-robin by the environments that own no slot.
 *
 * State below is per CPU (one CPU for now), protected by running with
 * interrupts off. The donee (directed yield, PCT: runs for the rest of the
 * slot) is in struct cpu, because trapentry.S's PCT fast path sets it too.
 */
#include <exo/info.h>
#include "env.h"
#include "vm.h"
#include "x86.h"

extern struct exo_info *info;
static uint32_t baseline_free; /* free pages before the first environment was made */
static uint32_t tick_in_slot;  /* ticks elapsed in the current slot */
static struct env *slot_holder; /* the owner using the current slot, or NULL when it is shared */
static bool owner_yielded;      /* slot_holder gave up the rest of its slot */
static uint32_t rr_last = NENV - 1; /* round robin among environments without slots */
static bool shared_fresh;       /* a shared slot began and no one has been picked to run in it yet */
static const struct env *last_shared; /* the environment picked last in a shared slot */

void sched_set_baseline(void) { baseline_free = pmem.free.count; }

/* No environment is left: check the books, then leave. */
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

static struct env *slot_owner_env(uint32_t slot)
{
	return info->slot_owner[slot] ? env_by_id(info->slot_owner[slot]) : NULL;
}

/* The slot that was running ends: was its owner still on the CPU? */
static void slot_end(void)
{
	struct env *o = slot_holder;
	if (!o)
		return;
	struct exo_envinfo *ei = o->einfo;
	o->prologue_pending = o->epilogue_pending = false;
	/* Only an owner that is told (it has an upcall entry, so it got the epilogue) can overrun. */
	if (!owner_yielded && this_cpu()->curenv == o && o->upcall_entry && info->slot_owner[info->cur_slot] == o->id) {
		ei->overruns++;
		if (++o->overrun_streak >= EXO_OVERRUN_LIMIT) {
			ei->penalty_slots += EXO_PENALTY_SLOTS;
			o->overrun_streak = 0;
		}
	} else {
		o->overrun_streak = 0;
	}
}

static void slot_begin(uint32_t slot)
{
	info->cur_slot = slot;
	tick_in_slot = 0;
	this_cpu()->donee = NULL;
	owner_yielded = false;
	slot_holder = NULL;
	shared_fresh = true;
	struct env *o = slot_owner_env(slot);
	if (!o || o->state != ENV_RUNNABLE)
		return;
	if (o->einfo->penalty_slots) {
		o->einfo->penalty_slots--;
		return; /* shared this time */
	}
	shared_fresh = false;
	slot_holder = o;
	o->einfo->slots_run++;
	o->prologue_pending = true;
}

bool sched_tick(void)
{
	struct env *cur = this_cpu()->curenv;
	info->ticks++;
	if (cur)
		cur->einfo->cpu_ticks++;
	if (++tick_in_slot == EXO_SLOT_TICKS - EXO_EPILOGUE_GRACE && slot_holder && !owner_yielded) {
		slot_holder->epilogue_pending = true;
	}
	if (tick_in_slot < EXO_SLOT_TICKS)
		return false;
	slot_end();
	slot_begin((uint32_t)(info->cur_slot + 1) % EXO_NSLOTS);
	return true;
}

/*
 * The next environment without slots, round robin, other than skip when
 * anyone else can run (an environment that got the CPU by donation did not
 * move rr_last, so round robin alone could hand a yielder back to itself).
 */
/*
 * May e be given the CPU now? Runnable, and not idle (an activation, a call
 * it serves, is scheduled even while its own context idles).
 */
static bool wants_cpu(const struct env *e)
{
	return e->state == ENV_RUNNABLE && (!e->idle_until || e->pct_active || info->ticks >= e->idle_until);
}

static struct env *next_shared(const struct env *skip)
{
	uint32_t n = env_slots_used;
	for (uint32_t k = 1; k <= n; k++) {
		uint32_t i = (rr_last + k) % n;
		if (wants_cpu(&envs[i]) && envs[i].nslots == 0 && &envs[i] != skip) {
			rr_last = i;
			return &envs[i];
		}
	}
	return skip && wants_cpu(skip) && skip->nslots == 0 ? (struct env *)skip : NULL;
}

/* Who runs now, by the rules above, preferring anyone but skip; NULL: nobody may. */
static struct env *sched_pick(const struct env *skip)
{
	struct cpu *c = this_cpu();
	if (c->donee && wants_cpu(c->donee))
		return c->donee;
	c->donee = NULL;
	if (slot_holder && !owner_yielded && wants_cpu(slot_holder))
		return slot_holder;
	struct env *e = next_shared(skip);
	if (e && !slot_holder && (shared_fresh || e != last_shared)) {
		/* Its turn begins (first in a shared slot, or after another ran): its prologue, if it asked. */
		shared_fresh = false;
		e->prologue_pending = e->shared_prologue;
	}
	if (e && !slot_holder)
		last_shared = e;
	return e;
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
	if (prefer && prefer->state == ENV_RUNNABLE)
		this_cpu()->donee = prefer;
	for (;;) {
		struct env *e = sched_pick(NULL);
		if (e)
			env_run(e);
		if (env_count() == 0 || (reap_unstartable() && env_count() == 0))
			all_done();
		idle_once();
	}
}

void sched_yield(void)
{
	struct env *cur = this_cpu()->curenv;
	if (cur == slot_holder)
		owner_yielded = true;
	if (cur == this_cpu()->donee)
		this_cpu()->donee = NULL;
	struct env *next = sched_pick(cur); /* run what it picked: picking again would move round robin twice */
	if (next == cur) /* nobody else wants the CPU: idle until something happens */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	if (next && next->state == ENV_RUNNABLE)
		env_run(next);
	sched_run(NULL);
}

void sched_idle(uint64_t ticks)
{
	struct env *cur = this_cpu()->curenv;
	cur->idle_until = info->ticks + ticks;
	sched_yield();
}

void sched_donate(struct env *t) { this_cpu()->donee = t; }

void sched_forget(struct env *e)
{
	if (slot_holder == e)
		slot_holder = NULL;
	if (this_cpu()->donee == e)
		this_cpu()->donee = NULL;
}
