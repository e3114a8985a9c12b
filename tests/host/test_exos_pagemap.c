/* Host tests for ExOS's table of virtual pages (exos/pagemap.c), compiled in directly. */
#define HTEST_SUITE "host.exos_pagemap"
#include "htest.h"

#include "../../exos/pagemap.c"

#include <stdlib.h>

/* Empty the table through the interface, and go back to the first table (cases share it). */
static void clear_all(void)
{
	struct exos_vpage *map = exos_pagemap_table();
	for (unsigned long i = 0; i < exos_pagemap_size(); i++)
		while (map[i].vpn != 0)
			exos_pagemap_erase(&map[i]);
	if (map != pm.first) {
		exos_pagemap_rehash(pm.first, EXOS_PAGEMAP_MIN); /* empty: nothing moves */
		free(map);
	}
}

/* Grow as vm.c does: a zeroed table twice the size. */
static void grow(void)
{
	struct exos_vpage *old = exos_pagemap_table();
	unsigned long size = exos_pagemap_size() * 2;
	exos_pagemap_rehash(calloc(size, sizeof(struct exos_vpage)), size);
	if (old != pm.first)
		free(old);
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

TEST(fills_to_three_quarters_then_grows)
{
	clear_all();
	unsigned long max = EXOS_PAGEMAP_MIN / 4 * 3;
	for (unsigned long v = 1; v <= max; v++) {
		struct exos_vpage *e = exos_pagemap_insert(0x10000000 + v);
		CHECKF(e != NULL, "insert %lu of %lu", v, max);
		e->slot = (uint32_t)v;
	}
	CHECK(exos_pagemap_insert(0x20000000) == NULL);
	CHECK_EQ(exos_pagemap_used(), max);
	grow();
	CHECK_EQ(exos_pagemap_size(), 2 * EXOS_PAGEMAP_MIN);
	CHECK_EQ(exos_pagemap_used(), max);
	for (unsigned long v = 1; v <= max; v++) {
		struct exos_vpage *e = exos_pagemap_lookup(0x10000000 + v);
		CHECK(e != NULL && e->slot == v);
	}
	CHECK(exos_pagemap_insert(0x20000000) != NULL);
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
		} else {
			e = exos_pagemap_insert(vpn);
			if (!e) {
				grow();
				e = exos_pagemap_insert(vpn);
			}
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
