/*
 * Environment kernel calls: create, set up upcalls, start, destroy, set the
 * quota, ask the status. Authority over an environment is an environment
 * capability with EXO_RIGHT_CONTROL, never being its creator.
 */
#include <exo/error.h>
#include <exo/info.h>
#include "cap.h"
#include "kcall.h"
#include "vm.h"


extern struct exo_info *info;

static struct env *self(void) { return this_cpu()->curenv; }

static bool user_addr_ok(uint64_t va) { return va >= USER_MIN && va <= EXO_BIND_TOP; }

long kc_env_create(unsigned long quota)
{
	struct env *e = self(), *child;
	if (quota > quota_capacity || quota_sum(NULL) + quota > quota_capacity)
		return -EXO_EQUOTA;
	long slot = cap_free_slot(e);
	if (slot < 0)
		return slot;
	long err = env_create_empty(quota, &child);
	if (err < 0)
		return err;
	cap_make_root(e, (uint32_t)slot, EXO_CAP_ENV, EXO_RIGHTS_ENV_ALL, child->id);
	return slot;
}

long kc_env_set_upcall(unsigned long env, unsigned long entry, unsigned long stack_top, unsigned long stack_size,
		       unsigned long crit_start, unsigned long crit_end)
{
	struct env *t;
	long err = cap_lookup_env(self(), env, EXO_RIGHT_CONTROL, &t);
	if (err < 0)
		return err;
	if (entry == 0) {
		t->upcall_entry = 0;
		return 0;
	}
	if (!user_addr_ok(entry) || entry == EXO_BIND_TOP || !user_addr_ok(stack_top) || (stack_top & 15) ||
	    stack_size < EXO_UPCALL_ROOM + sizeof(struct exo_upcall) ||
	    stack_size > stack_top - USER_MIN || crit_start > crit_end || (crit_start && !user_addr_ok(crit_start)) ||
	    (crit_end && !user_addr_ok(crit_end)))
		return -EXO_EINVAL;
	t->upcall_entry = entry;
	t->upcall_stack_top = stack_top;
	t->upcall_stack_size = stack_size;
	t->crit_start = crit_start;
	t->crit_len = crit_end - crit_start;
	return 0;
}

long kc_env_start(unsigned long env, unsigned long rip, unsigned long rsp, unsigned long arg)
{
	struct env *t;
	long err = cap_lookup_env(self(), env, EXO_RIGHT_CONTROL, &t);
	if (err < 0)
		return err;
	if (t->state != ENV_NEW)
		return -EXO_EBUSY;
	if (!user_addr_ok(rip) || !user_addr_ok(rsp))
		return -EXO_EINVAL;
	t->tf.rip = rip;
	t->tf.rsp = rsp;
	t->tf.rdi = arg;
	t->state = ENV_RUNNABLE;
	return 0;
}

long kc_env_destroy(unsigned long env)
{
	struct env *t;
	long err = cap_lookup_env(self(), env, EXO_RIGHT_CONTROL, &t);
	if (err < 0)
		return err;
	bool me = t == self();
	env_destroy(t, me ? "destroyed itself" : "destroyed");
	mem_after_free();
	if (me)
		sched_run(NULL);
	return 0;
}

long kc_env_set_quota(unsigned long env, unsigned long pages)
{
	struct env *t;
	long err = cap_lookup_env(self(), env, EXO_RIGHT_CONTROL, &t);
	if (err < 0)
		return err;
	if (pages > quota_capacity || quota_sum(t) + pages > quota_capacity)
		return -EXO_EQUOTA;
	t->quota = pages;
	t->einfo->quota = pages;
	return 0;
}

long kc_slot_alloc(unsigned long slot)
{
	struct env *e = self();
	if (slot == EXO_SLOT_ANY) {
		for (slot = 0; slot < EXO_NSLOTS && info->slot_owner[slot]; slot++)
			;
		if (slot == EXO_NSLOTS)
			return -EXO_EBUSY;
	}
	if (slot >= EXO_NSLOTS)
		return -EXO_EINVAL;
	if (info->slot_owner[slot])
		return -EXO_EBUSY;
	long cs = cap_free_slot(e);
	if (cs < 0)
		return cs;
	cap_make_root(e, (uint32_t)cs, EXO_CAP_SLOT, 0, (uint32_t)slot);
	info->slot_owner[slot] = e->id;
	e->nslots++;
	return cs;
}

long kc_sched_prologue(unsigned long on)
{
	if (on > 1)
		return -EXO_EINVAL;
	self()->shared_prologue = on;
	return 0;
}

long kc_env_status(unsigned long env)
{
	struct env *t;
	long err = cap_lookup_env(self(), env, 0, &t);
	if (err < 0)
		return err;
	return t->state == ENV_NEW ? 0 : t->state == ENV_RUNNABLE ? 1 : t->state == ENV_WAIT_MEM ? 2 : 3;
}
