/*
 * Memory capabilities, bindings and the structures the kernel exposes about
 * memory. docs/memory.md explains the design; docs/kernel-calls.md lists the
 * calls and their errors.
 */
#ifndef EXO_MEM_H
#define EXO_MEM_H

#include <stdint.h>

/* ---- capabilities ---- */

#define EXO_NCAPS 4096 /* slots in each environment's capability table (96 KiB, charged to it) */
#define EXO_CAP_SELF 0 /* slot 0 always holds a capability for the environment itself */

enum exo_cap_type {
	EXO_CAP_NONE = 0, /* empty slot */
	EXO_CAP_PAGE = 1, /* a physical page: object = its page number */
	EXO_CAP_ENV = 2,  /* an environment: object = its id */
	EXO_CAP_SLOT = 3, /* a slot of the time vector: object = slot number; not grantable */
};

/* Rights. A page capability's R/W/X bound what a binding through it may allow. */
#define EXO_RIGHT_R 0x01
#define EXO_RIGHT_W 0x02
#define EXO_RIGHT_X 0x04
#define EXO_RIGHT_GRANT 0x08 /* may be passed on (cap_grant) */
#define EXO_RIGHT_CONTROL 0x10 /* env capability: bind into, set up, start, destroy, set quota */
#define EXO_RIGHTS_PAGE_ALL (EXO_RIGHT_R | EXO_RIGHT_W | EXO_RIGHT_X | EXO_RIGHT_GRANT)
#define EXO_RIGHTS_ENV_ALL (EXO_RIGHT_CONTROL | EXO_RIGHT_GRANT)

#define EXO_CAPID_NIL 0xFFFFFFFFu

/*
 * One slot of a capability table, as the kernel keeps it and as the owner
 * sees it (read-only) at EXO_CAPS_VA. The tree links are global capability
 * ids (environment slot * EXO_NCAPS + table slot): they record who derived
 * what from whom, which is what revocation follows.
 */
struct exo_cap {
	uint8_t type;   /* enum exo_cap_type */
	uint8_t rights; /* EXO_RIGHT_* */
	uint16_t pad;
	uint32_t object;      /* page number or environment id */
	uint32_t parent;      /* the capability this one was granted from, or EXO_CAPID_NIL */
	uint32_t first_child; /* capabilities granted from this one */
	uint32_t next_sibling;
	uint32_t prev_sibling;
};

/* ---- bindings ---- */

/* Protection of a binding: a subset of the capability's R/W/X. R is implied. */
#define EXO_PROT_R EXO_RIGHT_R
#define EXO_PROT_W EXO_RIGHT_W
#define EXO_PROT_X EXO_RIGHT_X

/* Result bits of binding_bits(). */
#define EXO_BIND_PRESENT 0x100
#define EXO_BIND_ACCESSED 0x200
#define EXO_BIND_DIRTY 0x400

/*
 * One operation of bind_batch(). EXO_OP_BIND binds through a capability in
 * the caller's table; EXO_OP_BIND_THEIRS through one in the target
 * environment's own table (the caller holds CONTROL over the target, so it may
 * use what the target holds): a library OS setting up a child binds the pages
 * it granted the child with the child's own capabilities, so that the
 * bindings last as long as the child keeps them, whatever the parent drops.
 */
enum exo_bind_op_kind { EXO_OP_BIND = 1, EXO_OP_UNBIND = 2, EXO_OP_PROTECT = 3, EXO_OP_BIND_THEIRS = 4 };
struct exo_bind_op {
	uint32_t op;   /* enum exo_bind_op_kind */
	uint32_t slot; /* page capability (EXO_OP_BIND: the caller's slot; EXO_OP_BIND_THEIRS: the target's) */
	uint64_t va;   /* page-aligned, below EXO_BIND_TOP */
	uint32_t prot; /* EXO_PROT_* (BIND and PROTECT) */
	uint32_t pad;
};
#define EXO_BATCH_MAX 512 /* operations in one bind_batch or cap_grant_batch call */

/*
 * One grant of cap_grant_batch(): a capability derived from the caller's
 * slot, with rights, placed in slot to_slot of the receiver's table (which
 * must be empty). Choosing the receiver's slot lets a library OS give a child
 * the same slot numbers it uses itself, so the child's copy of the parent's
 * page tables stays valid without translation (ExOS's fork).
 */
struct exo_grant_op {
	uint32_t slot;    /* the caller's capability */
	uint32_t to_slot; /* the receiver's slot: 1 .. EXO_NCAPS-1, empty */
	uint32_t rights;  /* a subset of slot's rights */
	uint32_t flags;   /* EXO_GRANT_* */
};
/*
 * The caller's page capability is dropped once the grant is made: the page
 * moves to the receiver (and with it the charge, if the caller held no other
 * capability for it). A slot moved may appear only once in the batch.
 */
#define EXO_GRANT_MOVE 1

/* page_alloc: ask for this page number, or any free page. */
#define EXO_PPN_ANY 0xFFFFFFFFFFFFFFFFUL
#define EXO_RUN_MAX 512 /* pages in one page_alloc_run call */
#define EXO_SLOT_ANY 0xFFFFFFFFFFFFFFFFUL /* slot_alloc: any free slot */

/* ---- exposed page records (EXO_PAGES_VA, exo_info.npages of them) ---- */

enum exo_page_type {
	EXO_PAGE_ABSENT = 0, /* not RAM, or RAM the firmware keeps: never allocated */
	EXO_PAGE_FREE,       /* on the free list */
	EXO_PAGE_KERNEL,     /* kernel image, kernel tables, page records, stacks */
	EXO_PAGE_BOOTMOD,    /* a boot module (program image) */
	EXO_PAGE_USER,       /* memory reached through capabilities; owner = who is charged */
	EXO_PAGE_PGTABLE,    /* a page-table page of env `owner` (charged to it) */
	EXO_PAGE_ENVKERN,    /* another kernel structure made for env `owner` (charged to it) */
	EXO_PAGE_NTYPES
};

/*
 * The kernel's record of one physical page, mapped read-only into every
 * environment: whether it is free, its type, which environment is charged
 * for it, and how many capabilities name it. Knowing this gives no authority.
 */
struct exo_page {
	uint32_t next;  /* kernel list link (free list or owner's list) */
	uint32_t prev;
	uint32_t owner; /* env id charged for it, 0 for none */
	uint8_t type;   /* enum exo_page_type */
	uint8_t flags;  /* kernel use */
	uint16_t ncaps; /* capabilities that name it (its reference count) */
	uint32_t nmaps; /* bindings of it, in all address spaces */
	uint32_t pad;
};

/* ---- the per-environment information region (EXO_ENVINFO_VA) ---- */

#define EXO_REPO_MAX 128
#define EXO_BOOTMAP_MAX 700

/* Why a capability disappeared from this environment's table. */
enum exo_repo_reason {
	EXO_REPO_REVOKED = 1,     /* the grantor withdrew it (cap_revoke) */
	EXO_REPO_REPOSSESSED = 2, /* the abort protocol took the page by force */
};

struct exo_repo_entry {
	uint32_t slot;   /* the slot the capability was in */
	uint32_t reason; /* enum exo_repo_reason */
	uint64_t ppn;    /* the page it named */
};

struct exo_bootmap_entry {
	uint64_t va;   /* where the kernel bound the page */
	uint32_t slot; /* the capability it made for it */
	uint32_t prot;
};

struct exo_envinfo {
	uint32_t id;        /* this environment's id */
	uint32_t pad0;
	uint64_t quota;     /* pages guaranteed to it (set by whoever holds its env capability) */
	uint64_t usage;     /* pages charged to it now: memory it allocated, its page tables and kernel structures */
	uint64_t revoke_pages;    /* the kernel asks for this many pages back (0: no request) */
	uint64_t revoke_deadline; /* ... by this tick (exo_info.ticks); then the abort protocol runs */
	uint64_t nrepo;     /* entries ever written to repo[]; entry i is at repo[i % EXO_REPO_MAX] */
	struct exo_repo_entry repo[EXO_REPO_MAX]; /* the repossession vector */
	/* CPU time (docs/processor.md). */
	uint64_t cpu_ticks;       /* timer ticks during which it was running */
	uint64_t slots_run;       /* owned slots it was given */
	uint64_t overruns;        /* owned slots it did not yield by the end of (preempted by force) */
	uint64_t penalty_slots;   /* owned slots it will lose next, for repeated overruns */
	uint64_t epilogues;       /* epilogue upcalls delivered */
	uint64_t nbootmap;  /* pages the kernel bound when it made this environment from an ELF */
	struct exo_bootmap_entry bootmap[EXO_BOOTMAP_MAX];
};

#include <exo/upcall.h>

#endif
