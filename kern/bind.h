/*
 * Secure bindings: virtual page -> physical page, checked against a
 * capability when made, then enforced by the MMU. Every binding has a
 * reverse-map entry on its page (struct rmap), recording the address space,
 * the virtual address and the capability it was made through. Kernel only.
 */
#ifndef KERN_BIND_H
#define KERN_BIND_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include "env.h"
#include "vm.h"

struct rmap {
	struct rmap *next; /* next binding of the same page (or next free entry) */
	struct env *env;   /* whose address space */
	uint64_t va;
	uint32_t capid;    /* the capability the binding was made through */
	uint32_t pad;
};

/* rmap heads, one per physical page (kernel memory, not exposed). */
extern struct rmap **page_rmap;
void bind_init(void);

/* Check the arguments of a binding operation; 0 or -EXO_EINVAL. */
long bind_check_va(uint64_t va);
long bind_check_prot(uint64_t prot);

/*
 * Bind va in e to the page of capability capid with prot (already checked
 * against the capability). Replaces an existing binding. 0 or -EXO_ENOMEM.
 */
long bind_page(struct env *e, uint64_t va, uint32_t capid, unsigned prot);
/* Remove the binding of va in e; -EXO_ENOENT when there is none. */
long unbind_page(struct env *e, uint64_t va);
/* The rmap entry of va in e, or NULL. */
struct rmap *binding_of(struct env *e, uint64_t va);
/* The same, also giving the leaf entry (*pte_out) when there is a binding. */
struct rmap *binding_of_pte(struct env *e, uint64_t va, pte_t **pte_out);
/* Change prot of an existing binding (checked against its capability by the caller). */
void protect_page(struct env *e, uint64_t va, unsigned prot);
/* The same, with its leaf entry already found. */
void protect_pte(struct env *e, uint64_t va, pte_t *pte, unsigned prot);
/* EXO_BIND_* bits and prot of va in e; clears accessed/dirty when clear. -EXO_ENOENT if unbound. */
long binding_bits(struct env *e, uint64_t va, bool clear);
/* Remove every binding of ppn made through capability capid. */
void unbind_all_through(uint32_t ppn, uint32_t capid);
/* Remove every binding in e's address space (it is being destroyed). */
void unbind_everything(struct env *e);
/* Pages the page tables for binding these n addresses in e could need at most. */
uint64_t bind_tables_needed(struct env *e, const uint64_t *vas, size_t n);
/* Make sure e has n free rmap entries; 0 or -EXO_ENOMEM. */
long rmap_reserve(struct env *e, size_t n);

#endif
