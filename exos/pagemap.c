/* ExOS's table of virtual pages (pagemap.h): open addressing, linear probing, backward-shift deletion. */
#include "pagemap.h"

#include <stddef.h>

/* The first table and the bookkeeping, on pages of their own (fork copies them at once: vm.c). */
static struct {
	struct exos_vpage first[EXOS_PAGEMAP_MIN];
	struct exos_vpage *map; /* the table now: first, or one vm.c allocated */
	unsigned long size, used;
} pm __attribute__((aligned(4096)));

static struct exos_vpage *table(void)
{
	if (!pm.map) {
		pm.map = pm.first;
		pm.size = EXOS_PAGEMAP_MIN;
	}
	return pm.map;
}

static unsigned long next(unsigned long i) { return (i + 1) & (pm.size - 1); }

static unsigned long hash(uint64_t vpn)
{
	unsigned long h = (unsigned long)(vpn * 0x9E3779B97F4A7C15ULL >> 32);
	return h & (pm.size - 1);
}

struct exos_vpage *exos_pagemap_lookup(uint64_t vpn)
{
	struct exos_vpage *map = table();
	for (unsigned long i = hash(vpn);; i = next(i)) {
		if (map[i].vpn == vpn)
			return &map[i];
		if (map[i].vpn == 0)
			return NULL; /* the table is never full, so the probe ends */
	}
}

struct exos_vpage *exos_pagemap_insert(uint64_t vpn)
{
	struct exos_vpage *map = table();
	if (pm.used >= pm.size / 4 * 3)
		return NULL;
	unsigned long i = hash(vpn);
	while (map[i].vpn != 0)
		i = next(i);
	map[i] = (struct exos_vpage){.vpn = vpn, .slot = EXOS_NO_PAGE};
	pm.used++;
	return &map[i];
}

void exos_pagemap_erase(struct exos_vpage *e)
{
	struct exos_vpage *map = table();
	unsigned long hole = (unsigned long)(e - map);
	for (unsigned long i = next(hole); map[i].vpn != 0; i = next(i)) {
		unsigned long home = hash(map[i].vpn);
		/* Entry i may fill the hole unless its home lies cyclically in (hole, i]. */
		int stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
		if (!stays) {
			map[hole] = map[i];
			hole = i;
		}
	}
	map[hole].vpn = 0;
	pm.used--;
}

void exos_pagemap_rehash(struct exos_vpage *to, unsigned long size)
{
	struct exos_vpage *from = table();
	unsigned long old_size = pm.size;
	pm.map = to;
	pm.size = size;
	pm.used = 0;
	for (unsigned long k = 0; k < old_size; k++)
		if (from[k].vpn) {
			struct exos_vpage *e = exos_pagemap_insert(from[k].vpn);
			*e = from[k];
		}
}

unsigned long exos_pagemap_used(void) { return pm.used; }

unsigned long exos_pagemap_size(void)
{
	table();
	return pm.size;
}

struct exos_vpage *exos_pagemap_table(void) { return table(); }

void exos_pagemap_own_range(uint64_t *start, uint64_t *end)
{
	*start = (uint64_t)&pm;
	*end = (*start + sizeof(pm) + 4095) & ~4095UL;
}
