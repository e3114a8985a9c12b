/*
 * ExOS processes (proc.c): one process per exo environment; fork, exit,
 * wait4, process groups and sessions, and the shared process table.
 *
 * Each process has an entry: one page, made by its parent at fork and handed
 * to it with write rights; the parent keeps only a read-only capability (it
 * drops the one it made the page with), so from then on only the process
 * itself can write its entry. A process binds its own entry at
 * exos_proc_entry(its id) (a row of pages at EXOS_PROCTAB_VA indexed by the
 * low 8 bits of the environment id, unique among live environments), its
 * parent's read-only at EXOS_PARENT_VIEW_VA, and each child's read-only at
 * EXOS_CHILD_VIEWS_VA + the child's record number: a zombie's entry outlives
 * its environment, whose id bits a new environment may then reuse. So far
 * each process sees itself, its parent and its children; a table of every
 * process (for ps) comes with issue 7.
 *
 * Trust: a process's identity is its environment id, which readers take
 * from their capabilities (the kernel fills in a capability's object), never
 * from the entry; what an entry says (state, status, group) is what that
 * process says about itself. A parent holds CONTROL over its children's
 * environments, so it could change their memory; it cannot change its own
 * entry's identity in anyone else's eyes.
 */
#ifndef EXOS_PROC_H
#define EXOS_PROC_H

#include <stdint.h>
#include <exos/api.h> /* struct exos_proc, EXOS_PROCTAB_VA, exos_proc_entry */

#define EXOS_PARENT_VIEW_VA (EXOS_PROCTAB_VA + 0x100000UL)
#define EXOS_CHILD_VIEWS_VA (EXOS_PROCTAB_VA + 0x200000UL)
/*
 * Signal inboxes: one page per process (a 64-bit set of signals sent to it,
 * bits set with an atomic OR, taken with an atomic exchange). A process's
 * parent made it and keeps write access, and the process gets write access
 * to its parent's: so parent and child can signal each other, and nobody else
 * can. Own at EXOS_INBOX_VA, the parent's at EXOS_PARENT_INBOX_VA, the
 * children's at EXOS_CHILD_INBOXES_VA + record number.
 */
#define EXOS_INBOX_VA (EXOS_PROCTAB_VA + 0x300000UL)
#define EXOS_PARENT_INBOX_VA (EXOS_PROCTAB_VA + 0x301000UL)
#define EXOS_CHILD_INBOXES_VA (EXOS_PROCTAB_VA + 0x400000UL)

/* Set up this process's entry (the first process makes its own). 0 or -errno. */
long exos_proc_init(const char *name);
/* execve: hand the process's state to the new program, and take it over there (exec.h). */
struct exos_exec_handoff;
long exos_proc_export(struct exos_exec_handoff *h, const char *path);
long exos_proc_init_exec(const struct exos_exec_handoff *h);

long exos_fork(void);
__attribute__((noreturn)) void exos_exit(int code);
/* The process is about to end by signal sig (e.g. an unhandled fault): say so in its entry. */
void exos_proc_dying(int sig);
/* Job control: this process stopped by stop_sig, or continued (0); its parent hears SIGCHLD, and wait4 reports it. */
void exos_proc_job_state(int stop_sig);
long exos_wait4(long pid, int *status, long options, void *rusage);
long exos_getpid(void);
long exos_getppid(void);
long exos_setpgid(long pid, long pgid);
long exos_getpgid(long pid);
long exos_setsid(void);
long exos_getsid(long pid);
long exos_kill(long pid, long sig);
long exos_tkill(long tid, long sig);
/* The signals other processes sent since the last look (atomically taken); is anything there? */
uint64_t exos_proc_take_inbox(void);
int exos_proc_inbox_waiting(void);

long exos_reboot(unsigned long magic1, unsigned long magic2, unsigned long cmd);
/* The process's arguments, for /proc/<pid>/cmdline (start-up and execve). */
void exos_proc_set_cmdline(int argc, char **argv);
/* The first process: tell the file server where our entry and inbox are (forked ones are told by their parent). */
void exos_proc_register(void);

#endif
