/*
 * Bindings and the reverse map; see bind.h.
 * A user PTE below EXO_BIND_TOP is present iff a struct rmap on its page's
 * list names (env, va); kern/check.c verifies this.
 */
#include <exo/error.h>
#include <exo/info.h>
#include "bind.h"
#include "cap.h"
#include "vm.h"
#include "x86.h"

struct rmap **page_rmap;

void bind_init(void)
{
	uint64_t bytes = ROUNDUP((uint64_t)pmem.npages * sizeof(struct rmap *), PAGE_SIZE);
	for (uint64_t off = 0; off < bytes; off += PAGE_SIZE) {
		/* Contiguous in the direct map only if the pages are: take a run the simple way. */
		uint64_t pa = page_alloc_zeroed(NULL, PAGE_KERNEL);
		if (!pa)
			panic("out of memory for the reverse map");
		if (off == 0)
			page_rmap = P2V(pa);
		else if (P2V(pa) != (char *)page_rmap + off)
			panic("reverse-map pages are not contiguous");
	}
}

long bind_check_va(uint64_t va)
{
	if (va & (PAGE_SIZE - 1) || va < USER_MIN || va >= EXO_BIND_TOP)
		return -EXO_EINVAL;
	return 0;
}

long bind_check_prot(uint64_t prot)
{
	if (prot & ~(uint64_t)(EXO_PROT_R | EXO_PROT_W | EXO_PROT_X))
		return -EXO_EINVAL;
	if ((prot & EXO_PROT_W) && (prot & EXO_PROT_X))
		return -EXO_EINVAL; /* no page is both writable and executable */
	return 0;
}

static uint64_t prot_to_pte(unsigned prot)
{
	uint64_t f = PTE_U;
	if (prot & EXO_PROT_W)
		f |= PTE_W;
	if (!(prot & EXO_PROT_X))
		f |= PTE_NX;
	return f;
}

static unsigned pte_to_prot(pte_t pte)
{
	unsigned prot = EXO_PROT_R;
	if (pte & PTE_W)
		prot |= EXO_PROT_W;
	if (!(pte & PTE_NX) || !(cpu_features() & EXO_CPU_NX))
		prot |= EXO_PROT_X;
	return prot;
}

/* The TLB may hold va only if e's address space is the one loaded (PCID 0 for all). */
static void tlb_flush_page(struct env *e, uint64_t va)
{
	if (this_cpu()->curenv == e)
		invlpg(va);
}

long rmap_reserve(struct env *e, size_t n)
{
	while (e->rmap_nfree < n) {
		uint64_t pa = page_alloc_zeroed(e, PAGE_ENVKERN);
		if (!pa)
			return -EXO_ENOMEM;
		struct rmap *block = P2V(pa);
		for (size_t i = 0; i < PAGE_SIZE / sizeof(struct rmap); i++) {
			block[i].next = e->rmap_free;
			e->rmap_free = &block[i];
		}
		e->rmap_nfree += PAGE_SIZE / sizeof(struct rmap);
	}
	return 0;
}

struct rmap *binding_of_pte(struct env *e, uint64_t va, pte_t **pte_out)
{
	pte_t *pte = vm_lookup(e->pml4_pa, va);
	if (!pte || !(*pte & PTE_P))
		return NULL;
	*pte_out = pte;
	for (struct rmap *r = page_rmap[(*pte & PTE_ADDR_MASK) >> PAGE_SHIFT]; r; r = r->next)
		if (r->env == e && r->va == va)
			return r;
	panic("binding of 0x%lx in env %u has no reverse-map entry", va, e->id);
}

struct rmap *binding_of(struct env *e, uint64_t va)
{
	pte_t *pte;
	return binding_of_pte(e, va, &pte);
}

/* Take the rmap entry of (e, va) off page ppn's list and give it back to e. */
static void rmap_remove(uint32_t ppn, struct env *e, uint64_t va)
{
	for (struct rmap **pp = &page_rmap[ppn]; *pp; pp = &(*pp)->next) {
		struct rmap *r = *pp;
		if (r->env == e && r->va == va) {
			*pp = r->next;
			r->next = e->rmap_free;
			e->rmap_free = r;
			e->rmap_nfree++;
			pmem.pages[ppn].nmaps--;
			return;
		}
	}
	panic("no reverse-map entry for 0x%lx in env %u", va, e->id);
}

long unbind_page(struct env *e, uint64_t va)
{
	pte_t *pte = vm_lookup(e->pml4_pa, va);
	if (!pte || !(*pte & PTE_P))
		return -EXO_ENOENT;
	uint32_t ppn = (uint32_t)((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT);
	*pte = 0;
	tlb_flush_page(e, va);
	rmap_remove(ppn, e, va);
	return 0;
}

long bind_page(struct env *e, uint64_t va, uint32_t capid, unsigned prot)
{
	uint32_t ppn = cap_get(capid)->object;

	if (rmap_reserve(e, 1) < 0)
		return -EXO_ENOMEM;
	pte_t *pte = vm_lookup(e->pml4_pa, va); /* the tables usually exist already */
	if (!pte)
		pte = vm_walk_create(e->pml4_pa, va, e);
	if (!pte)
		return -EXO_ENOMEM;
	if (*pte & PTE_P)
		unbind_page(e, va);
	struct rmap *r = e->rmap_free;
	e->rmap_free = r->next;
	e->rmap_nfree--;
	*r = (struct rmap){.next = page_rmap[ppn], .env = e, .va = va, .capid = capid};
	page_rmap[ppn] = r;
	pmem.pages[ppn].nmaps++;
	*pte = ((uint64_t)ppn << PAGE_SHIFT) | PTE_P | vm_nx_mask(prot_to_pte(prot));
	return 0;
}

void protect_pte(struct env *e, uint64_t va, pte_t *pte, unsigned prot)
{
	*pte = (*pte & (PTE_ADDR_MASK | PTE_P | PTE_A | PTE_D)) | vm_nx_mask(prot_to_pte(prot));
	tlb_flush_page(e, va);
}

void protect_page(struct env *e, uint64_t va, unsigned prot)
{
	pte_t *pte = vm_lookup(e->pml4_pa, va);
	assert(pte && (*pte & PTE_P));
	protect_pte(e, va, pte, prot);
}

long binding_bits(struct env *e, uint64_t va, bool clear)
{
	pte_t *pte = vm_lookup(e->pml4_pa, va);
	if (!pte || !(*pte & PTE_P))
		return -EXO_ENOENT;
	long bits = EXO_BIND_PRESENT | pte_to_prot(*pte);
	if (*pte & PTE_A)
		bits |= EXO_BIND_ACCESSED;
	if (*pte & PTE_D)
		bits |= EXO_BIND_DIRTY;
	if (clear && (*pte & (PTE_A | PTE_D))) {
		*pte &= ~(uint64_t)(PTE_A | PTE_D);
		tlb_flush_page(e, va); /* so the next access sets the bits again */
	}
	return bits;
}

void unbind_all_through(uint32_t ppn, uint32_t capid)
{
	struct rmap *r = page_rmap[ppn];
	while (r) {
		struct rmap *next = r->next;
		if (r->capid == capid)
			unbind_page(r->env, r->va);
		r = next;
	}
}

static void unbind_one(void *ctx, uint64_t va, pte_t *pte)
{
	(void)pte;
	unbind_page(ctx, va);
}

void unbind_everything(struct env *e) { vm_for_each_binding(e->pml4_pa, unbind_one, e); }

uint64_t bind_tables_needed(struct env *e, const uint64_t *vas, size_t n)
{
	uint64_t need = 0;
	for (size_t i = 0; i < n; i++)
		need += vm_missing_tables(e->pml4_pa, vas[i]);
	return need; /* an upper bound: addresses sharing a missing table count it twice */
}
