/*
 * The kernel's memory invariants, checked whole (kernel_check and at
 * power-off). Any failure is a kernel bug: panic, naming the invariant.
 *
 *  1. Page records: free list and counts agree (pmem_check).
 *  2. Ownership: every page on an environment's list is charged to it and of
 *     a charged type; every charged page is on its payer's list; USER pages
 *     have a live payer.
 *  3. Capabilities: every PAGE capability names a USER page; each USER page's
 *     ncaps equals the capabilities naming it (summed and per capability), and
 *     the environment charged for it holds one of them;
 *     derivation links are symmetric and a child names its parent's object.
 *  4. Bindings: every present user PTE below EXO_BIND_TOP has exactly one
 *     rmap entry on its page naming (env, va); every rmap entry has such a
 *     PTE, its capability names that page, and the PTE's rights are within
 *     the capability's; each page's nmaps equals its rmap entries.
 */
#include <exo/error.h>
#include <exo/info.h>
#include "bind.h"
#include "cap.h"
#include "kcall.h"
#include "vm.h"
#include "x86.h"

#define FAIL(...) panic("kernel_check: " __VA_ARGS__)

static void check_ownership(void)
{
	uint64_t charged = 0;
	for (int i = 0; i < NENV; i++) {
		const struct env *e = &envs[i];
		if (e->state == ENV_FREE)
			continue;
		uint64_t n = 0;
		for (uint32_t p = e->pages.head; p != PPN_NIL; p = pmem.pages[p].next, n++) {
			const struct exo_page *pg = &pmem.pages[p];
			if (pg->owner != e->id || !page_type_on_owner_list(pg->type))
				FAIL("page %u on env %u's list is charged to %u (type %u)", p, e->id, pg->owner, pg->type);
			if (n > pmem.npages)
				FAIL("env %u's page list loops", e->id);
		}
		if (n != e->pages.count)
			FAIL("env %u's page count %u, list holds %lu", e->id, e->pages.count, n);
		charged += n;
	}
	uint64_t typed = 0;
	for (uint32_t p = 0; p < pmem.npages; p++) {
		const struct exo_page *pg = &pmem.pages[p];
		if (!page_type_on_owner_list(pg->type))
			continue;
		typed++;
		if (!env_by_id(pg->owner))
			FAIL("page %u (type %u) is charged to env %u, which is gone", p, pg->type, pg->owner);
	}
	if (typed != charged)
		FAIL("%lu charged pages, but %lu on environment lists", typed, charged);
}

static void check_cap(const struct env *e, uint32_t s, uint64_t *page_caps)
{
	const struct exo_cap *c = &e->caps[s];
	uint32_t id = cap_id(e, s);
	if (c->type == EXO_CAP_NONE)
		return;
	if (c->type == EXO_CAP_PAGE) {
		if (c->object >= pmem.npages || pmem.pages[c->object].type != PAGE_USER ||
		    pmem.pages[c->object].ncaps == 0)
			FAIL("cap %u names page %u, which is not a counted user page", id, c->object);
		(*page_caps)++;
	}
	if (c->parent != EXO_CAPID_NIL && cap_get(c->parent)->object != c->object)
		FAIL("cap %u and its parent %u name different objects", id, c->parent);
	for (uint32_t ch = c->first_child, prev = EXO_CAPID_NIL; ch != EXO_CAPID_NIL;
	     prev = ch, ch = cap_get(ch)->next_sibling) {
		if (cap_get(ch)->parent != id || cap_get(ch)->prev_sibling != prev)
			FAIL("cap %u's child %u does not link back", id, ch);
	}
}

#define PAGE_FLAG_PAYER_HOLDS 0x80 /* scratch bit in exo_page.flags, used only here */

static void check_caps(void)
{
	uint64_t page_caps = 0, counted = 0;
	for (int i = 0; i < NENV; i++) {
		if (envs[i].state == ENV_FREE)
			continue;
		for (uint32_t s = 0; s < EXO_NCAPS; s++) {
			const struct exo_cap *c = &envs[i].caps[s];
			check_cap(&envs[i], s, &page_caps);
			if (c->type == EXO_CAP_PAGE && pmem.pages[c->object].owner == envs[i].id)
				pmem.pages[c->object].flags |= PAGE_FLAG_PAYER_HOLDS;
		}
	}
	for (uint32_t p = 0; p < pmem.npages; p++) {
		if (pmem.pages[p].type == PAGE_USER && !(pmem.pages[p].flags & PAGE_FLAG_PAYER_HOLDS))
			FAIL("user page %u is charged to env %u, which holds no capability for it", p, pmem.pages[p].owner);
		pmem.pages[p].flags &= (uint8_t)~PAGE_FLAG_PAYER_HOLDS;
	}
	for (uint32_t p = 0; p < pmem.npages; p++) {
		const struct exo_page *pg = &pmem.pages[p];
		if (pg->type == PAGE_USER && pg->ncaps == 0)
			FAIL("user page %u is named by no capability", p);
		if (pg->type != PAGE_USER && (pg->ncaps || pg->nmaps))
			FAIL("page %u of type %u has capabilities or bindings", p, pg->type);
		counted += pg->ncaps;
	}
	if (counted != page_caps)
		FAIL("pages count %lu capabilities, tables hold %lu", counted, page_caps);
}

/* Every rmap entry matches a PTE and a capability; returns the entries seen. */
static uint64_t check_rmaps(void)
{
	uint64_t total = 0;
	for (uint32_t p = 0; p < pmem.npages; p++) {
		uint32_t n = 0;
		for (const struct rmap *r = page_rmap[p]; r; r = r->next, n++) {
			pte_t *pte = vm_lookup(r->env->pml4_pa, r->va);
			if (r->env->state == ENV_FREE || !pte || !(*pte & PTE_P) ||
			    (*pte & PTE_ADDR_MASK) >> PAGE_SHIFT != p)
				FAIL("rmap of page %u: env %u va 0x%lx has no such binding", p, r->env->id, r->va);
			const struct exo_cap *c = cap_get(r->capid);
			if (c->type != EXO_CAP_PAGE || c->object != p)
				FAIL("binding of page %u at 0x%lx was made through cap %u, which does not name it", p,
				     r->va, r->capid);
			if (((*pte & PTE_W) && !(c->rights & EXO_RIGHT_W)) ||
			    (!(*pte & PTE_NX) && (cpu_features() & EXO_CPU_NX) && !(c->rights & EXO_RIGHT_X)))
				FAIL("binding of page %u at 0x%lx exceeds its capability's rights", p, r->va);
		}
		if (n != pmem.pages[p].nmaps)
			FAIL("page %u: nmaps %u but %u rmap entries", p, pmem.pages[p].nmaps, n);
		total += n;
	}
	return total;
}

static void count_one(void *ctx, uint64_t va, pte_t *pte)
{
	(void)va, (void)pte;
	(*(uint64_t *)ctx)++;
}

/* Count present user leaf PTEs below EXO_BIND_TOP in e. */
static uint64_t count_user_ptes(const struct env *e)
{
	uint64_t n = 0;
	vm_for_each_binding(e->pml4_pa, count_one, &n);
	return n;
}

long kernel_check_all(void)
{
	int bad = pmem_check(&pmem);
	if (bad)
		FAIL("page records inconsistent (%d)", bad);
	check_ownership();
	check_caps();
	uint64_t rmaps = check_rmaps(), ptes = 0;
	for (int i = 0; i < NENV; i++)
		if (envs[i].state != ENV_FREE)
			ptes += count_user_ptes(&envs[i]);
	if (ptes != rmaps)
		FAIL("%lu user bindings in page tables, %lu in reverse maps", ptes, rmaps);
	return (long)rmaps;
}

long kc_kernel_check(void) { return kernel_check_all(); }
