/*
 * Capability tables and the derivation tree; see cap.h.
 *
 * Page accounting: a page of type USER is named by page->ncaps capabilities
 * and is charged to one environment (page->owner, and it sits on that
 * environment's page list). When the charged environment's last capability
 * for the page goes while others remain, the charge moves to a remaining
 * holder; when the last capability goes, the page is freed. Bindings exist
 * only through capabilities: deleting a capability unbinds what was bound
 * through it.
 */
#include <exo/error.h>
#include "bind.h"
#include "cap.h"
#include "vm.h"
#include <exo/info.h>

extern struct exo_info *info;

void slot_release(struct env *e, uint32_t slot)
{
	info->slot_owner[slot] = 0;
	e->nslots--;
}

long cap_lookup(struct env *e, uint64_t slot, int type, unsigned need)
{
	if (slot >= EXO_NCAPS)
		return -EXO_EBADCAP;
	const struct exo_cap *c = &e->caps[slot];
	if (c->type != type)
		return -EXO_EBADCAP;
	if ((c->rights & need) != need)
		return -EXO_EPERM;
	return cap_id(e, (uint32_t)slot);
}

long cap_lookup_env(struct env *e, uint64_t slot, unsigned need, struct env **target)
{
	long id = cap_lookup(e, slot, EXO_CAP_ENV, need);
	if (id < 0)
		return id;
	*target = env_by_id(cap_get((uint32_t)id)->object);
	return *target ? id : -EXO_ENOENT;
}

long cap_free_slot(struct env *e)
{
	for (uint32_t s = 1; s < EXO_NCAPS; s++)
		if (e->caps[s].type == EXO_CAP_NONE)
			return s;
	return -EXO_ENOSPC;
}

long cap_free_run(struct env *e, uint32_t n)
{
	uint32_t run = 0;
	for (uint32_t s = 1; s < EXO_NCAPS; s++) {
		run = e->caps[s].type == EXO_CAP_NONE ? run + 1 : 0;
		if (run == n)
			return s + 1 - n;
	}
	return -EXO_ENOSPC;
}

static void cap_fill(struct exo_cap *c, int type, unsigned rights, uint32_t object)
{
	*c = (struct exo_cap){
		.type = (uint8_t)type,
		.rights = (uint8_t)rights,
		.object = object,
		.parent = EXO_CAPID_NIL,
		.first_child = EXO_CAPID_NIL,
		.next_sibling = EXO_CAPID_NIL,
		.prev_sibling = EXO_CAPID_NIL,
	};
	if (type == EXO_CAP_PAGE)
		pmem.pages[object].ncaps++;
}

void cap_make_root(struct env *e, uint32_t slot, int type, unsigned rights, uint32_t object)
{
	cap_fill(&e->caps[slot], type, rights, object);
}

/* Link child id under parent id (at the head of its children). */
static void tree_link(uint32_t parent, uint32_t id)
{
	struct exo_cap *p = cap_get(parent), *c = cap_get(id);
	c->parent = parent;
	c->prev_sibling = EXO_CAPID_NIL;
	c->next_sibling = p->first_child;
	if (p->first_child != EXO_CAPID_NIL)
		cap_get(p->first_child)->prev_sibling = id;
	p->first_child = id;
}

static void tree_unlink(uint32_t id)
{
	struct exo_cap *c = cap_get(id);
	if (c->prev_sibling != EXO_CAPID_NIL)
		cap_get(c->prev_sibling)->next_sibling = c->next_sibling;
	else if (c->parent != EXO_CAPID_NIL)
		cap_get(c->parent)->first_child = c->next_sibling;
	if (c->next_sibling != EXO_CAPID_NIL)
		cap_get(c->next_sibling)->prev_sibling = c->prev_sibling;
	c->parent = c->next_sibling = c->prev_sibling = EXO_CAPID_NIL;
}

void cap_make_child(uint32_t parent, struct env *e, uint32_t slot, unsigned rights)
{
	const struct exo_cap *p = cap_get(parent);
	uint32_t id = cap_id(e, slot);
	cap_fill(&e->caps[slot], p->type, rights, p->object);
	tree_link(parent, id);
}

static void repo_record(struct env *e, uint32_t slot, int reason, uint64_t ppn)
{
	struct exo_envinfo *ei = e->einfo;
	ei->repo[ei->nrepo % EXO_REPO_MAX] = (struct exo_repo_entry){slot, (uint32_t)reason, ppn};
	ei->nrepo++;
}

/* Another holder of ppn than skip, preferring one in env prefer; EXO_CAPID_NIL if none. */
static uint32_t find_other_holder(uint32_t ppn, uint32_t skip, struct env *prefer)
{
	for (uint32_t s = 0; s < EXO_NCAPS; s++) {
		uint32_t id = cap_id(prefer, s);
		if (id != skip && prefer->caps[s].type == EXO_CAP_PAGE && prefer->caps[s].object == ppn)
			return id;
	}
	for (int i = 0; i < NENV; i++) {
		if (envs[i].state == ENV_FREE || &envs[i] == prefer)
			continue;
		for (uint32_t s = 0; s < EXO_NCAPS; s++)
			if (envs[i].caps[s].type == EXO_CAP_PAGE && envs[i].caps[s].object == ppn)
				return cap_id(&envs[i], s);
	}
	return EXO_CAPID_NIL;
}

/*
 * Another capability for the same object as id among its tree relatives
 * (children, siblings, parent: all derived from one capability), preferring
 * one that prefer holds; EXO_CAPID_NIL if it has none. Cheap, unlike a scan of
 * every table, so the common case (a grant's source dropped) costs little.
 */
static uint32_t related_cap(const struct exo_cap *c, struct env *prefer)
{
	uint32_t found = EXO_CAPID_NIL;
	uint32_t lists[2] = {c->first_child, c->parent != EXO_CAPID_NIL ? cap_get(c->parent)->first_child : EXO_CAPID_NIL};
	for (int l = 0; l < 2; l++)
		for (uint32_t r = lists[l]; r != EXO_CAPID_NIL; r = cap_get(r)->next_sibling) {
			if (cap_get(r) == c)
				continue;
			if (cap_holder(r) == prefer)
				return r;
			if (found == EXO_CAPID_NIL)
				found = r;
		}
	if (c->parent != EXO_CAPID_NIL && (cap_holder(c->parent) == prefer || found == EXO_CAPID_NIL))
		return c->parent;
	return found;
}

/*
 * The page lost capability id: free it, or move its charge if its payer held
 * no other. hint: another capability for the page (related_cap), or
 * EXO_CAPID_NIL to search every table.
 */
static void page_drop_cap(uint32_t ppn, uint32_t id, uint32_t hint)
{
	struct exo_page *pg = &pmem.pages[ppn];
	struct env *holder = cap_holder(id);
	struct env *payer = env_by_id(pg->owner);

	assert(pg->ncaps > 0 && pg->type == PAGE_USER);
	pg->ncaps--;
	if (pg->ncaps == 0) {
		assert(pg->nmaps == 0);
		pmem_free(&pmem, ppn, payer ? &payer->pages : NULL);
		return;
	}
	if (payer != holder)
		return;
	uint32_t other = hint != EXO_CAPID_NIL ? hint : find_other_holder(ppn, id, holder);
	assert(other != EXO_CAPID_NIL);
	struct env *next = cap_holder(other);
	if (next != payer) {
		page_list_remove(&pmem, &payer->pages, ppn);
		page_list_push(&pmem, &next->pages, ppn);
		pg->owner = next->id;
	}
}

void cap_delete(uint32_t id, int reason)
{
	struct exo_cap *c = cap_get(id);
	struct env *holder = cap_holder(id);

	assert(c->type != EXO_CAP_NONE);
	uint32_t relative = c->type == EXO_CAP_PAGE ? related_cap(c, holder) : EXO_CAPID_NIL;
	/* Children move up to this capability's parent (or become roots). */
	while (c->first_child != EXO_CAPID_NIL) {
		uint32_t child = c->first_child;
		tree_unlink(child);
		if (c->parent != EXO_CAPID_NIL)
			tree_link(c->parent, child);
	}
	tree_unlink(id);
	uint8_t type = c->type;
	uint32_t object = c->object;
	if (type == EXO_CAP_PAGE)
		unbind_all_through(object, id);
	c->type = EXO_CAP_NONE; /* before page_drop_cap, so it is not found as another holder */
	if (reason)
		repo_record(holder, cap_slot(id), reason, type == EXO_CAP_PAGE ? object : 0);
	if (type == EXO_CAP_PAGE)
		page_drop_cap(object, id, relative);
	if (type == EXO_CAP_SLOT)
		slot_release(holder, object);
	*c = (struct exo_cap){.parent = EXO_CAPID_NIL, .first_child = EXO_CAPID_NIL,
			      .next_sibling = EXO_CAPID_NIL, .prev_sibling = EXO_CAPID_NIL};
}

long cap_revoke_descendants(uint32_t id, int reason)
{
	long n = 0;
	/* Iterative: delete a leaf under id until none is left (no recursion on the kernel stack). */
	while (cap_get(id)->first_child != EXO_CAPID_NIL) {
		uint32_t leaf = cap_get(id)->first_child;
		while (cap_get(leaf)->first_child != EXO_CAPID_NIL)
			leaf = cap_get(leaf)->first_child;
		cap_delete(leaf, reason);
		n++;
	}
	return n;
}

void cap_delete_all_of_page(uint32_t ppn, int reason)
{
	for (int i = 0; i < NENV && pmem.pages[ppn].type == PAGE_USER; i++) {
		if (envs[i].state == ENV_FREE)
			continue;
		for (uint32_t s = 0; s < EXO_NCAPS; s++)
			if (envs[i].caps[s].type == EXO_CAP_PAGE && envs[i].caps[s].object == ppn)
				cap_delete(cap_id(&envs[i], s), reason);
	}
}
