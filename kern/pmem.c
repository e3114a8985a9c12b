/* Physical page records; see pmem.h for the invariants. */
#include "pmem.h"

#define PG 4096ULL

void pmem_init(struct pmem *pm, struct page *array, uint32_t npages)
{
	pm->pages = array;
	pm->npages = npages;
	pm->nram = 0;
	pm->free.head = PPN_NIL;
	pm->free.count = 0;
	for (uint32_t i = 0; i < npages; i++)
		array[i] = (struct page){.next = PPN_NIL, .prev = PPN_NIL, .type = PAGE_ABSENT};
}

void page_list_push(struct pmem *pm, struct page_list *l, uint32_t ppn)
{
	struct page *p = &pm->pages[ppn];

	p->prev = PPN_NIL;
	p->next = l->head;
	if (l->head != PPN_NIL)
		pm->pages[l->head].prev = ppn;
	l->head = ppn;
	l->count++;
}

void page_list_remove(struct pmem *pm, struct page_list *l, uint32_t ppn)
{
	struct page *p = &pm->pages[ppn];

	if (p->prev != PPN_NIL)
		pm->pages[p->prev].next = p->next;
	else
		l->head = p->next;
	if (p->next != PPN_NIL)
		pm->pages[p->next].prev = p->prev;
	p->next = p->prev = PPN_NIL;
	l->count--;
}

/* Clamp the page range [first, last) touched or contained by [start, end). */
static void page_span(const struct pmem *pm, uint64_t start, uint64_t end, int whole, uint64_t *first,
		      uint64_t *last)
{
	if (end <= start) { /* empty: touches and contains nothing */
		*first = *last = 0;
		return;
	}
	uint64_t start_up = start / PG + (start % PG != 0), end_up = end / PG + (end % PG != 0); /* no overflow */
	*first = whole ? start_up : start / PG;
	*last = whole ? end / PG : end_up;
	if (*last > pm->npages)
		*last = pm->npages;
	if (*first > *last)
		*first = *last;
}

void pmem_add_ram(struct pmem *pm, uint64_t start, uint64_t end)
{
	uint64_t first, last;

	page_span(pm, start, end, 1, &first, &last);
	for (uint64_t i = last; i-- > first;) { /* highest first, so the lowest page ends up at the head */
		if (pm->pages[i].type != PAGE_ABSENT)
			continue;
		pm->pages[i].type = PAGE_FREE;
		pm->nram++;
		page_list_push(pm, &pm->free, (uint32_t)i);
	}
}

void pmem_reserve(struct pmem *pm, uint64_t start, uint64_t end, int type)
{
	uint64_t first, last;

	page_span(pm, start, end, 0, &first, &last);
	for (uint64_t i = first; i < last; i++) {
		if (pm->pages[i].type != PAGE_FREE)
			continue;
		page_list_remove(pm, &pm->free, (uint32_t)i);
		pm->pages[i].type = (uint8_t)type;
	}
}

void pmem_exclude(struct pmem *pm, uint64_t start, uint64_t end)
{
	uint64_t first, last;

	page_span(pm, start, end, 0, &first, &last);
	for (uint64_t i = first; i < last; i++) {
		if (pm->pages[i].type == PAGE_ABSENT)
			continue;
		if (pm->pages[i].type == PAGE_FREE)
			page_list_remove(pm, &pm->free, (uint32_t)i);
		pm->pages[i].type = PAGE_ABSENT;
		pm->nram--;
	}
}

uint32_t pmem_alloc(struct pmem *pm, int type, uint32_t owner, struct page_list *list)
{
	uint32_t ppn = pm->free.head;

	if (ppn == PPN_NIL)
		return PPN_NIL;
	page_list_remove(pm, &pm->free, ppn);
	pm->pages[ppn].type = (uint8_t)type;
	pm->pages[ppn].owner = owner;
	if (list)
		page_list_push(pm, list, ppn);
	return ppn;
}

void pmem_take(struct pmem *pm, uint32_t ppn, int type, uint32_t owner, struct page_list *list)
{
	page_list_remove(pm, &pm->free, ppn);
	pm->pages[ppn].type = (uint8_t)type;
	pm->pages[ppn].owner = owner;
	if (list)
		page_list_push(pm, list, ppn);
}

uint32_t pmem_alloc_run(struct pmem *pm, uint32_t n, uint32_t align, int type, uint32_t owner,
			struct page_list *list)
{
	if (n == 0 || align == 0 || (align & (align - 1)))
		return PPN_NIL;
	for (uint64_t first = 0; first + n <= pm->npages; first += align) {
		uint32_t i = 0;
		while (i < n && pm->pages[first + i].type == PAGE_FREE)
			i++;
		if (i < n)
			continue;
		for (i = 0; i < n; i++)
			pmem_take(pm, (uint32_t)first + i, type, owner, list);
		return (uint32_t)first;
	}
	return PPN_NIL;
}

void pmem_free(struct pmem *pm, uint32_t ppn, struct page_list *list)
{
	if (list)
		page_list_remove(pm, list, ppn);
	pm->pages[ppn].type = PAGE_FREE;
	pm->pages[ppn].owner = 0;
	pm->pages[ppn].flags = 0;
	pm->pages[ppn].ncaps = 0;
	pm->pages[ppn].nmaps = 0;
	page_list_push(pm, &pm->free, ppn);
}

uint32_t pmem_count(const struct pmem *pm, int type)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < pm->npages; i++)
		n += pm->pages[i].type == type;
	return n;
}

int pmem_check(const struct pmem *pm)
{
	uint32_t seen = 0, prev = PPN_NIL;

	for (uint32_t p = pm->free.head; p != PPN_NIL; prev = p, p = pm->pages[p].next) {
		if (p >= pm->npages)
			return -1; /* link out of range */
		if (pm->pages[p].type != PAGE_FREE)
			return -2; /* a non-free page on the free list */
		if (pm->pages[p].prev != prev)
			return -3; /* broken back link */
		if (++seen > pm->npages)
			return -4; /* cycle */
	}
	if (seen != pm->free.count || seen != pmem_count(pm, PAGE_FREE))
		return -5; /* free count disagrees with the records */
	uint32_t ram = 0;
	for (uint32_t i = 0; i < pm->npages; i++)
		ram += pm->pages[i].type != PAGE_ABSENT;
	if (ram != pm->nram)
		return -6;
	return 0;
}
