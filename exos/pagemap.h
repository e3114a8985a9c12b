/*
 * ExOS's table of the virtual pages that have a physical page: for each,
 * the capability slot of that page and the rights it is bound with now. An
 * open-addressing hash table that starts small (in ExOS's own data) and is
 * moved into a bigger one when it is 3/4 full: vm.c allocates the bigger
 * table and calls exos_pagemap_rehash. Pure data structure (no kernel
 * calls), so it also builds on the host for its unit test
 * (tests/host/test_exos_pagemap.c).
 */
#ifndef EXOS_PAGEMAP_H
#define EXOS_PAGEMAP_H

#include <stdint.h>

#define EXOS_PAGEMAP_MIN 1024    /* entries of the first table */
#define EXOS_PAGEMAP_LIMIT 16384 /* entries of the biggest: 12288 pages in use, more than 4095 capabilities name */
/* Entries the largest table holds (3/4 full). */
#define EXOS_PAGEMAP_MAX (EXOS_PAGEMAP_LIMIT / 4 * 3)
#define EXOS_NO_PAGE 0xFFFFFFFFu

struct exos_vpage {
	uint64_t vpn;   /* virtual page number; 0 marks an empty entry (page 0 is never mapped) */
	uint32_t slot;  /* capability of its physical page, or EXOS_NO_PAGE */
	uint16_t bound; /* EXO_PROT_* it is bound with now; 0: not bound */
	uint16_t flags; /* for the user of the table */
};

/* The entry of vpn, or NULL. */
struct exos_vpage *exos_pagemap_lookup(uint64_t vpn);
/*
 * A new entry for vpn (which must not be in the table, and not 0): slot
 * EXOS_NO_PAGE, not bound. NULL when the table is 3/4 full: grow it, then ask
 * again. Pointers to entries stay valid until an erase or a rehash.
 */
struct exos_vpage *exos_pagemap_insert(uint64_t vpn);
/* Remove e. Other entries may move: pointers to them are stale afterwards. */
void exos_pagemap_erase(struct exos_vpage *e);
/* Entries in use, and entries the table has. */
unsigned long exos_pagemap_used(void);
unsigned long exos_pagemap_size(void);
/* The table itself (exos_pagemap_size() entries, empty ones with vpn 0), for walks that change no entry. */
struct exos_vpage *exos_pagemap_table(void);
/* Move every entry into table (size entries, zeroed, a power of two, bigger than now); it is the table from now on. */
void exos_pagemap_rehash(struct exos_vpage *table, unsigned long size);
/* The table's own bookkeeping and first table ([*start, *end)): memory a page-fault handler writes. */
void exos_pagemap_own_range(uint64_t *start, uint64_t *end);

#endif
