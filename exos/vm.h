/*
 * ExOS virtual memory (vm.c): the process's own page-table structure, of
 * which the kernel's bindings are a cache.
 *
 * Two levels, both kept by ExOS in its own memory:
 *   - regions: what the program asked for (mmap, brk, its image, its stack),
 *     with Linux protections, sorted and non-overlapping;
 *   - the page map (pagemap.h): the virtual pages that have a physical page,
 *     with the capability slot of that page and how it is bound now.
 * A page of a region that has no physical page yet is demand-zero: the first
 * touch faults, and the fault handler allocates and binds a zeroed page.
 *
 * Copy-on-write needs no flag: a private page may be written in place only
 * when this process's capability for it carries the W right and no other
 * capability names the page (the kernel's exposed page record says how many
 * do). Otherwise it is bound read-only and a write fault copies it. fork
 * (proc.c) shares a process's pages with its child this way.
 */
#ifndef EXOS_VM_H
#define EXOS_VM_H

#include <stdint.h>
#include "pagemap.h"

struct exos_region {
	uint64_t start, end; /* page-aligned: [start, end) */
	uint32_t prot;       /* Linux PROT_* */
	uint32_t flags;      /* EXOS_RG_* */
};
#define EXOS_RG_SHARED 1 /* MAP_SHARED: pages stay shared across fork and are never copied */
#define EXOS_RG_STACK 2  /* the main stack: a demand-zero reserve below the pages the kernel gave */
#define EXOS_RG_IMAGE 4  /* the program's image, as the kernel loaded it */
#define EXOS_RG_BRK 8    /* the heap behind brk */
#define EXOS_RG_DONTFORK 16 /* not given to children (ExOS's own work lists for fork) */
#define EXOS_RG_KEEP 32     /* crosses execve (a pipe's buffer) */

#define EXOS_MAX_REGIONS 512
#define EXOS_MAP_TOP 0x7E0000000000UL /* programs map below this; ExOS's own areas lie above */
#define EXOS_STACK_MAX (8UL << 20) /* the main stack may grow to 8 MiB, as under Linux's default limit */

extern struct exos_region exos_regions[EXOS_MAX_REGIONS];
extern int exos_nregions;

#define EXOS_VP_ZERO 1 /* page-map entry flag: ExOS made the page zero (demand-zero); it is, unless written */

/* Inside an ExOS call (the page map may be changing): a revocation request waits until it returns. */
extern volatile int exos_vm_busy;
/* Give back what a revocation request asked for, as far as zero pages allow. */
void exos_vm_give_back(void);
/* Pages given back on request so far. */
uint64_t exos_vm_pages_given_back(void);

/* The region holding va, or NULL. */
struct exos_region *exos_region_of(uint64_t va);

/* The rights (EXO_PROT_*) page e of region r may be bound with now: W only when it is ours alone. */
unsigned exos_vm_bind_prot(const struct exos_region *r, const struct exos_vpage *e);

/* The page-fault upcall handler: 0 when the fault was served, -1 when it is the program's error. */
int exos_vm_fault(struct exo_upcall *u);

/* A shared read-write mapping of size bytes, made at once, that crosses execve (a pipe's buffer). Its address or -errno. */
long exos_vm_map_keep(uint64_t size);
/* The same at a fixed address (0: anywhere). */
long exos_vm_map_keep_at(uint64_t va, uint64_t size);
/* execve: the pages and regions that cross (EXOS_RG_KEEP) into the handoff; in the new program, adopt them. */
struct exos_exec_handoff;
long exos_vm_export_keep(struct exos_exec_handoff *h);

/* Is [p, p+len) memory the program may read (write: and write)? For EFAULT checks. */
int exos_user_ok(const void *p, unsigned long len, int write);

/*
 * fork: give environment env (an env-capability slot with CONTROL, not yet
 * started) every page of this process at the same addresses, with the same
 * capability slot numbers, so that its copy of ExOS's memory (page map
 * included) is valid as it stands. Private pages become copy-on-write in
 * both; shared ones stay shared; the upcall pages get private copies at once.
 * Returns 0 or -errno (the child is then to be destroyed).
 */
long exos_vm_share_with(unsigned long env);
/* In the child, first thing: forget what the parent did not give it. */
void exos_vm_after_fork(void);

#endif
