/* Host tests for the physical page records (kern/pmem.c). */
#define HTEST_SUITE "host.pmem"
#include "htest.h"

#include "pmem.h"

#define PG 4096ull
#define NPAGES 64

static struct page pages[NPAGES];
static struct pmem pm;

/* A fresh pmem of n pages, all ABSENT. */
static void fresh(uint32_t n)
{
	memset(pages, 0xA5, sizeof(pages)); /* pmem_init must overwrite everything */
	pmem_init(&pm, pages, n);
}

/* Walk a list and check its links, types and owner; fails the case when it is inconsistent. */
static void check_list(const struct page_list *l, int type, uint32_t owner)
{
	uint32_t n = 0, prev = PPN_NIL;

	for (uint32_t p = l->head; p != PPN_NIL; prev = p, p = pm.pages[p].next) {
		CHECKF(p < pm.npages, "link %u out of range", p);
		CHECKF(pm.pages[p].prev == prev, "page %u: prev %u, want %u", p, pm.pages[p].prev, prev);
		CHECKF(pm.pages[p].type == type, "page %u: type %u, want %d", p, pm.pages[p].type, type);
		CHECKF(pm.pages[p].owner == owner, "page %u: owner %u, want %u", p, pm.pages[p].owner, owner);
		CHECKF(++n <= pm.npages, "cycle in list");
	}
	CHECKF(n == l->count, "list has %u pages, count says %u", n, l->count);
}

static int on_list(const struct page_list *l, uint32_t ppn)
{
	for (uint32_t p = l->head; p != PPN_NIL; p = pm.pages[p].next)
		if (p == ppn)
			return 1;
	return 0;
}

TEST(init_all_absent)
{
	fresh(NPAGES);
	CHECK_EQ(pm.npages, NPAGES);
	CHECK_EQ(pm.nram, 0);
	CHECK_EQ(pm.free.head, PPN_NIL);
	CHECK_EQ(pm.free.count, 0);
	CHECK_EQ(pmem_count(&pm, PAGE_ABSENT), NPAGES);
	for (int i = 0; i < NPAGES; i++) {
		CHECK_EQ(pages[i].next, PPN_NIL);
		CHECK_EQ(pages[i].prev, PPN_NIL);
		CHECK_EQ(pages[i].owner, 0);
	}
	CHECK_EQ(pmem_check(&pm), 0);
	CHECK_EQ(pmem_alloc(&pm, PAGE_KERNEL, 0, NULL), PPN_NIL);
}

TEST(add_ram_whole_pages)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 1 * PG, 5 * PG);
	CHECK_EQ(pm.nram, 4);
	CHECK_EQ(pm.free.count, 4);
	CHECK_EQ(pages[0].type, PAGE_ABSENT);
	for (int i = 1; i <= 4; i++)
		CHECK_EQ(pages[i].type, PAGE_FREE);
	CHECK_EQ(pages[5].type, PAGE_ABSENT);
	CHECK_EQ(pmem_check(&pm), 0);
	check_list(&pm.free, PAGE_FREE, 0);
}

TEST(add_ram_partial_pages_at_edges_are_not_ram)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 1 * PG + 0x800, 5 * PG + 0x800); /* pages 1 and 5 only partly RAM */
	CHECK_EQ(pages[1].type, PAGE_ABSENT);
	CHECK_EQ(pages[2].type, PAGE_FREE);
	CHECK_EQ(pages[4].type, PAGE_FREE);
	CHECK_EQ(pages[5].type, PAGE_ABSENT);
	CHECK_EQ(pm.nram, 3);

	pmem_add_ram(&pm, 10 * PG + 1, 11 * PG);     /* page 10 missing its first byte */
	pmem_add_ram(&pm, 12 * PG, 13 * PG - 1);     /* page 12 missing its last byte */
	pmem_add_ram(&pm, 14 * PG + 1, 14 * PG + 2); /* a few bytes inside page 14 */
	pmem_add_ram(&pm, 20 * PG, 20 * PG);         /* empty */
	pmem_add_ram(&pm, 22 * PG, 21 * PG);         /* end before start */
	CHECK_EQ(pm.nram, 3);
	CHECK_EQ(pm.free.count, 3);

	pmem_add_ram(&pm, 30 * PG - 1, 31 * PG + 1); /* contains exactly page 30 */
	CHECK_EQ(pages[29].type, PAGE_ABSENT);
	CHECK_EQ(pages[30].type, PAGE_FREE);
	CHECK_EQ(pages[31].type, PAGE_ABSENT);
	CHECK_EQ(pm.nram, 4);
	CHECK_EQ(pmem_check(&pm), 0);
}

TEST(add_ram_twice_counts_once)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 0, 8 * PG);
	pmem_add_ram(&pm, 4 * PG, 12 * PG); /* overlaps pages 4..7 */
	CHECK_EQ(pm.nram, 12);
	CHECK_EQ(pm.free.count, 12);
	CHECK_EQ(pmem_check(&pm), 0);
	check_list(&pm.free, PAGE_FREE, 0);
}

TEST(add_ram_clamped_to_npages)
{
	fresh(16);
	pmem_add_ram(&pm, 8 * PG, 1ull << 40); /* far beyond the last record */
	CHECK_EQ(pm.nram, 8);
	CHECK_EQ(pmem_count(&pm, PAGE_FREE), 8);
	pmem_add_ram(&pm, 100 * PG, 200 * PG); /* wholly beyond */
	CHECK_EQ(pm.nram, 8);
	CHECK_EQ(pmem_check(&pm), 0);
	/* Records past npages are not touched. */
	unsigned char untouched[sizeof(struct page)];
	memset(untouched, 0xA5, sizeof(untouched));
	CHECK(memcmp(&pages[16], untouched, sizeof(untouched)) == 0);
}

TEST(reserve_removes_from_free_list)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 0, NPAGES * PG);
	pmem_reserve(&pm, 1 * PG + 0x800, 3 * PG + 1, PAGE_KERNEL); /* touches pages 1, 2, 3 */
	CHECK_EQ(pages[0].type, PAGE_FREE);
	CHECK_EQ(pages[1].type, PAGE_KERNEL);
	CHECK_EQ(pages[2].type, PAGE_KERNEL);
	CHECK_EQ(pages[3].type, PAGE_KERNEL);
	CHECK_EQ(pages[4].type, PAGE_FREE);
	CHECK_EQ(pm.free.count, NPAGES - 3);
	CHECK_EQ(pm.nram, NPAGES); /* reserved pages are still RAM */
	CHECK(!on_list(&pm.free, 1) && !on_list(&pm.free, 2) && !on_list(&pm.free, 3));
	CHECK_EQ(pmem_check(&pm), 0);

	pmem_reserve(&pm, 10 * PG, 12 * PG, PAGE_BOOTMOD);
	CHECK_EQ(pmem_count(&pm, PAGE_BOOTMOD), 2);
	CHECK_EQ(pmem_count(&pm, PAGE_KERNEL), 3);
	CHECK_EQ(pmem_check(&pm), 0);

	/* Allocation never hands out a reserved page. */
	uint32_t p, n = 0;
	while ((p = pmem_alloc(&pm, PAGE_USER, 1, NULL)) != PPN_NIL) {
		CHECKF(!(p >= 1 && p <= 3) && p != 10 && p != 11, "allocated reserved page %u", p);
		n++;
	}
	CHECK_EQ(n, NPAGES - 5);
}

TEST(reserve_only_changes_free_pages)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 4 * PG, 8 * PG);
	pmem_reserve(&pm, 4 * PG, 5 * PG, PAGE_KERNEL);
	pmem_reserve(&pm, 0, 12 * PG, PAGE_BOOTMOD); /* absent pages stay absent, kernel stays kernel */
	CHECK_EQ(pages[0].type, PAGE_ABSENT);
	CHECK_EQ(pages[4].type, PAGE_KERNEL);
	CHECK_EQ(pages[5].type, PAGE_BOOTMOD);
	CHECK_EQ(pages[7].type, PAGE_BOOTMOD);
	CHECK_EQ(pages[8].type, PAGE_ABSENT);
	CHECK_EQ(pm.free.count, 0);
	CHECK_EQ(pm.nram, 4);
	CHECK_EQ(pmem_check(&pm), 0);
}

TEST(exclude)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 0, 32 * PG);
	pmem_reserve(&pm, 8 * PG, 10 * PG, PAGE_KERNEL);
	uint32_t u = pmem_alloc(&pm, PAGE_KERNEL, 0, NULL);
	CHECK(u != PPN_NIL);

	/* Touches pages 7 (free), 8 and 9 (kernel), 10 (free); page 40 is absent already. */
	pmem_exclude(&pm, 7 * PG + 0xfff, 10 * PG + 1);
	for (int i = 7; i <= 10; i++)
		CHECK_EQ(pages[i].type, PAGE_ABSENT);
	CHECK_EQ(pages[6].type, u == 6 ? PAGE_KERNEL : PAGE_FREE);
	CHECK_EQ(pages[11].type, u == 11 ? PAGE_KERNEL : PAGE_FREE);
	CHECK_EQ(pm.nram, 28);
	CHECK(!on_list(&pm.free, 7) && !on_list(&pm.free, 10));
	CHECK_EQ(pmem_check(&pm), 0);

	pmem_exclude(&pm, 40 * PG, 41 * PG);
	pmem_exclude(&pm, 0, 0);
	CHECK_EQ(pm.nram, 28);

	/* Page 0 is kept out of use the way the kernel does it (whether free or the page allocated above). */
	pmem_exclude(&pm, 0, PG);
	CHECK_EQ(pages[0].type, PAGE_ABSENT);
	CHECK_EQ(pm.nram, 27);
	CHECK_EQ(pm.free.count, pmem_count(&pm, PAGE_FREE));
	CHECK_EQ(pmem_check(&pm), 0);
	check_list(&pm.free, PAGE_FREE, 0);
}

TEST(alloc_until_empty)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 0, 40 * PG);
	pmem_exclude(&pm, 0, PG);
	pmem_reserve(&pm, 5 * PG, 7 * PG, PAGE_KERNEL);
	uint32_t nfree = pm.free.count;
	CHECK_EQ(nfree, 37);

	uint32_t got[NPAGES];
	unsigned char seen[NPAGES] = {0};
	uint32_t n = 0, p;
	while ((p = pmem_alloc(&pm, PAGE_KERNEL, 0, NULL)) != PPN_NIL) {
		CHECKF(n < nfree, "more pages allocated than were free");
		CHECKF(p < 40 && p != 0 && p != 5 && p != 6, "allocated page %u", p);
		CHECKF(!seen[p], "page %u allocated twice", p);
		CHECK_EQ(pages[p].type, PAGE_KERNEL);
		CHECK_EQ(pages[p].next, PPN_NIL);
		CHECK_EQ(pages[p].prev, PPN_NIL);
		seen[p] = 1;
		got[n++] = p;
		CHECK_EQ(pmem_check(&pm), 0);
	}
	CHECK_EQ(n, nfree);
	CHECK_EQ(pm.free.count, 0);
	CHECK_EQ(pm.free.head, PPN_NIL);
	CHECK_EQ(pmem_alloc(&pm, PAGE_USER, 3, NULL), PPN_NIL); /* still empty */

	for (uint32_t i = 0; i < n; i++) {
		pmem_free(&pm, got[(i * 7) % n], NULL); /* 7 and 37 are coprime: each exactly once */
		CHECK_EQ(pmem_check(&pm), 0);
	}
	CHECK_EQ(pm.free.count, nfree);
	CHECK_EQ(pmem_count(&pm, PAGE_FREE), nfree);
	CHECK_EQ(pmem_count(&pm, PAGE_KERNEL), 2);
	CHECK_EQ(pm.nram, 39);
	check_list(&pm.free, PAGE_FREE, 0);
}

TEST(alloc_sets_type_and_owner_free_clears_them)
{
	fresh(8);
	pmem_add_ram(&pm, 0, 8 * PG);
	uint32_t p = pmem_alloc(&pm, PAGE_ENVKERN, 42, NULL);
	CHECK(p < 8);
	CHECK_EQ(pages[p].type, PAGE_ENVKERN);
	CHECK_EQ(pages[p].owner, 42);
	CHECK_EQ(pm.free.count, 7);
	pmem_free(&pm, p, NULL);
	CHECK_EQ(pages[p].type, PAGE_FREE);
	CHECK_EQ(pages[p].owner, 0);
	CHECK_EQ(pm.free.count, 8);
	CHECK_EQ(pmem_check(&pm), 0);
}

TEST(owner_lists)
{
	struct page_list a = {PPN_NIL, 0}, b = {PPN_NIL, 0};
	uint32_t pa[6], pb[3];

	fresh(NPAGES);
	pmem_add_ram(&pm, 0, 16 * PG);
	for (int i = 0; i < 6; i++)
		CHECK((pa[i] = pmem_alloc(&pm, PAGE_USER, 1, &a)) != PPN_NIL);
	for (int i = 0; i < 3; i++)
		CHECK((pb[i] = pmem_alloc(&pm, PAGE_PGTABLE, 2, &b)) != PPN_NIL);
	CHECK_EQ(a.count, 6);
	CHECK_EQ(b.count, 3);
	CHECK_EQ(pm.free.count, 7);
	CHECK_EQ(pmem_count(&pm, PAGE_USER), 6);
	CHECK_EQ(pmem_count(&pm, PAGE_PGTABLE), 3);
	CHECK_EQ(pmem_check(&pm), 0);
	check_list(&a, PAGE_USER, 1);
	BAIL_IF_FAILED();
	check_list(&b, PAGE_PGTABLE, 2);
	BAIL_IF_FAILED();
	for (int i = 0; i < 6; i++)
		CHECK(on_list(&a, pa[i]) && !on_list(&b, pa[i]) && !on_list(&pm.free, pa[i]));

	/* Free from the middle, the head (the last pushed) and the tail (the first pushed) of a. */
	pmem_free(&pm, pa[3], &a);
	pmem_free(&pm, a.head, &a);
	pmem_free(&pm, pa[0], &a);
	CHECK_EQ(a.count, 3);
	CHECK(on_list(&a, pa[1]) && on_list(&a, pa[2]) && on_list(&a, pa[4]));
	CHECK(!on_list(&a, pa[0]) && !on_list(&a, pa[3]) && !on_list(&a, pa[5]));
	CHECK(on_list(&pm.free, pa[0]) && on_list(&pm.free, pa[3]) && on_list(&pm.free, pa[5]));
	CHECK_EQ(pm.free.count, 10);
	CHECK_EQ(pmem_check(&pm), 0);
	check_list(&a, PAGE_USER, 1);
	BAIL_IF_FAILED();
	check_list(&b, PAGE_PGTABLE, 2);
	BAIL_IF_FAILED();

	/* Tear both environments down the way the kernel would: pop heads until empty. */
	while (a.head != PPN_NIL)
		pmem_free(&pm, a.head, &a);
	while (b.head != PPN_NIL)
		pmem_free(&pm, b.head, &b);
	CHECK_EQ(a.count, 0);
	CHECK_EQ(b.count, 0);
	CHECK_EQ(pm.free.count, 16);
	CHECK_EQ(pmem_count(&pm, PAGE_USER) + pmem_count(&pm, PAGE_PGTABLE), 0);
	CHECK_EQ(pmem_check(&pm), 0);
}

TEST(page_list_push_remove)
{
	struct page_list l = {PPN_NIL, 0};

	fresh(8);
	for (uint32_t i = 2; i < 6; i++)
		page_list_push(&pm, &l, i); /* list: 5 4 3 2 */
	CHECK_EQ(l.head, 5);
	CHECK_EQ(l.count, 4);
	CHECK_EQ(pages[5].prev, PPN_NIL);
	CHECK_EQ(pages[5].next, 4);
	CHECK_EQ(pages[2].next, PPN_NIL);
	CHECK_EQ(pages[2].prev, 3);

	page_list_remove(&pm, &l, 4); /* middle: 5 3 2 */
	CHECK_EQ(pages[5].next, 3);
	CHECK_EQ(pages[3].prev, 5);
	CHECK_EQ(pages[4].next, PPN_NIL);
	CHECK_EQ(pages[4].prev, PPN_NIL);
	page_list_remove(&pm, &l, 2); /* tail: 5 3 */
	CHECK_EQ(pages[3].next, PPN_NIL);
	page_list_remove(&pm, &l, 5); /* head: 3 */
	CHECK_EQ(l.head, 3);
	CHECK_EQ(pages[3].prev, PPN_NIL);
	page_list_remove(&pm, &l, 3); /* empty */
	CHECK_EQ(l.head, PPN_NIL);
	CHECK_EQ(l.count, 0);
}

/* A pmem with 20 free pages and a few allocated ones, consistent. */
static void populated(void)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 0, 24 * PG);
	for (int i = 0; i < 4; i++)
		pmem_alloc(&pm, PAGE_KERNEL, 0, NULL);
}

/* The k-th page of the free list. */
static uint32_t free_nth(int k)
{
	uint32_t p = pm.free.head;
	while (k-- > 0)
		p = pages[p].next;
	return p;
}

TEST(check_detects_corruption)
{
	struct {
		const char *what;
		int code; /* pmem_check's documented first broken invariant (pmem.c) */
	} cases[] = {
		{"next link out of range", -1},
		{"allocated page still on the free list", -2},
		{"broken back link", -3},
		{"next link skips a page", -5},
		{"free count off by one", -5},
		{"free page not on the free list", -5},
		{"nram off by one", -6},
		{"absent page counted as ram", -6},
		{"list made circular", -3},
	};

	for (int c = 0; c < (int)(sizeof(cases) / sizeof(cases[0])); c++) {
		populated();
		CHECK_EQ(pmem_check(&pm), 0);
		uint32_t a = free_nth(3), b = free_nth(4), last = free_nth((int)pm.free.count - 1);
		switch (c) {
		case 0:
			pages[a].next = NPAGES + 5;
			break;
		case 1:
			pages[b].type = PAGE_USER;
			break;
		case 2:
			pages[b].prev = free_nth(1);
			break;
		case 3: /* a -> b -> c becomes a -> c, with c's back link fixed: b is simply lost */
			pages[a].next = pages[b].next;
			pages[pages[b].next].prev = a;
			break;
		case 4:
			pm.free.count++;
			break;
		case 5: /* unlink b properly but leave it typed FREE */
			pages[a].next = pages[b].next;
			pages[pages[b].next].prev = a;
			pm.free.count--;
			break;
		case 6:
			pm.nram++;
			break;
		case 7: /* an ABSENT page typed KERNEL without being counted as RAM */
			pages[40].type = PAGE_KERNEL;
			break;
		case 8:
			pages[last].next = pm.free.head;
			break;
		}
		int r = pmem_check(&pm);
		CHECKF(r < 0, "%s: pmem_check returned %d, want negative", cases[c].what, r);
		CHECKF(r == cases[c].code, "%s: pmem_check returned %d, want %d", cases[c].what, r,
		       cases[c].code);
	}
}

/* Randomized alloc/free against a model, pmem_check after every step. */
TEST(random_alloc_free)
{
#define NENV 4
	struct htest_rng r = {htest_seed(0x9A6E5EEDull)};
	struct page_list env[NENV];
	uint32_t owned[NENV][NPAGES], nowned[NENV] = {0};
	uint32_t kern[NPAGES], nkern = 0;
	int envtype[NENV] = {PAGE_USER, PAGE_PGTABLE, PAGE_ENVKERN, PAGE_USER};

	fresh(NPAGES);
	pmem_add_ram(&pm, 0, 30 * PG + 0x10);
	pmem_add_ram(&pm, 34 * PG - 0x10, NPAGES * PG);
	pmem_exclude(&pm, 0, PG);
	pmem_reserve(&pm, 2 * PG, 4 * PG, PAGE_KERNEL);
	pmem_reserve(&pm, 50 * PG + 7, 52 * PG, PAGE_BOOTMOD);
	const uint32_t nfree0 = pm.free.count, nram0 = pm.nram;
	CHECK_EQ(nfree0, 55);
	for (int e = 0; e < NENV; e++)
		env[e] = (struct page_list){PPN_NIL, 0};

	for (int step = 0; step < 20000; step++) {
		int e = (int)htest_below(&r, NENV + 1); /* NENV stands for kernel pages on no list */
		uint32_t held = e == NENV ? nkern : nowned[e];
		int do_alloc = htest_below(&r, 100) < 55 || held == 0;
		if (do_alloc) {
			int type = e == NENV ? PAGE_KERNEL : envtype[e];
			uint32_t p = pmem_alloc(&pm, type, e == NENV ? 0 : (uint32_t)e + 1, e == NENV ? NULL : &env[e]);
			uint32_t nheld = nkern;
			for (int i = 0; i < NENV; i++)
				nheld += nowned[i];
			if (nheld == nfree0) {
				CHECKF(p == PPN_NIL, "step %d: alloc succeeded with no free page", step);
			} else {
				CHECKF(p != PPN_NIL, "step %d: alloc failed with %u free", step, nfree0 - nheld);
				CHECKF(p < NPAGES && p != 0 && p != 2 && p != 3 && p != 30 && p != 31 && p != 32 &&
					       p != 33 && p != 50 && p != 51,
				       "step %d: allocated unusable page %u", step, p);
				if (e == NENV)
					kern[nkern++] = p;
				else
					owned[e][nowned[e]++] = p;
			}
		} else {
			uint32_t i = (uint32_t)htest_below(&r, held);
			if (e == NENV) {
				pmem_free(&pm, kern[i], NULL);
				kern[i] = kern[--nkern];
			} else {
				pmem_free(&pm, owned[e][i], &env[e]);
				owned[e][i] = owned[e][--nowned[e]];
			}
		}
		int rc = pmem_check(&pm);
		CHECKF(rc == 0, "step %d: pmem_check %d", step, rc);
		CHECKF(pm.nram == nram0, "step %d: nram changed", step);
		uint32_t nheld = nkern;
		for (int i = 0; i < NENV; i++) {
			CHECKF(env[i].count == nowned[i], "step %d: env %d count %u, model %u", step, i, env[i].count,
			       nowned[i]);
			nheld += nowned[i];
		}
		CHECKF(pm.free.count == nfree0 - nheld, "step %d: free count %u, model %u", step, pm.free.count,
		       nfree0 - nheld);
		if (step % 64 == 0) {
			for (int i = 0; i < NENV; i++) {
				check_list(&env[i], envtype[i], (uint32_t)i + 1);
				BAIL_IF_FAILED();
			}
			CHECK_EQ(pmem_count(&pm, PAGE_KERNEL), 2 + nkern);
			CHECK_EQ(pmem_count(&pm, PAGE_USER), nowned[0] + nowned[3]);
			CHECK_EQ(pmem_count(&pm, PAGE_PGTABLE), nowned[1]);
			CHECK_EQ(pmem_count(&pm, PAGE_ENVKERN), nowned[2]);
			CHECK_EQ(pmem_count(&pm, PAGE_BOOTMOD), 2);
		}
	}
	/* Give everything back: the free count is restored exactly. */
	while (nkern)
		pmem_free(&pm, kern[--nkern], NULL);
	for (int e = 0; e < NENV; e++)
		while (env[e].head != PPN_NIL)
			pmem_free(&pm, env[e].head, &env[e]);
	CHECK_EQ(pm.free.count, nfree0);
	CHECK_EQ(pmem_check(&pm), 0);
#undef NENV
}

/*
 * Ranges that end near 2^64. A loader's memory map can describe them (the
 * parser only rejects base+len that wraps), so they must not make the
 * page-span arithmetic wrap around.
 */
TEST(add_ram_near_top_of_address_space)
{
	fresh(NPAGES);
	/* Holds no whole page below npages: nothing may become RAM. */
	pmem_add_ram(&pm, UINT64_MAX - 0xffe, UINT64_MAX);
	CHECKF(pm.nram == 0, "add_ram [2^64-0xfff, 2^64-1) made %u pages RAM", pm.nram);
	CHECK_EQ(pmem_check(&pm), 0);
}

TEST(exclude_and_reserve_up_to_top_of_address_space)
{
	fresh(NPAGES);
	pmem_add_ram(&pm, 0, NPAGES * PG);
	pmem_reserve(&pm, 60 * PG, UINT64_MAX, PAGE_KERNEL); /* touches pages 60..63 */
	CHECKF(pmem_count(&pm, PAGE_KERNEL) == 4, "reserve [60 pages, 2^64-1) reserved %u pages, want 4",
	       pmem_count(&pm, PAGE_KERNEL));
	pmem_exclude(&pm, 32 * PG, UINT64_MAX); /* touches pages 32..63 */
	CHECKF(pm.nram == 32, "exclude [32 pages, 2^64-1) left nram %u, want 32", pm.nram);
	CHECK_EQ(pmem_check(&pm), 0);
}
