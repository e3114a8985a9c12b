/* ExOS's table of virtual pages (pagemap.h): open addressing, linear probing, backward-shift deletion. */
#include "pagemap.h"

#include <stddef.h>

static struct exos_vpage map[EXOS_PAGEMAP_SIZE];
static unsigned long map_used;

#define NEXT(i) (((i) + 1) & (EXOS_PAGEMAP_SIZE - 1))

static unsigned long hash(uint64_t vpn)
{
	return (unsigned long)(vpn * 0x9E3779B97F4A7C15ULL >> (64 - EXOS_PAGEMAP_BITS));
}

struct exos_vpage *exos_pagemap_lookup(uint64_t vpn)
{
	for (unsigned long i = hash(vpn);; i = NEXT(i)) {
		if (map[i].vpn == vpn)
			return &map[i];
		if (map[i].vpn == 0)
			return NULL; /* the table is never full, so the probe ends */
	}
}

struct exos_vpage *exos_pagemap_insert(uint64_t vpn)
{
	if (map_used >= EXOS_PAGEMAP_MAX)
		return NULL;
	unsigned long i = hash(vpn);
	while (map[i].vpn != 0)
		i = NEXT(i);
	map[i] = (struct exos_vpage){.vpn = vpn, .slot = EXOS_NO_PAGE};
	map_used++;
	return &map[i];
}

void exos_pagemap_erase(struct exos_vpage *e)
{
	unsigned long hole = (unsigned long)(e - map);
	for (unsigned long i = NEXT(hole); map[i].vpn != 0; i = NEXT(i)) {
		unsigned long home = hash(map[i].vpn);
		/* Entry i may fill the hole unless its home lies cyclically in (hole, i]. */
		int stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
		if (!stays) {
			map[hole] = map[i];
			hole = i;
		}
	}
	map[hole].vpn = 0;
	map_used--;
}

unsigned long exos_pagemap_used(void) { return map_used; }

struct exos_vpage *exos_pagemap_table(void) { return map; }
