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
#include <exos/api.h> /* struct exos_exec_handoff */

/* Set by the new program's start-up when it was exec'd: the handoff, or NULL. */
const struct exos_exec_handoff *exos_exec_handoff(void);
/* The new program's start-up is done with the handoff: drop it and the trampoline. */
void exos_exec_handoff_release(void);

long exos_execve(const char *path, char *const argv[], char *const envp[]);

#endif
