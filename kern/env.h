/*
 * Environments: the unit of protection. An address space, the pages it
 * owns, and a saved user context. Kernel only.
 */
#ifndef KERN_ENV_H
#define KERN_ENV_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include "kernel.h"
#include "pmem.h"
#include "trap.h"
#include <exo/upcall.h>
#include <exo/info.h>

#define NENV EXO_NENV
#define ENV_NAME_MAX 32

enum env_state {
	ENV_FREE = 0,  /* slot unused */
	ENV_NEW,       /* made by env_create, not started */
	ENV_RUNNABLE,  /* may be chosen to run (or is running) */
	ENV_WAIT_MEM,  /* its page_alloc waits for pages asked back from another environment */
	ENV_WAIT_PCT,  /* its pct_call waits for the callee's pct_return */
};

struct pct_entry {
	uint64_t rip, stack_top; /* rip 0: not registered */
};

struct rmap;

struct env {
	struct trapframe tf;      /* user context while not in the CPU; valid when not running */
	/* Upcalls (env_set_upcall): entry 0 means none. Read by trapentry.S at ENV_UPCALL_* offsets. */
	uint64_t upcall_entry, upcall_stack_top, upcall_stack_size, crit_start, crit_len;
	uint32_t id;              /* unique while alive: generation << 8 | slot; never 0 */
	enum env_state state;
	char name[ENV_NAME_MAX];
	uint64_t pml4_pa;         /* root of its address space */
	struct page_list pages;   /* every page charged to it: memory, page tables, kernel structures */
	void *fpu;                /* its FPU/vector save area (a page on its list) */
	uint64_t fs_base, gs_base; /* user segment bases, saved while it is off the CPU */
	struct exo_cap *caps;      /* its capability table (EXO_NCAPS; pages on its list, mapped read-only) */
	struct exo_envinfo *einfo; /* its information region (pages on its list, mapped read-only) */
	uint64_t quota;            /* pages guaranteed to it */
	struct rmap *rmap_free;    /* free reverse-map entries, carved from pages on its list */
	uint64_t rmap_nfree;       /* how many are on rmap_free */
	bool revoke_notified;         /* the revocation upcall for the pending request was delivered */
	bool prologue_pending;        /* one of its slots began: deliver the prologue upcall */
	bool epilogue_pending;        /* its slot is about to end: deliver the epilogue upcall */
	bool shared_prologue;         /* sched_prologue(1): a prologue also when a shared slot begins with it */
	uint32_t nslots;              /* time-vector slots it owns */
	uint32_t overrun_streak;      /* owned slots in a row it did not yield by the end of */
	/* Protected control transfer. */
	struct pct_entry pct[EXO_PCT_ENTRIES];
	/*
	 * pct_active: serving a call; tf is the activation, pct_saved its own context.
	 * pct_lazy (only with pct_active): the call came through the assembly fast path and the
	 * activation's context was never saved, so tf still holds its own context and pct_saved is
	 * unused. env_save_context() moves it to pct_saved first; deactivation then has nothing to do.
	 * Adjacent: trapentry.S sets and tests both with one 16-bit access.
	 */
	bool pct_active, pct_lazy;
	struct trapframe pct_saved;   /* its own context while it serves a call */
	uint32_t pct_caller;          /* id of the synchronous caller waiting for it, 0 for an async call */
	uint64_t revoke_target_usage; /* the pending request is met once usage is at most this */
	uint64_t idle_until;          /* idle(): not scheduled before this tick, unless serving a call; 0: not idle */
};

_Static_assert(__builtin_offsetof(struct env, upcall_entry) == ENV_UPCALL_ENTRY, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, upcall_stack_top) == ENV_UPCALL_STACK_TOP, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, upcall_stack_size) == ENV_UPCALL_STACK_SIZE, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct cpu, curenv) == CPU_CURENV, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct cpu, fpu_env) == CPU_FPU_ENV, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct cpu, park) == CPU_PARK0, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct cpu, donee) == CPU_DONEE, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct trapframe, rip) == TF_RIP, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct trapframe, rflags) == TF_RFLAGS, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct trapframe, rsp) == TF_RSP, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, tf) == 0, "trapentry.S: an env pointer is its tf");
_Static_assert(__builtin_offsetof(struct env, crit_start) == ENV_CRIT_START, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, crit_len) == ENV_CRIT_LEN, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, id) == ENV_ID, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, state) == ENV_ID + 4 && sizeof(enum env_state) == 4,
	       "trapentry.S compares id and state as one 64-bit word");
_Static_assert(__builtin_offsetof(struct env, pml4_pa) == ENV_PML4, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, pages.count) == ENV_PAGES_COUNT, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, fpu) == ENV_FPU, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, fs_base) == ENV_FS_BASE, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, gs_base) == ENV_GS_BASE, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, einfo) == ENV_EINFO, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, pct) == ENV_PCT && sizeof(struct pct_entry) == 16, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, pct_active) == ENV_PCT_ACTIVE, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, pct_lazy) == ENV_PCT_ACTIVE + 1, "trap.h offsets");
_Static_assert(__builtin_offsetof(struct env, pct_caller) == ENV_PCT_CALLER, "trap.h offsets");
_Static_assert(sizeof(struct env) == ENV_SIZE && NENV == ENV_COUNT, "trap.h offsets");
_Static_assert(ENV_RUNNABLE == ENV_STATE_RUNNABLE && ENV_WAIT_PCT == ENV_STATE_WAIT_PCT, "trap.h values");
_Static_assert(__builtin_offsetof(struct exo_envinfo, usage) == EINFO_USAGE, "trap.h offsets");
_Static_assert(EXO_PCT_ENTRIES == PCT_ENTRIES, "trap.h values");
_Static_assert(sizeof(struct exo_upcall) == UPCALL_FRAME_SIZE, "trap.h offsets");

/* Pages charged to e (its usage). */
static inline uint64_t env_usage(const struct env *e) { return e->pages.count; }
/* The live environment with this id, or NULL. */
struct env *env_by_id(uint32_t id);
/* Slot index of e in envs[]. */
static inline uint32_t env_index(const struct env *e);

extern struct env envs[NENV];
/* 1 + the highest index of envs[] ever used: every slot from there up is free. */
extern uint32_t env_slots_used;
static inline uint32_t env_index(const struct env *e) { return (uint32_t)(e - envs); }

/*
 * Make a runnable environment from an ELF image, with a quota; cmdline is
 * copied to its stack and passed in rdi. Every page gets a root capability
 * and is listed in its boot map.
 */
int env_create_from_elf(const void *image, size_t size, const char *name, const char *cmdline, uint64_t quota,
			struct env **out);
/* Make an empty environment (env_create): ENV_NEW, nothing bound. */
long env_create_empty(uint64_t quota, struct env **out);
void env_wake_memory_waiters(void);
/* pct.c: t is being destroyed; wake a caller waiting on it with -EXO_ENOENT. */
void pct_env_ending(struct env *t);
/* upcall.c: deliver a pending asynchronous upcall (revocation) to e if it may take one now. */
void upcall_deliver_pending(struct env *e);
/* upcall.c: e (not running) is inside its upcall handler or its context-restore code. */
bool upcall_in_progress(const struct env *e);
/* upcall.c: deliver an exception upcall; false when e has no handler. e's context is in e->tf. */
bool upcall_exception(struct env *e, uint64_t vector, uint64_t err, uint64_t addr);
/* upcall.c: reflect a foreign `syscall` to e's handler; false when it has none. */
bool upcall_syscall(struct env *e);
/* End e: report why, free every page it owned. Does not reschedule. */
void env_destroy(struct env *e, const char *why);
/* Resume e in user mode (iret path). Never returns. */
NORETURN void env_run(struct env *e);
/* Make e the CPU's environment (address space, FPU state, segment bases) without resuming it. */
void env_switch_to(struct env *e);
/*
 * Save the interrupted user context of the current environment. Every write of a running
 * environment's tf goes through here (a lazy activation's own context is moved aside first).
 */
void env_save_context(struct env *e, const struct trapframe *tf);
int env_count(void);
/* main.c: refresh the changing fields of the info page. */
void info_update(void);
/*
 * Refresh what e reads about itself and the system before it runs again.
 * Exact because an environment reads its region only while it runs.
 */
void env_refresh_info(struct env *e);

/* sched.c */
NORETURN void sched_run(struct env *prefer);
NORETURN void sched_yield(void);
/* idle(): the current environment steps off the CPU for ticks ticks (calls into it still run). */
NORETURN void sched_idle(uint64_t ticks);
/* A timer tick: account it, advance the time vector. True when the slot changed (reschedule). */
bool sched_tick(void);
/* The rest of the current slot goes to t (directed: PCT, yield_to). */
void sched_donate(struct env *t);
/* e is going away: forget it as slot holder or donee. */
void sched_forget(struct env *e);
void sched_set_baseline(void);
/* memory.c: quotas, visible revocation and the abort protocol. */
extern uint64_t quota_capacity;              /* pages the kernel can guarantee in all */
uint64_t quota_sum(const struct env *except); /* quotas of all live environments but except */
void mem_after_free(void);                    /* withdraw met requests, wake waiters */
void mem_tick(void);                          /* run the abort protocol on missed deadlines */
/* check.c: verify every memory invariant; panics on a broken one. Returns bindings checked. */
long kernel_check_all(void);

#endif
