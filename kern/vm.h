/* Page tables: the kernel's own, and each environment's. Kernel only. */
#ifndef KERN_VM_H
#define KERN_VM_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include "kernel.h"
#include "pmem.h"

typedef uint64_t pte_t;

extern struct pmem pmem;
extern uint64_t kernel_pml4_pa;
extern uint64_t physmap_top; /* the direct map covers [0, physmap_top) */

/* Who pays for page-table pages a mapping needs: NULL means the kernel. */
struct env;

struct bootinfo;
void vm_init(const struct bootinfo *bi);
/* Allocate a zeroed page; charged to e (type PAGE_ENVKERN/PAGE_USER/PAGE_PGTABLE) or kernel. */
uint64_t page_alloc_zeroed(struct env *e, int type);

/*
 * Map va -> pa with flags (PTE_W, PTE_U, PTE_NX, PTE_PCD...) in the address
 * space rooted at pml4_pa, making page tables as needed (charged to e).
 * Returns 0 or -EXO_ENOMEM. Replaces an existing mapping.
 */
int vm_map(uint64_t pml4_pa, uintptr_t va, uint64_t pa, uint64_t flags, struct env *e);
/* The 4 KiB leaf entry for va, or NULL when a table on the way is missing (or a large page). */
pte_t *vm_lookup(uint64_t pml4_pa, uintptr_t va);
/* The leaf entry for va, making missing tables (charged to e); NULL when out of memory. */
pte_t *vm_walk_create(uint64_t pml4_pa, uintptr_t va, struct env *e);
/* How many page-table pages binding va would need to make (0-3). */
int vm_missing_tables(uint64_t pml4_pa, uintptr_t va);
/* flags with PTE_NX kept only when the CPU has NX. */
uint64_t vm_nx_mask(uint64_t flags);
/*
 * Call fn(ctx, va, pte) for every present leaf entry below EXO_BIND_TOP in the
 * address space rooted at pml4_pa (the bindings an environment made). fn may
 * clear the entry it is given.
 */
void vm_for_each_binding(uint64_t pml4_pa, void (*fn)(void *ctx, uint64_t va, pte_t *pte), void *ctx);
/* Map the info page and the page records read-only for every address space (slot 255). */
void vm_map_global_ro(uint64_t info_pa);
/* Map the boot archive [pa, pa+len) read-only at EXO_BOOTFS_VA for every address space (slot 255). */
void vm_map_bootfs(uint64_t pa, uint64_t len);

/* Kernel stacks with an unmapped guard page below each; returns the top. */
uintptr_t kstack_alloc(size_t pages);
/* Map a device's registers uncached into the MMIO window; returns the virtual address. */
void *mmio_map(uint64_t pa, size_t len);

/* A new user address space sharing the kernel half; its PML4 is charged to e. */
int vm_new_user_space(struct env *e, uint64_t *pml4_pa);
void vm_switch(uint64_t pml4_pa);

#endif
