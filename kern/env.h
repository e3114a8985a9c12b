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

#define NENV 64
#define ENV_NAME_MAX 32

enum env_state {
	ENV_FREE = 0, /* slot unused */
	ENV_RUNNABLE, /* may be chosen to run (or is running) */
};

struct env {
	struct trapframe tf;      /* user context while not in the CPU; valid when not running */
	uint32_t id;              /* unique while alive: generation << 8 | slot; never 0 */
	enum env_state state;
	char name[ENV_NAME_MAX];
	uint64_t pml4_pa;         /* root of its address space */
	struct page_list pages;   /* every page it owns: memory, page tables, kernel structures */
	void *fpu;                /* its FPU/vector save area (a page on its list) */
	uint64_t fs_base, gs_base; /* user segment bases, saved while it is off the CPU */
};

extern struct env envs[NENV];

/* Make an environment from an ELF image; cmdline is copied to its stack and passed in rdi. */
int env_create(const void *image, size_t size, const char *name, const char *cmdline, struct env **out);
/* End e: report why, free every page it owned. Does not reschedule. */
void env_destroy(struct env *e, const char *why);
/* Resume e in user mode (iret path). Never returns. */
NORETURN void env_run(struct env *e);
/* Save the interrupted user context of the current environment. */
void env_save_context(struct env *e, const struct trapframe *tf);
int env_count(void);
/* main.c: refresh the changing fields of the info page. */
void info_update(void);

/* sched.c */
NORETURN void sched_run(struct env *prefer);
NORETURN void sched_yield(void);
void sched_note_tick(void);
void sched_set_baseline(void);

#endif
