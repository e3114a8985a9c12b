/*
 * The memory kernel calls: allocation by page number or run, capabilities
 * (drop, grant, revoke), secure bindings (bind, unbind, protect, batch,
 * accessed/dirty bits), and the visible-revocation and abort protocols.
 *
 * Quotas are guarantees: the sum over all environments never exceeds what
 * the kernel can give (the pages free when the first environment was made).
 * Above its quota an environment may still take free pages. When none is
 * free and an environment below its quota asks, the environment furthest
 * above its quota is asked to give pages back (an upcall naming how many and
 * by which tick) while the asker waits; after REVOKE_GRACE_TICKS the kernel
 * takes the pages itself (abort protocol) and records each in the victim's
 * repossession vector. docs/memory.md has the full story.
 */
#include <exo/error.h>
#include <exo/info.h>
#include "bind.h"
#include "cap.h"
#include "kcall.h"
#include "uaccess.h"
#include "vm.h"

#define REVOKE_GRACE_TICKS (EXO_TICK_HZ / 20) /* 50 ms: documented in docs/memory.md */
#define REVOKE_BATCH 16      /* ask for at least this many pages, so one request serves several allocations */

extern struct exo_info *info;
uint64_t quota_capacity;

static struct env *self(void) { return this_cpu()->curenv; }

uint64_t quota_sum(const struct env *except)
{
	uint64_t sum = 0;
	for (int i = 0; i < NENV; i++)
		if (envs[i].state != ENV_FREE && &envs[i] != except)
			sum += envs[i].quota;
	return sum;
}

/* Does v pay for any page it could give back (memory, not its kernel structures)? */
static bool has_user_pages(const struct env *v)
{
	for (uint32_t p = v->pages.head; p != PPN_NIL; p = pmem.pages[p].next)
		if (pmem.pages[p].type == PAGE_USER)
			return true;
	return false;
}

/* The environment furthest above its quota (not e) that has memory to give back, or NULL. */
static struct env *most_over_quota(const struct env *e)
{
	struct env *best = NULL;
	uint64_t over = 0;
	for (int i = 0; i < NENV; i++) {
		struct env *v = &envs[i];
		if (v == e || v->state == ENV_FREE || env_usage(v) <= v->quota || !has_user_pages(v))
			continue;
		if (env_usage(v) - v->quota > over) {
			over = env_usage(v) - v->quota;
			best = v;
		}
	}
	return best;
}

/*
 * No pending request has a deadline before this tick (it may be earlier than the earliest: a request
 * met or withdrawn leaves it), so mem_tick looks at the environments only from then on.
 */
static uint64_t next_deadline = UINT64_MAX;

/* Ask v for n pages back (if it is not already asked). */
static void revoke_request(struct env *v, uint64_t n)
{
	struct exo_envinfo *ei = v->einfo;
	if (ei->revoke_pages)
		return;
	uint64_t over = env_usage(v) - v->quota;
	ei->revoke_pages = n < over ? n : over;
	ei->revoke_deadline = info->ticks + REVOKE_GRACE_TICKS;
	if (ei->revoke_deadline < next_deadline)
		next_deadline = ei->revoke_deadline;
	v->revoke_target_usage = env_usage(v) - ei->revoke_pages;
	v->revoke_notified = false;
}

/* Requests that are met are withdrawn; waiters wake when a page is free. */
void mem_after_free(void)
{
	bool withdrawn = false;
	for (int i = 0; i < NENV; i++) {
		struct env *v = &envs[i];
		if (v->state != ENV_FREE && v->einfo->revoke_pages &&
		    (env_usage(v) <= v->revoke_target_usage || env_usage(v) <= v->quota)) {
			v->einfo->revoke_pages = 0;
			withdrawn = true;
		}
	}
	/*
	 * Waiters retry when a page is free, or when a request is met: the victim
	 * may have met it by dropping pages others still hold (the charge moved,
	 * nothing was freed); the retry then asks someone else or fails.
	 */
	if (pmem.free.count > 0 || withdrawn)
		env_wake_memory_waiters();
}

/* Abort protocol: take the asked-for pages from v by force, newest capabilities first. */
static void repossess(struct env *v)
{
	uint64_t want = v->einfo->revoke_pages, taken = 0;
	for (uint32_t s = EXO_NCAPS; s-- > 1 && env_usage(v) > v->revoke_target_usage;) {
		const struct exo_cap *c = &v->caps[s];
		if (c->type != EXO_CAP_PAGE || pmem.pages[c->object].owner != v->id)
			continue;
		cap_delete_all_of_page(c->object, EXO_REPO_REPOSSESSED);
		taken++;
	}
	kprintf("exo: env %u '%s' did not give back %lu pages in time: %lu repossessed\n", v->id, v->name,
		(unsigned long)want, (unsigned long)taken);
	v->einfo->revoke_pages = 0;
}

void mem_tick(void)
{
	if (info->ticks < next_deadline)
		return;
	bool took = false;
	next_deadline = UINT64_MAX;
	for (int i = 0; i < NENV; i++) {
		struct env *v = &envs[i];
		if (v->state == ENV_FREE || !v->einfo->revoke_pages)
			continue;
		if (info->ticks >= v->einfo->revoke_deadline) {
			repossess(v);
			took = true;
		} else if (v->einfo->revoke_deadline < next_deadline) {
			next_deadline = v->einfo->revoke_deadline;
		}
	}
	if (took)
		mem_after_free();
}

/* No free page for e: ask for some back and wait, or fail. */
static long mem_pressure(struct env *e, uint64_t n)
{
	if (env_usage(e) + n > e->quota)
		return -EXO_ENOMEM; /* at or above its guarantee: nothing to claim */
	struct env *v = most_over_quota(e);
	if (!v)
		return -EXO_ENOMEM;
	revoke_request(v, n > REVOKE_BATCH ? n : REVOKE_BATCH);
	kcall_wait_memory_and_retry(v);
}

long kc_page_alloc(unsigned long ppn)
{
	struct env *e = self();
	if (ppn != EXO_PPN_ANY && (ppn >= pmem.npages || pmem.pages[ppn].type == PAGE_ABSENT))
		return -EXO_EINVAL;
	if (ppn != EXO_PPN_ANY && pmem.pages[ppn].type != PAGE_FREE)
		return -EXO_EBUSY;
	long slot = cap_free_slot(e);
	if (slot < 0)
		return slot;
	if (ppn == EXO_PPN_ANY) {
		if (pmem.free.count == 0)
			return mem_pressure(e, 1);
		ppn = pmem.free.head;
	}
	pmem_take(&pmem, (uint32_t)ppn, PAGE_USER, e->id, &e->pages);
	memset(P2V(ppn << PAGE_SHIFT), 0, PAGE_SIZE);
	cap_make_root(e, (uint32_t)slot, EXO_CAP_PAGE, EXO_RIGHTS_PAGE_ALL, (uint32_t)ppn);
	return slot;
}

long kc_page_alloc_run(unsigned long npages, unsigned long align)
{
	struct env *e = self();
	if (npages == 0 || npages > EXO_RUN_MAX || align == 0 || (align & (align - 1)) || align > (1UL << 18))
		return -EXO_EINVAL;
	long first_slot = cap_free_run(e, (uint32_t)npages);
	if (first_slot < 0)
		return first_slot;
	uint32_t first = pmem_alloc_run(&pmem, (uint32_t)npages, (uint32_t)align, PAGE_USER, e->id, &e->pages);
	if (first == PPN_NIL)
		return -EXO_ENOMEM;
	for (uint32_t i = 0; i < npages; i++) {
		memset(P2V((uint64_t)(first + i) << PAGE_SHIFT), 0, PAGE_SIZE);
		cap_make_root(e, (uint32_t)first_slot + i, EXO_CAP_PAGE, EXO_RIGHTS_PAGE_ALL, first + i);
	}
	return first_slot;
}

long kc_cap_drop(unsigned long slot)
{
	struct env *e = self();
	if (slot == EXO_CAP_SELF || slot >= EXO_NCAPS || e->caps[slot].type == EXO_CAP_NONE)
		return -EXO_EBADCAP;
	cap_delete(cap_id(e, (uint32_t)slot), 0);
	mem_after_free();
	return 0;
}

long kc_cap_grant(unsigned long slot, unsigned long env, unsigned long rights)
{
	struct env *e = self(), *target;
	if (slot >= EXO_NCAPS || e->caps[slot].type == EXO_CAP_NONE)
		return -EXO_EBADCAP;
	long parent = cap_lookup(e, slot, e->caps[slot].type, EXO_RIGHT_GRANT);
	if (parent < 0)
		return parent;
	long envcap = cap_lookup_env(e, env, 0, &target);
	if (envcap < 0)
		return envcap;
	if (rights & ~(uint64_t)(EXO_RIGHTS_PAGE_ALL | EXO_RIGHT_CONTROL))
		return -EXO_EINVAL;
	if ((rights & e->caps[slot].rights) != rights)
		return -EXO_EPERM;
	long to = cap_free_slot(target);
	if (to < 0)
		return to;
	cap_make_child((uint32_t)parent, target, (uint32_t)to, (unsigned)rights);
	return to;
}

/* cap_grant_batch: the grants, copied in and checked whole before any is made. */
static struct exo_grant_op grant_ops[EXO_BATCH_MAX];
static uint32_t grant_parent[EXO_BATCH_MAX];
static uint64_t grant_to_seen[EXO_NCAPS / 64]; /* to_slots of this batch; all clear between calls */
static uint64_t grant_src_seen[EXO_NCAPS / 64];  /* source slots of this batch, likewise */
static uint64_t grant_src_moved[EXO_NCAPS / 64]; /* source slots a grant of this batch moves, likewise */

/* Check grant i from e to target: its source capability id, or an error. */
static long check_grant_op(struct env *e, struct env *target, const struct exo_grant_op *op)
{
	if (op->slot >= EXO_NCAPS || e->caps[op->slot].type == EXO_CAP_NONE)
		return -EXO_EBADCAP;
	long parent = cap_lookup(e, op->slot, e->caps[op->slot].type, EXO_RIGHT_GRANT);
	if (parent < 0)
		return parent;
	if ((op->rights & ~(uint32_t)(EXO_RIGHTS_PAGE_ALL | EXO_RIGHT_CONTROL)) || (op->flags & ~(uint32_t)EXO_GRANT_MOVE))
		return -EXO_EINVAL;
	if ((op->rights & e->caps[op->slot].rights) != op->rights)
		return -EXO_EPERM;
	/* A moved slot goes away: it must be a page, and no other grant of the batch may use it. */
	uint64_t bit = 1ULL << (op->slot % 64);
	bool move = op->flags & EXO_GRANT_MOVE;
	if ((grant_src_moved[op->slot / 64] & bit) || (move && (grant_src_seen[op->slot / 64] & bit)) ||
	    (move && e->caps[op->slot].type != EXO_CAP_PAGE))
		return -EXO_EINVAL;
	grant_src_seen[op->slot / 64] |= bit;
	if (move)
		grant_src_moved[op->slot / 64] |= bit;
	if (op->to_slot == EXO_CAP_SELF || op->to_slot >= EXO_NCAPS)
		return -EXO_EINVAL;
	if (grant_to_seen[op->to_slot / 64] & (1ULL << (op->to_slot % 64)))
		return -EXO_EINVAL;
	grant_to_seen[op->to_slot / 64] |= 1ULL << (op->to_slot % 64);
	return target->caps[op->to_slot].type == EXO_CAP_NONE ? parent : -EXO_EBUSY;
}

static void grant_seen_clear(size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (grant_ops[i].to_slot < EXO_NCAPS)
			grant_to_seen[grant_ops[i].to_slot / 64] = 0;
		if (grant_ops[i].slot < EXO_NCAPS)
			grant_src_seen[grant_ops[i].slot / 64] = grant_src_moved[grant_ops[i].slot / 64] = 0;
	}
}

long kc_cap_grant_batch(unsigned long env, const struct exo_grant_op *ops, unsigned long n)
{
	struct env *e = self(), *target;
	long err = cap_lookup_env(e, env, 0, &target);
	if (err < 0)
		return err;
	if (n == 0 || n > EXO_BATCH_MAX)
		return -EXO_EINVAL;
	if (copy_from_user(grant_ops, (uint64_t)ops, n * sizeof(*ops)) < 0)
		return -EXO_EFAULT;
	for (size_t i = 0; i < n && err >= 0; i++) {
		err = check_grant_op(e, target, &grant_ops[i]);
		grant_parent[i] = (uint32_t)err;
	}
	grant_seen_clear(n);
	if (err < 0)
		return err;
	bool moved = false;
	for (size_t i = 0; i < n; i++) {
		cap_make_child(grant_parent[i], target, grant_ops[i].to_slot, grant_ops[i].rights);
		if (grant_ops[i].flags & EXO_GRANT_MOVE) {
			cap_delete(grant_parent[i], 0); /* the new capability hangs from its parent now */
			moved = true;
		}
	}
	if (moved)
		mem_after_free();
	return (long)n;
}

long kc_cap_revoke(unsigned long slot)
{
	struct env *e = self();
	if (slot >= EXO_NCAPS || e->caps[slot].type == EXO_CAP_NONE)
		return -EXO_EBADCAP;
	long n = cap_revoke_descendants(cap_id(e, (uint32_t)slot), EXO_REPO_REVOKED);
	mem_after_free();
	return n;
}

/* The environment a binding call acts on: needs CONTROL over it. */
static long bind_target(unsigned long env, struct env **target)
{
	return cap_lookup_env(self(), env, EXO_RIGHT_CONTROL, target);
}

/* Check one bind through slot of holder's table: returns the capability id or an error. */
static long check_bind(struct env *holder, uint64_t va, uint64_t slot, uint64_t prot)
{
	long err = bind_check_va(va);
	if (!err)
		err = bind_check_prot(prot);
	if (err)
		return err;
	unsigned need = (unsigned)prot | EXO_RIGHT_R;
	return cap_lookup(holder, slot, EXO_CAP_PAGE, need);
}

/* Check a protect of an existing binding in t. */
static long check_protect(struct env *t, uint64_t va, uint64_t prot)
{
	long err = bind_check_va(va);
	if (!err)
		err = bind_check_prot(prot);
	if (err)
		return err;
	struct rmap *r = binding_of(t, va);
	if (!r)
		return -EXO_ENOENT;
	unsigned have = cap_get(r->capid)->rights;
	return ((prot | EXO_RIGHT_R) & ~(uint64_t)have) ? -EXO_EPERM : 0;
}

long kc_bind(unsigned long env, unsigned long va, unsigned long slot, unsigned long prot)
{
	struct env *t;
	long err = bind_target(env, &t);
	if (err < 0)
		return err;
	long id = check_bind(self(), va, slot, prot);
	if (id < 0)
		return id;
	/* Page tables (and a reverse-map page) may be needed: under pressure, ask for pages back as page_alloc does. */
	uint64_t need = bind_tables_needed(t, &va, 1) + 1;
	if (pmem.free.count < need)
		return mem_pressure(t, need);
	return bind_page(t, va, (uint32_t)id, (unsigned)prot | EXO_PROT_R);
}

/* The environment and page-aligned bindable address a call acts on; 0 or an error. */
static long bind_target_va(unsigned long env, unsigned long va, struct env **target)
{
	long err = bind_target(env, target);
	return err < 0 ? err : bind_check_va(va);
}

long kc_unbind(unsigned long env, unsigned long va)
{
	struct env *t;
	long err = bind_target_va(env, va, &t);
	return err < 0 ? err : unbind_page(t, va);
}

long kc_protect(unsigned long env, unsigned long va, unsigned long prot)
{
	struct env *t;
	long err = bind_target(env, &t);
	if (err < 0)
		return err;
	if ((err = check_protect(t, va, prot)) < 0)
		return err;
	protect_page(t, va, (unsigned)prot | EXO_PROT_R);
	return 0;
}

long kc_binding_bits(unsigned long env, unsigned long va, unsigned long clear)
{
	struct env *t;
	long err = bind_target_va(env, va, &t);
	if (err < 0)
		return err;
	if (clear > 1)
		return -EXO_EINVAL;
	return binding_bits(t, va, clear);
}

/* The batch is copied in and checked whole before anything changes. */
static struct exo_bind_op batch_ops[EXO_BATCH_MAX];
static uint64_t batch_vas[EXO_BATCH_MAX];
static uint32_t batch_ids[EXO_BATCH_MAX];
static pte_t *batch_pte[EXO_BATCH_MAX]; /* a PROTECT's entry, found while checking, or NULL */

/* Did any op before i bind or unbind? (Otherwise op i sees only bindings in place.) */
static size_t batch_first_change;
static bool batch_changes_before(size_t i) { return batch_first_change < i; }

static bool is_bind_op(const struct exo_bind_op *op) { return op->op == EXO_OP_BIND || op->op == EXO_OP_BIND_THEIRS; }

/*
 * Check op i against the state the earlier ops of the batch will leave
 * (a protect or unbind may follow a bind of the same page in the batch).
 */
static long check_batch_op(struct env *t, size_t i)
{
	const struct exo_bind_op *op = &batch_ops[i];
	long r;

	switch (op->op) {
	case EXO_OP_BIND:
	case EXO_OP_BIND_THEIRS:
		r = check_bind(op->op == EXO_OP_BIND ? self() : t, op->va, op->slot, op->prot);
		if (r >= 0)
			batch_ids[i] = (uint32_t)r;
		return r < 0 ? r : 0;
	case EXO_OP_UNBIND:
	case EXO_OP_PROTECT: {
		if ((r = bind_check_va(op->va)) < 0 || (op->op == EXO_OP_PROTECT && (r = bind_check_prot(op->prot)) < 0))
			return r;
		/* The binding it acts on: the last earlier bind of va in the batch, or the one in place. */
		long have = -1;
		for (size_t j = batch_changes_before(i) ? i : 0; j-- > 0;) {
			if (batch_ops[j].va != op->va)
				continue;
			have = batch_ops[j].op == EXO_OP_UNBIND ? -2 : (is_bind_op(&batch_ops[j]) ? (long)j : -1);
			if (have != -1)
				break;
		}
		uint32_t capid;
		batch_pte[i] = NULL;
		if (have == -2)
			return -EXO_ENOENT;
		if (have >= 0) {
			capid = batch_ids[have];
		} else {
			pte_t *pte;
			struct rmap *rm = binding_of_pte(t, op->va, &pte);
			if (!rm)
				return -EXO_ENOENT;
			capid = rm->capid;
			batch_pte[i] = pte; /* page tables are never freed in a batch: it stays valid */
		}
		if (op->op == EXO_OP_PROTECT && ((op->prot | EXO_RIGHT_R) & ~(uint64_t)cap_get(capid)->rights))
			return -EXO_EPERM;
		return 0;
	}
	default:
		return -EXO_EINVAL;
	}
}

long kc_bind_batch(unsigned long env, const struct exo_bind_op *ops, unsigned long n)
{
	struct env *t;
	long err = bind_target(env, &t);
	if (err < 0)
		return err;
	if (n == 0 || n > EXO_BATCH_MAX)
		return -EXO_EINVAL;
	if (copy_from_user(batch_ops, (uint64_t)ops, n * sizeof(*ops)) < 0)
		return -EXO_EFAULT;
	size_t nbind = 0;
	batch_first_change = n;
	for (size_t i = 0; i < n; i++)
		if (is_bind_op(&batch_ops[i]) || batch_ops[i].op == EXO_OP_UNBIND) {
			batch_first_change = i;
			break;
		}
	for (size_t i = 0; i < n; i++) {
		if ((err = check_batch_op(t, i)) < 0)
			return err;
		if (is_bind_op(&batch_ops[i]))
			batch_vas[nbind++] = batch_ops[i].va;
	}
	/* Reserve what the binds may need so that applying cannot fail half-way. */
	uint64_t tables = bind_tables_needed(t, batch_vas, nbind);
	uint64_t rmap_pages = (nbind * sizeof(struct rmap) + PAGE_SIZE - 1) / PAGE_SIZE;
	if (pmem.free.count < tables + rmap_pages + 1)
		return mem_pressure(t, tables + rmap_pages + 1); /* ask for pages back and retry, or ENOMEM */
	if (rmap_reserve(t, nbind) < 0)
		return -EXO_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct exo_bind_op *op = &batch_ops[i];
		if (is_bind_op(op))
			err = bind_page(t, op->va, batch_ids[i], op->prot | EXO_PROT_R);
		else if (op->op == EXO_OP_UNBIND)
			err = unbind_page(t, op->va);
		else if (batch_pte[i])
			protect_pte(t, op->va, batch_pte[i], op->prot | EXO_PROT_R);
		else
			protect_page(t, op->va, op->prot | EXO_PROT_R);
		assert(err == 0);
	}
	return (long)n;
}
