/*
 * Software caching of translations (the Aegis software-TLB model on x86 page
 * tables). This program keeps its virtual memory in a hash table the kernel
 * knows nothing about: virtual page -> capability slot. The hardware page
 * table is only a cache of it, limited to CACHE_SLOTS bindings: a page fault
 * on an address with no binding reaches our handler, which looks the page up
 * in the hash table (allocating a zeroed page on first touch), evicts the
 * oldest binding if the cache is full, binds, and resumes.
 *
 * usage: softtlb [pages] [cache] [stray]   (defaults 512 and 16; stray: end with a fault it declines)
 */
#include <exo/lib.h>

#define REGION 0x40000000UL
#define MAX_PAGES 2048
#define HASH_SIZE 4096 /* power of two, > MAX_PAGES */
#define MAX_CACHE 64

struct xlate {
	uint64_t vpn;  /* virtual page number + 1; 0 is an empty bucket */
	uint32_t slot; /* the capability of its page */
};

static struct xlate table[HASH_SIZE];
static uint64_t cache[MAX_CACHE]; /* bound virtual pages, a FIFO */
static unsigned cache_slots, cache_head, cache_used;
static uint64_t region_pages;
static uint64_t faults, fills, evictions;

static struct xlate *lookup(uint64_t vpn)
{
	for (uint64_t h = (vpn * 0x9E3779B97F4A7C15ULL) >> 52;; h = (h + 1) & (HASH_SIZE - 1)) {
		if (table[h].vpn == vpn + 1 || table[h].vpn == 0)
			return &table[h];
	}
}

static int on_fault(struct exo_upcall *u)
{
	uint64_t va = u->addr & ~4095UL;
	if (va < REGION || va >= REGION + region_pages * 4096)
		return -1; /* not ours: a real fault */
	faults++;
	struct xlate *x = lookup(va >> 12);
	if (x->vpn == 0) { /* first touch: a zeroed page */
		long s = sys_page_alloc(EXO_PPN_ANY);
		if (s < 0)
			return -1;
		*x = (struct xlate){(va >> 12) + 1, (uint32_t)s};
		fills++;
	}
	if (cache_used == cache_slots) { /* evict the oldest binding; its page stays in the table */
		sys_unbind(EXO_CAP_SELF, cache[cache_head]);
		cache_head = (cache_head + 1) % cache_slots;
		cache_used--;
		evictions++;
	}
	if (sys_bind(EXO_CAP_SELF, va, x->slot, EXO_PROT_R | EXO_PROT_W) < 0)
		return -1;
	cache[(cache_head + cache_used++) % cache_slots] = va;
	return 0;
}

static uint64_t parse(const char *s, uint64_t dflt, uint64_t max)
{
	uint64_t v = 0;
	if (!s)
		return dflt;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v == 0 || v > max ? dflt : v;
}

int main(int argc, char **argv)
{
	region_pages = parse(argc > 1 ? argv[1] : NULL, 512, MAX_PAGES);
	cache_slots = (unsigned)parse(argc > 2 ? argv[2] : NULL, 16, MAX_CACHE);
	check(exo_set_pagefault_handler(on_fault) == 0, "page-fault upcall registered");

	/* Touch every page in a scrambled order, writing a pattern; then read it all back twice. */
	uint64_t step = 7919; /* prime, so i*step mod n visits every page */
	for (uint64_t i = 0; i < region_pages; i++) {
		uint64_t p = (i * step) % region_pages;
		volatile uint64_t *w = (volatile uint64_t *)(REGION + p * 4096 + (p % 500) * 8);
		*w = p * 0x1000193 + 7;
	}
	int good = 1;
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t p = 0; p < region_pages; p++) {
			volatile uint64_t *w = (volatile uint64_t *)(REGION + p * 4096 + (p % 500) * 8);
			good &= *w == p * 0x1000193 + 7;
			good &= *(volatile uint64_t *)(REGION + p * 4096 + 4088) == 0 || (p % 500) * 8 == 4088;
		}
	printf("softtlb: %lu pages through a %u-entry binding cache: %lu faults, %lu first-touch fills, %lu evictions\n",
	       region_pages, cache_slots, faults, fills, evictions);
	check(good, "every page kept its data across evictions and re-binding");
	check(fills == region_pages, "each page was allocated once, on first touch");
	check(faults >= 3 * region_pages - cache_slots, "every access outside the cache faulted to the libOS");
	check(sys_kernel_check() >= 0, "kernel invariant check");
	if (argc > 3 && !strcmp(argv[3], "stray")) { /* a fault the handler declines ends the program */
		printf("softtlb: touching an address outside the region\n");
		(void)*(volatile uint64_t *)(REGION - 4096);
		printf("FAIL: the stray access did not end the program\n");
		exit(1);
	}
	test_finish();
}
