/*
 * ExOS's table of the virtual pages that have a physical page: for each,
 * the capability slot of that page and the rights it is bound with now. Pure data structure
 * (no kernel calls), so it also builds on the host for its unit test
 * (tests/host/test_exos_pagemap.c).
 */
#ifndef EXOS_PAGEMAP_H
#define EXOS_PAGEMAP_H

#include <stdint.h>

#define EXOS_PAGEMAP_BITS 13
#define EXOS_PAGEMAP_SIZE (1UL << EXOS_PAGEMAP_BITS)
/* Entries the table holds at most (3/4 full): more than the 4095 pages one environment can name. */
#define EXOS_PAGEMAP_MAX (EXOS_PAGEMAP_SIZE / 4 * 3)
#define EXOS_NO_PAGE 0xFFFFFFFFu

struct exos_vpage {
	uint64_t vpn;   /* virtual page number; 0 marks an empty entry (page 0 is never mapped) */
	uint32_t slot;  /* capability of its physical page, or EXOS_NO_PAGE */
	uint16_t bound; /* EXO_PROT_* it is bound with now; 0: not bound */
	uint16_t flags; /* for the user of the table */
};

/* The entry of vpn, or NULL. */
struct exos_vpage *exos_pagemap_lookup(uint64_t vpn);
/* A new entry for vpn (which must not be in the table, and not 0): slot EXOS_NO_PAGE, not bound; NULL when full. */
struct exos_vpage *exos_pagemap_insert(uint64_t vpn);
/* Remove e. Other entries may move: pointers to them are stale afterwards. */
void exos_pagemap_erase(struct exos_vpage *e);
/* Entries in use. */
unsigned long exos_pagemap_used(void);
/* The table itself (EXOS_PAGEMAP_SIZE entries, empty ones with vpn 0), for walks that change no entry. */
struct exos_vpage *exos_pagemap_table(void);

#endif
