/*
 * ExOS's own interface for programs, beside the Linux system calls: what a
 * program linked with ExOS can do that Linux does not offer. Include it with
 * <exos/api.h> (tools/exo-cc builds with -Iinc).
 */
#ifndef EXOS_API_H
#define EXOS_API_H

#include <stdint.h>
#include <exo/mem.h>
#include <exo/upcall.h>

/*
 * ExOS's page-fault service: demand-zero pages, copy-on-write, stack growth.
 * A program that installs its own page-fault upcall handler (libexo's
 * exo_set_pagefault_handler) takes over every fault; it should hand the
 * faults it does not want to this function, which returns 0 when it served
 * the fault and -1 when the access was the program's error.
 */
int exos_vm_fault(struct exo_upcall *u);

/*
 * The Appel-Li primitives as ExOS offers them: trap is a SIGSEGV handler
 * (sigaction with SA_SIGINFO: si_addr is the address), prot1/protN/unprot
 * are mprotect, and dirty is this: 1 if the page at addr was written since
 * it was bound or last asked with clear = 1 (the hardware's dirty bit, read
 * from the kernel), 0 if not; -EFAULT when no page is there.
 */
long exos_dirty(const void *addr, int clear);

/*
 * LRPC (exos/lrpc.c): offer a function as a service at index (below
 * EXO_PCT_ENTRIES, 8), and call a service of the process pid. The function
 * runs in the server's address space, on the caller's time slice (protected
 * control transfer), with the caller's pid, which the kernel vouches for.
 * fn NULL withdraws the service. A call returns 0 and the function's result
 * in *result, or -ESRCH (no such process), -EINVAL (no such service, or
 * calling oneself), -EBUSY (the server is serving another call).
 */
typedef long (*exos_lrpc_fn)(uint32_t caller, long a, long b, long c, long d);
long exos_lrpc_serve(unsigned index, exos_lrpc_fn fn);
long exos_lrpc_call(uint32_t pid, unsigned index, long a, long b, long c, long d, long *result);

/*
 * The process protocol (exos/proc.h has the rest): every ExOS process has an
 * entry page, bound read-write at exos_proc_entry(its environment id), that
 * only it writes and its parent reads. A program that is not an ExOS program
 * but was started by ExOS's fork and execve (a second library OS) ends
 * properly by writing its status there before it exits: state
 * EXOS_PROC_EXITED and status = exit code << 8 (or the signal that ended it),
 * so that its ExOS parent's wait4 reports it.
 */
#define EXOS_PROCTAB_VA 0x7E0000000000UL
#define EXOS_PROCTAB_ENTRIES 256
#define EXOS_PROC_CMDLINE_MAX 1024

enum exos_proc_state {
	EXOS_PROC_RUNNING = 1,
	EXOS_PROC_EXITED = 2, /* status holds the Linux wait status */
};

struct exos_proc {
	uint32_t pid; /* its environment id */
	uint32_t ppid;
	uint32_t pgid, sid;
	uint32_t state;  /* enum exos_proc_state */
	int32_t status;  /* wait status: exit code << 8, or the signal that ended it */
	uint64_t start_tick;
	char name[32];
	/* Job control: the signal that stopped it (0 while it runs), and a count of its stops and continues. */
	uint32_t stop_sig;
	uint32_t jobseq;
	/* The program's arguments, each ending in NUL (what /proc/<pid>/cmdline shows), cmdline_len bytes. */
	uint32_t cmdline_len;
	char cmdline[EXOS_PROC_CMDLINE_MAX];
};

static inline struct exos_proc *exos_proc_entry(uint32_t pid)
{
	return (struct exos_proc *)(EXOS_PROCTAB_VA + (uint64_t)(pid & (EXOS_PROCTAB_ENTRIES - 1)) * 4096);
}

/*
 * The execve protocol (exos/exec.h): a program ExOS's execve starts finds
 * rdi = 0, rsp at a Linux start-up block, and this handoff at
 * EXOS_EXEC_HANDOFF_VA. Its pages are ops[0..nmap) (already bound). An
 * ExOS program takes over the process state too; any program should drop
 * the old program's capabilities old[0..nold), the trampoline page and the
 * handoff's own pages handoff[0..nhandoff) (read them before dropping the
 * last) - libexo's start-up does that for libexo programs.
 */
/* lib/exec_handoff.c (in libexo and ExOS): the handoff execve left here, or NULL; drop what the old program held. */
struct exos_exec_handoff;
const struct exos_exec_handoff *exo_exec_handoff_find(void);
void exo_exec_handoff_drop(const struct exos_exec_handoff *h);

#define EXOS_EXEC_HANDOFF_VA 0x7E4000000000UL
#define EXOS_EXEC_TRAMPOLINE_VA 0x7E40FFFFF000UL
#define EXOS_EXEC_MAGIC 0x434558454f535845ULL /* "EXSOEXEC" */
#define EXOS_EXEC_MAX_PAGES 3072
#define EXOS_EXEC_MAX_CHILDREN 64
#define EXOS_EXEC_MAX_KEEP 128
#define EXOS_EXEC_MAX_KEEPREG 32
#define EXOS_EXEC_MAX_FDS 256

struct exos_exec_child {
	uint32_t pid, env, entry, inbox, pgid_asked, pgid_start;
	int32_t killed_by;
	uint32_t jobseq_seen;
};

struct exos_exec_handoff {
	uint64_t magic;
	uint64_t nhandoff;      /* pages of this handoff ... */
	uint32_t handoff[32];   /* ... and their slots, for the new program to drop */
	uint32_t trampoline;    /* the trampoline page's slot */
	uint32_t self_entry_slot, parent_entry_slot;
	uint32_t self_inbox_slot, parent_inbox_slot;
	uint64_t sig_mask, sig_ignored, sig_pending; /* what of the signal state crosses execve */
	uint32_t tty_sig_seen, tty_pad;              /* how far the terminal's signals were looked at */
	uint64_t tramp_args[7];  /* what the trampoline reads (exec.c: struct exos_tramp_args) */
	char name[32];           /* the new program's name, for its process entry */
	struct exos_exec_child children[EXOS_EXEC_MAX_CHILDREN];
	uint64_t nold;           /* the old program's page capabilities, to drop */
	uint32_t old[EXOS_EXEC_MAX_PAGES];
	uint64_t nmap;           /* the new program's pages: EXO_OP_BIND of slot at va with prot */
	struct exo_bind_op ops[EXOS_EXEC_MAX_PAGES];
	/* ExOS's own: memory and descriptors that cross execve (pipes), already bound. */
	uint64_t nkeep, nkeepreg, nfd;
	struct exo_bind_op keep[EXOS_EXEC_MAX_KEEP];
	struct { uint64_t start, end; } keepreg[EXOS_EXEC_MAX_KEEPREG];
	struct exos_exec_fd {
		int32_t fd;
		uint8_t type, end, flags, pad;
		uint64_t pipe; /* a pipe's header, or a file server handle */
		uint64_t size, off; /* a file's flags and access mode */
		uint32_t mode, ino;
	} fd[EXOS_EXEC_MAX_FDS];
	/* The file server (exos/fsd.c): its id, our capability for its environment, our window; the umask; the working directory. */
	uint32_t fs_server, fs_env_slot, fs_connected, umask;
	int64_t fs_cwd;
};

/*
 * Threads (exos/thread.c): how many threads of this process are alive, how
 * many times a thread was preempted (the prologue upcall, or a preemption
 * noted inside ExOS and made as the call returned), and how many thread
 * switches were made in all. For tests and benchmarks.
 */
void exos_thread_stats(long *live, unsigned long *preemptions, unsigned long *switches);

#endif
