/*
 * The exo info page: one page the kernel maps read-only at EXO_INFO_VA in
 * every environment. Reading it costs no kernel call. The kernel updates it;
 * fields that change (ticks, free_pages) may be read torn across a tick:
 * read twice if that matters.
 */
#ifndef EXO_INFO_H
#define EXO_INFO_H

#include <stdint.h>

/*
 * Time. The local APIC ticks EXO_TICK_HZ times a second. Each CPU's time is
 * a vector of EXO_NSLOTS slots of EXO_SLOT_TICKS ticks, repeating. A slot is
 * owned through a capability (slot_alloc); its owner runs in it and only in
 * its own slots, entered at its prologue upcall and warned by its epilogue
 * upcall EXO_EPILOGUE_GRACE ticks before the end. Environments that own no
 * slot share the unowned slots (and owned slots whose owner cannot use them)
 * round-robin. docs/processor.md has the rules, including the overrun penalty.
 */
#define EXO_TICK_HZ 500 /* 1 kHz is more than QEMU's TCG delivers on time (measured: ticks arrive at ~470 Hz) */
#define EXO_NSLOTS 16
#define EXO_NENV 64 /* environments at most, alive at once */
#define EXO_IDLE_MAX (3600UL * EXO_TICK_HZ) /* the longest idle call: an hour */
#define EXO_SLOT_TICKS 5
#define EXO_EPILOGUE_GRACE 1
#define EXO_OVERRUN_LIMIT 3  /* this many overruns in a row ... */
#define EXO_PENALTY_SLOTS 3  /* ... and the owner loses its next this many slots */

/* Protected control transfer: entry points per environment. */
#define EXO_PCT_ENTRIES 8

#define EXO_INFO_MAGIC 0x4f464e494f584555ULL /* "UEXOINFO" */

struct exo_info {
	uint64_t magic;        /* EXO_INFO_MAGIC */
	uint64_t tsc_hz;       /* TSC ticks per second, calibrated at boot */
	uint64_t tick_hz;      /* timer interrupts per second */
	uint64_t ticks;        /* timer interrupts since the timer started */
	uint64_t boot_tsc;     /* TSC value at the kernel's first instruction */
	uint64_t total_pages;  /* physical pages of RAM the kernel manages */
	uint64_t free_pages;   /* of those, pages on the free list now */
	uint64_t cpu_features; /* EXO_CPU_* bits the kernel turned on */
	uint64_t npages;       /* page records at EXO_PAGES_VA (struct exo_page, inc/exo/mem.h) */
	uint64_t cur_slot;     /* the slot of the time vector now running */
	uint32_t slot_owner[EXO_NSLOTS]; /* env id owning each slot, 0 for none */
	uint64_t bootfs_size;  /* bytes of the boot archive at EXO_BOOTFS_VA (inc/exo/memlayout.h); 0: none */
	/*
	 * Which environments live: the id of the environment in each slot
	 * (an id's low 8 bits are its slot), 0 when the slot is free. A
	 * library OS's server uses it to learn that a client has ended.
	 */
	uint32_t env_id[EXO_NENV];
};

/* cpu_features bits. */
#define EXO_CPU_NX (1u << 0)
#define EXO_CPU_SMEP (1u << 1)
#define EXO_CPU_SMAP (1u << 2)
#define EXO_CPU_UMIP (1u << 3)
#define EXO_CPU_FSGSBASE (1u << 4)
#define EXO_CPU_PCID (1u << 5)
#define EXO_CPU_XSAVE (1u << 6)
#define EXO_CPU_PGE (1u << 7)

#endif
