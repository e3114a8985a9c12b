/* Host tests for ExOS's table of virtual pages (exos/pagemap.c), compiled in directly. */
#define HTEST_SUITE "host.exos_pagemap"
#include "htest.h"

#include "../../exos/pagemap.c"

/* Empty the table through the interface (cases share it). */
static void clear_all(void)
{
	for (unsigned long i = 0; i < EXOS_PAGEMAP_SIZE; i++)
		while (map[i].vpn != 0)
			exos_pagemap_erase(&map[i]);
}

TEST(insert_lookup_erase)
{
	clear_all();
	CHECK(exos_pagemap_lookup(0x400) == NULL);
	struct exos_vpage *e = exos_pagemap_insert(0x400);
	CHECK(e != NULL);
	CHECK_EQ(e->slot, EXOS_NO_PAGE);
	e->slot = 7;
	CHECK(exos_pagemap_lookup(0x400) == e);
	CHECK_EQ(exos_pagemap_lookup(0x400)->slot, 7);
	CHECK_EQ(exos_pagemap_used(), 1);
	exos_pagemap_erase(e);
	CHECK(exos_pagemap_lookup(0x400) == NULL);
	CHECK_EQ(exos_pagemap_used(), 0);
}

TEST(fills_to_max_then_refuses)
{
	clear_all();
	for (unsigned long v = 1; v <= EXOS_PAGEMAP_MAX; v++)
		CHECKF(exos_pagemap_insert(0x10000000 + v) != NULL, "insert %lu of %lu", v,
		       (unsigned long)EXOS_PAGEMAP_MAX);
	CHECK(exos_pagemap_insert(0x20000000) == NULL);
	CHECK_EQ(exos_pagemap_used(), EXOS_PAGEMAP_MAX);
	for (unsigned long v = 1; v <= EXOS_PAGEMAP_MAX; v++)
		CHECK(exos_pagemap_lookup(0x10000000 + v) != NULL);
	clear_all();
	CHECK_EQ(exos_pagemap_used(), 0);
}

/* Random inserts and erases of clustered page numbers against a plain array as the reference. */
#define NKEYS 6000
TEST(random_against_reference)
{
	static uint32_t slot_of[NKEYS]; /* 0: absent, else slot + 1 */
	struct htest_rng r = {htest_seed(0xE905A6E5ull)};
	clear_all();
	memset(slot_of, 0, sizeof(slot_of));
	unsigned long present = 0;
	for (int step = 0; step < 200000; step++) {
		uint64_t k = htest_below(&r, NKEYS);
		uint64_t vpn = 0x7000000 + k; /* consecutive pages, as mmap makes them */
		struct exos_vpage *e = exos_pagemap_lookup(vpn);
		CHECKF((e != NULL) == (slot_of[k] != 0), "step %d: vpn 0x%llx present %d, want %d", step,
		       (unsigned long long)vpn, e != NULL, slot_of[k] != 0);
		if (e) {
			CHECK_EQ(e->slot, slot_of[k] - 1);
			exos_pagemap_erase(e);
			slot_of[k] = 0;
			present--;
		} else if (present < EXOS_PAGEMAP_MAX) {
			e = exos_pagemap_insert(vpn);
			CHECK(e != NULL);
			e->slot = (uint32_t)step;
			slot_of[k] = (uint32_t)step + 1;
			present++;
		}
		CHECK_EQ(exos_pagemap_used(), present);
	}
	for (uint64_t k = 0; k < NKEYS; k++) {
		struct exos_vpage *e = exos_pagemap_lookup(0x7000000 + k);
		CHECK((e != NULL) == (slot_of[k] != 0));
		if (e)
			CHECK_EQ(e->slot, slot_of[k] - 1);
	}
	clear_all();
}
