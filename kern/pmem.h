/*
 * Physical page records: one struct page for every physical page below the
 * highest RAM address. Pure bookkeeping: this module never touches page
 * contents, so it is unit-tested on the host (tests/host/test_pmem.c).
 *
 * Invariants (checked by pmem_check):
 *  - a page is on exactly one list or on none: FREE pages on pm->free,
 *    pages of type USER/PGTABLE/ENVKERN on their owner's list, others on none;
 *  - pm->free.count equals the number of FREE pages;
 *  - ABSENT pages (holes, firmware, MMIO) are never handed out.
 * Locking: the kernel is single-threaded with interrupts off; no lock yet.
 */
#ifndef KERN_PMEM_H
#define KERN_PMEM_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include <stddef.h>
#include <stdint.h>
#include <exo/mem.h>

/* The page types and the record layout are public (inc/exo/mem.h): the records are exposed read-only. */
enum page_type {
	PAGE_ABSENT = EXO_PAGE_ABSENT,
	PAGE_FREE = EXO_PAGE_FREE,
	PAGE_KERNEL = EXO_PAGE_KERNEL,
	PAGE_BOOTMOD = EXO_PAGE_BOOTMOD,
	PAGE_USER = EXO_PAGE_USER,
	PAGE_PGTABLE = EXO_PAGE_PGTABLE,
	PAGE_ENVKERN = EXO_PAGE_ENVKERN,
	PAGE_NTYPES = EXO_PAGE_NTYPES
};

#define PPN_NIL UINT32_MAX

/* next/prev: list links (PPN_NIL ends); owner: env id charged for USER/PGTABLE/ENVKERN, else 0. */
#define page exo_page

/* A doubly linked list of pages threaded through struct page. */
struct page_list {
	uint32_t head;
	uint32_t count;
};

struct pmem {
	struct page *pages; /* pages[ppn] for ppn in [0, npages) */
	uint32_t npages;
	uint32_t nram;      /* pages that are RAM the kernel manages (not ABSENT) */
	struct page_list free;
};

static inline int page_type_on_owner_list(int type)
{
	return type == PAGE_USER || type == PAGE_PGTABLE || type == PAGE_ENVKERN;
}

/* Start with every page ABSENT. */
void pmem_init(struct pmem *pm, struct page *array, uint32_t npages);
/*
 * Pages wholly inside [start, end) bytes become FREE (if they were ABSENT).
 * They go on the head of the free list lowest-first, so when ranges are added
 * from high to low, allocation hands out the lowest free page first (boot
 * relies on this: early page tables must come from the boot-mapped first GiB).
 */
void pmem_add_ram(struct pmem *pm, uint64_t start, uint64_t end);
/* Pages touching [start, end) that are FREE become type (KERNEL or BOOTMOD). */
void pmem_reserve(struct pmem *pm, uint64_t start, uint64_t end, int type);
/* Pages touching [start, end) become ABSENT, whatever they were (firmware areas). */
void pmem_exclude(struct pmem *pm, uint64_t start, uint64_t end);

/* Take any free page for type/owner, put it on list (may be NULL for KERNEL). PPN_NIL when none. */
uint32_t pmem_alloc(struct pmem *pm, int type, uint32_t owner, struct page_list *list);
/*
 * Take n free pages with consecutive numbers, the first a multiple of align
 * (a power of two), for type/owner, onto list. Returns the first, or PPN_NIL.
 */
uint32_t pmem_alloc_run(struct pmem *pm, uint32_t n, uint32_t align, int type, uint32_t owner,
			struct page_list *list);
/* Take page ppn, which must be FREE, for type/owner onto list. */
void pmem_take(struct pmem *pm, uint32_t ppn, int type, uint32_t owner, struct page_list *list);
/* Return ppn to the free list, taking it off list (NULL when it is on none). */
void pmem_free(struct pmem *pm, uint32_t ppn, struct page_list *list);

void page_list_push(struct pmem *pm, struct page_list *l, uint32_t ppn);
void page_list_remove(struct pmem *pm, struct page_list *l, uint32_t ppn);

/* Check the invariants above; returns 0 or a negative number naming the first broken one. */
int pmem_check(const struct pmem *pm);
/* Count pages of a type. */
uint32_t pmem_count(const struct pmem *pm, int type);

#endif
