/*
 * execve (exec.c): the new program replaces this one in the same
 * environment, so the process keeps its id, its entry, its children and its
 * parent's capability for it.
 *
 * The old image cannot unmap itself while it runs, so execve prepares
 * everything first (the new program's pages, filled through a scratch
 * binding, and its Linux start-up stack), writes a handoff at
 * EXOS_EXEC_HANDOFF_VA, and jumps to a small position-independent
 * trampoline copied to EXOS_EXEC_TRAMPOLINE_VA: it switches upcalls off,
 * binds the new pages over the old ones with bind_batch, and enters the new
 * program with rdi = 0 (not the kernel's command line) and rsp at the Linux
 * block. The new program's ExOS sees the handoff, adopts its pages, takes
 * over the process state, and drops the old program's capabilities (which
 * also removes what is left of its bindings).
 */
#ifndef EXOS_EXEC_H
#define EXOS_EXEC_H

#include <stdint.h>
#include <exo/mem.h>

#define EXOS_EXEC_HANDOFF_VA 0x7E4000000000UL
#define EXOS_EXEC_TRAMPOLINE_VA 0x7E40FFFFF000UL
#define EXOS_EXEC_MAGIC 0x434558454f535845ULL /* "EXSOEXEC" */
#define EXOS_EXEC_MAX_PAGES 3072
#define EXOS_EXEC_MAX_CHILDREN 64

struct exos_exec_child {
	uint32_t pid, env, entry, inbox, pgid_asked, pgid_start;
	int32_t killed_by;
};

struct exos_exec_handoff {
	uint64_t magic;
	uint64_t nhandoff;      /* pages of this handoff ... */
	uint32_t handoff[32];   /* ... and their slots, for the new program to drop */
	uint32_t trampoline;    /* the trampoline page's slot */
	uint32_t self_entry_slot, parent_entry_slot;
	uint32_t self_inbox_slot, parent_inbox_slot;
	uint64_t sig_mask, sig_ignored, sig_pending; /* what of the signal state crosses execve */
	uint64_t tramp_args[7];  /* what the trampoline reads (exec.c: struct exos_tramp_args) */
	char name[32];           /* the new program's name, for its process entry */
	struct exos_exec_child children[EXOS_EXEC_MAX_CHILDREN];
	uint64_t nold;           /* the old program's page capabilities, to drop */
	uint32_t old[EXOS_EXEC_MAX_PAGES];
	uint64_t nmap;           /* the new program's pages: EXO_OP_BIND of slot at va with prot */
	struct exo_bind_op ops[EXOS_EXEC_MAX_PAGES];
};

/* Set by the new program's start-up when it was exec'd: the handoff, or NULL. */
const struct exos_exec_handoff *exos_exec_handoff(void);
/* The new program's start-up is done with the handoff: drop it and the trampoline. */
void exos_exec_handoff_release(void);

long exos_execve(const char *path, char *const argv[], char *const envp[]);

#endif
