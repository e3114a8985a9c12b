/*
 * ExOS processes: fork with copy-on-write done entirely here, exit, wait4,
 * process groups and sessions, kill, and the shared process table
 * (proc.h says who may write what).
 *
 * A child starts as a new environment holding capabilities for every page
 * of its parent at the same slot numbers (vm.c: exos_vm_share_with), so its
 * copy of ExOS's memory is valid as it stands. It starts in
 * exos_fork_child_entry with the parent's saved context (a jmp_buf on the
 * parent's stack, which the child sees as it was when the parent's pages went
 * copy-on-write), restores its thread pointer and returns from fork with 0.
 *
 * Waiting: wait4 polls the children's environments (env_status) and yields
 * between rounds; a child's end is read from its entry (exited with a code,
 * or killed by a signal it recorded), or, if it recorded nothing (the kernel
 * ended it, or a SIGKILL), as killed by SIGKILL. A live child's stops and
 * continues are read from its entry too (stop_sig, and jobseq, which the
 * parent compares with the last it reported). While it waits for a child of
 * the terminal's foreground group, it takes typed input for it (console.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "exos.h"
#include "exec.h"
#include "console.h"
#include "fd.h"
#include "files.h"
#include "proc.h"
#include "signal.h"
#include "thread.h"
#include "vm.h"

#define MAX_CHILDREN 64

struct child {
	uint32_t pid;         /* 0: this record is free */
	uint32_t env;         /* our environment capability for it (CONTROL) */
	uint32_t entry;       /* our read-only capability for its process-table entry */
	uint32_t inbox;       /* our capability for its signal inbox */
	uint32_t pgid_asked;  /* what setpgid in the parent said, until the child's entry says otherwise */
	uint32_t pgid_start;  /* the group its entry started with */
	int32_t killed_by;    /* a signal we ended it with, 0 if none */
	uint32_t jobseq_seen; /* its entry's jobseq when wait4 last reported a stop or continue */
};

static struct child children[MAX_CHILDREN];
static uint32_t self_entry_slot;   /* our capability (R/W) for our own entry */
static uint32_t parent_entry_slot; /* our read-only capability for the parent's entry, 0 if none */
static uint32_t self_inbox_slot, parent_inbox_slot; /* signal inboxes: ours, our parent's (0: none) */
static uint32_t inbox_env; /* the environment whose inbox self_inbox_slot is */
uint32_t exos_inbox_env;                                          /* the same, for signal.h's test */
volatile uint64_t *exos_inbox_word = (volatile uint64_t *)EXOS_INBOX_VA; /* read only in exos_inbox_env */
static struct {
	uint32_t entry_slot; /* where the child finds its capabilities: written before the pages are shared */
	uint32_t inbox_slot;
} fork_handoff;

#define SIGBIT(s) (1ULL << ((s) - 1))

static volatile uint64_t *child_inbox(const struct child *c);

/* A new page bound read-write at va; its slot or -errno. */
static long page_at(uint64_t va)
{
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return exos_errno(s);
	long r = sys_bind(EXO_CAP_SELF, va, (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
	if (r < 0) {
		sys_cap_drop((unsigned long)s);
		return exos_errno(r);
	}
	return s;
}

/*
 * Our inbox, or NULL. Only in the environment ExOS set up for this process:
 * an environment exo_spawn made runs our code with a copy of our data, but
 * has no inbox of its own.
 */
static volatile uint64_t *own_inbox(void)
{
	return self_inbox_slot && inbox_env == EXO_ENV_INFO->id ? (volatile uint64_t *)EXOS_INBOX_VA : NULL;
}

int exos_proc_inbox_waiting(void)
{
	volatile uint64_t *in = own_inbox();
	return in && *in;
}

uint64_t exos_proc_take_inbox(void)
{
	volatile uint64_t *in = own_inbox();
	return in && *in ? __atomic_exchange_n(in, 0, __ATOMIC_SEQ_CST) : 0;
}

static void post(volatile uint64_t *inbox, int sig) { __atomic_fetch_or(inbox, SIGBIT(sig), __ATOMIC_SEQ_CST); }

static struct exos_proc *self_entry(void) { return exos_proc_entry(EXO_ENV_INFO->id); }

long exos_getpid(void) { return EXO_ENV_INFO->id; }

long exos_getppid(void) { return self_entry()->ppid; }

long exos_proc_init(const char *name)
{
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return exos_errno(s);
	uint32_t id = EXO_ENV_INFO->id;
	long r = sys_bind(EXO_CAP_SELF, (uint64_t)exos_proc_entry(id), (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
	if (r < 0) {
		sys_cap_drop((unsigned long)s);
		return exos_errno(r);
	}
	self_entry_slot = (uint32_t)s;
	long in = page_at(EXOS_INBOX_VA);
	if (in < 0)
		return in;
	self_inbox_slot = (uint32_t)in;
	inbox_env = id;
	exos_inbox_env = id;
	struct exos_proc *p = self_entry();
	*p = (struct exos_proc){.pid = id, .ppid = 0, .pgid = id, .sid = id, .state = EXOS_PROC_RUNNING,
				.start_tick = exo_info->ticks};
	strncpy(p->name, name, sizeof(p->name) - 1);
	return 0;
}

void exos_proc_set_cmdline(int argc, char **argv)
{
	struct exos_proc *p = self_entry();
	uint32_t n = 0;
	for (int i = 0; i < argc && argv[i]; i++) {
		size_t k = strlen(argv[i]) + 1;
		if (n + k > sizeof(p->cmdline))
			break;
		memcpy(p->cmdline + n, argv[i], k);
		n += (uint32_t)k;
	}
	p->cmdline_len = n;
}

/* The file server keeps the table of every process (for /proc and kill): tell it where ours is. */
void exos_proc_register(void) { exos_fs_register(self_entry_slot, self_inbox_slot); }

/* ---- across execve: the process stays, the program changes ---- */

static const char *base_name(const char *path)
{
	const char *name = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			name = p + 1;
	return name;
}

long exos_proc_export(struct exos_exec_handoff *h, const char *path)
{
	_Static_assert(EXOS_EXEC_MAX_CHILDREN == MAX_CHILDREN, "every child record crosses execve");
	h->self_entry_slot = self_entry_slot;
	h->parent_entry_slot = parent_entry_slot;
	h->self_inbox_slot = self_inbox_slot;
	h->parent_inbox_slot = parent_inbox_slot;
	exos_signal_export(&h->sig_mask, &h->sig_ignored, &h->sig_pending);
	h->tty_sig_seen = exos_tty_sig_seen;
	for (int i = 0; i < MAX_CHILDREN; i++) {
		const struct child *c = &children[i];
		h->children[i] = (struct exos_exec_child){c->pid,        c->env,        c->entry,     c->inbox,
							  c->pgid_asked, c->pgid_start, c->killed_by, c->jobseq_seen};
	}
	memset(h->name, 0, sizeof(h->name));
	strncpy(h->name, base_name(path), sizeof(h->name) - 1);
	return 0;
}

long exos_proc_init_exec(const struct exos_exec_handoff *h)
{
	self_entry_slot = h->self_entry_slot;
	parent_entry_slot = h->parent_entry_slot;
	self_inbox_slot = h->self_inbox_slot;
	parent_inbox_slot = h->parent_inbox_slot;
	inbox_env = EXO_ENV_INFO->id;
	exos_inbox_env = EXO_ENV_INFO->id;
	exos_signal_import(h->sig_mask, h->sig_ignored, h->sig_pending);
	for (int i = 0; i < MAX_CHILDREN; i++) {
		const struct exos_exec_child *c = &h->children[i];
		children[i] = (struct child){c->pid,        c->env,        c->entry,     c->inbox,
					     c->pgid_asked, c->pgid_start, c->killed_by, c->jobseq_seen};
	}
	memcpy(self_entry()->name, h->name, sizeof(self_entry()->name));
	return 0;
}

/* ---- fork ---- */

static struct child *child_free(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (!children[i].pid)
			return &children[i];
	return NULL;
}

/* Where we see the entry of the child in record c. */
static struct exos_proc *child_view(const struct child *c)
{
	return (struct exos_proc *)(EXOS_CHILD_VIEWS_VA + (uint64_t)(c - children) * PAGE_SIZE);
}

static volatile uint64_t *child_inbox(const struct child *c)
{
	return (volatile uint64_t *)(EXOS_CHILD_INBOXES_VA + (uint64_t)(c - children) * PAGE_SIZE);
}

/* The entry page of the child in record c, filled in and bound read-write here for now; its slot. */
static long make_child_entry(const struct child *c)
{
	uint32_t pid = c->pid;
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return exos_errno(s);
	struct exos_proc *me = self_entry(), *e = child_view(c);
	long r = sys_bind(EXO_CAP_SELF, (uint64_t)e, (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
	if (r < 0) {
		sys_cap_drop((unsigned long)s);
		return exos_errno(r);
	}
	*e = (struct exos_proc){.pid = pid, .ppid = me->pid, .pgid = me->pgid, .sid = me->sid,
				.state = EXOS_PROC_RUNNING, .start_tick = exo_info->ticks};
	memcpy(e->name, me->name, sizeof(e->name));
	memcpy(e->cmdline, me->cmdline, sizeof(e->cmdline));
	e->cmdline_len = me->cmdline_len;
	return s;
}

/*
 * The child gets its entry (read-write) and ours (read-only), its inbox and
 * ours (read-write), bound at their places in its address space, at our slot
 * numbers.
 */
static long give_entries(unsigned long env, uint32_t pid, uint32_t entry, uint32_t inbox)
{
	struct exo_grant_op g[4] = {{entry, entry, EXO_RIGHTS_PAGE_ALL, 0},
				    {self_entry_slot, self_entry_slot, EXO_RIGHT_R | EXO_RIGHT_GRANT, 0},
				    {inbox, inbox, EXO_RIGHT_R | EXO_RIGHT_W | EXO_RIGHT_GRANT, 0},
				    {self_inbox_slot, self_inbox_slot, EXO_RIGHT_R | EXO_RIGHT_W | EXO_RIGHT_GRANT, 0}};
	struct exo_bind_op b[4] = {
		{EXO_OP_BIND_THEIRS, entry, (uint64_t)exos_proc_entry(pid), EXO_PROT_R | EXO_PROT_W, 0},
		{EXO_OP_BIND_THEIRS, self_entry_slot, EXOS_PARENT_VIEW_VA, EXO_PROT_R, 0},
		{EXO_OP_BIND_THEIRS, inbox, EXOS_INBOX_VA, EXO_PROT_R | EXO_PROT_W, 0},
		{EXO_OP_BIND_THEIRS, self_inbox_slot, EXOS_PARENT_INBOX_VA, EXO_PROT_R | EXO_PROT_W, 0}};
	long r = sys_cap_grant_batch(env, g, 4);
	if (r >= 0)
		r = sys_bind_batch(env, b, 4);
	return r < 0 ? exos_errno(r) : 0;
}

/* From here on we may only read the child's entry: keep a read-only capability, drop the one we made it with. */
static long keep_read_only(const struct child *c, uint32_t entry)
{
	long ro = sys_cap_grant(entry, EXO_CAP_SELF, EXO_RIGHT_R | EXO_RIGHT_GRANT); /* GRANT: for the file server */
	if (ro < 0)
		return exos_errno(ro);
	sys_bind(EXO_CAP_SELF, (uint64_t)child_view(c), (unsigned long)ro, EXO_PROT_R);
	sys_cap_drop(entry);
	return ro;
}

static long child_after_fork(void)
{
	exos_vm_after_fork();
	exos_fs_after_fork();
	exos_signal_after_fork();
	exos_thread_after_fork(); /* only the calling thread goes on */
	memset(children, 0, sizeof(children));
	parent_entry_slot = self_entry_slot; /* the parent gave us its entry and inbox at its own slot numbers */
	parent_inbox_slot = self_inbox_slot;
	self_entry_slot = fork_handoff.entry_slot;
	self_inbox_slot = fork_handoff.inbox_slot;
	inbox_env = EXO_ENV_INFO->id;
	exos_inbox_env = EXO_ENV_INFO->id;
	return 0;
}

/* Where a child starts: rdi = the parent's saved context, rsp on its copy of the parent's stack. */
__attribute__((noreturn)) void exos_fork_child_entry(jmp_buf *ctx);
void exos_fork_child_entry(jmp_buf *ctx)
{
	exos_tls_restore();
	longjmp(*ctx, 1);
}

static void undo_fork(struct child *c, long env, long entry)
{
	sys_env_destroy((unsigned long)env);
	sys_cap_drop((unsigned long)env);
	if (entry > 0) {
		sys_unbind(EXO_CAP_SELF, (uint64_t)child_view(c));
		sys_cap_drop((unsigned long)entry);
	}
	if (c->inbox)
		sys_cap_drop(c->inbox);
	c->pid = 0;
}

/* The parent's half of fork, after the context the child will resume is saved. */
static __attribute__((noinline)) long fork_finish(struct child *c, long env, long entry, jmp_buf *ctx)
{
	long err = exos_vm_share_with((unsigned long)env);
	if (err == 0)
		err = give_entries((unsigned long)env, c->pid, (uint32_t)entry, c->inbox);
	if (err == 0 && exo_upcall_register_for((unsigned long)env) < 0)
		err = -ENOMEM;
	long ro = err == 0 ? keep_read_only(c, (uint32_t)entry) : 0;
	if (err == 0 && ro < 0)
		err = ro;
	if (err < 0) {
		undo_fork(c, env, ro > 0 ? ro : entry);
		return err;
	}
	c->entry = (uint32_t)ro;
	exos_fd_fork(c->pid); /* the child holds our pipe ends from its first instruction */
	exos_fs_fork(c->env, c->pid, c->entry, c->inbox); /* ... our open files and working directory */
	uint64_t rsp = (((uint64_t)ctx - 512) & ~15UL) - 8;
	if (sys_env_start((unsigned long)env, (unsigned long)exos_fork_child_entry, rsp, (unsigned long)ctx) < 0) {
		undo_fork(c, env, ro);
		return -EAGAIN;
	}
	return c->pid;
}

/* The child's environment, record and entry, before the context is saved. 0 or -errno. */
static __attribute__((noinline)) long fork_prepare(struct child **out, long *entry_out)
{
	struct child *c = child_free();
	if (!c)
		return -EAGAIN;
	long env = sys_env_create(0);
	if (env < 0)
		return -EAGAIN;
	uint32_t pid = EXO_CAP_TABLE[env].object;
	*c = (struct child){.pid = pid, .env = (uint32_t)env, .pgid_start = self_entry()->pgid};
	long entry = make_child_entry(c);
	long inbox = entry < 0 ? entry : page_at((uint64_t)child_inbox(c));
	if (inbox > 0)
		c->inbox = (uint32_t)inbox;
	if (entry < 0 || inbox < 0) {
		undo_fork(c, env, entry > 0 ? entry : 0);
		return entry < 0 ? entry : inbox;
	}
	fork_handoff.entry_slot = (uint32_t)entry;
	fork_handoff.inbox_slot = (uint32_t)inbox;
	*out = c;
	*entry_out = entry;
	return 0;
}

long exos_fork(void)
{
	jmp_buf ctx;
	struct child *c;
	long entry, err = fork_prepare(&c, &entry);
	if (err < 0)
		return err;
	if (setjmp(ctx))
		return child_after_fork();
	return fork_finish(c, c->env, entry, &ctx);
}

/* ---- ending ---- */

/* Tell the parent (SIGCHLD), as the kernel does on Linux. */
static void notify_parent(void)
{
	if (parent_inbox_slot)
		post((volatile uint64_t *)EXOS_PARENT_INBOX_VA, SIGCHLD);
}

void exos_proc_dying(int sig)
{
	struct exos_proc *p = self_entry();
	exos_fd_drop_holds();
	if (self_entry_slot && p->state == EXOS_PROC_RUNNING) {
		p->status = sig & 0x7f;
		p->state = EXOS_PROC_EXITED;
		notify_parent();
	}
}

void exos_proc_job_state(int stop_sig)
{
	struct exos_proc *p = self_entry();
	if (!self_entry_slot)
		return;
	p->stop_sig = (uint32_t)stop_sig;
	__atomic_store_n(&p->jobseq, p->jobseq + 1, __ATOMIC_RELEASE); /* after stop_sig: wait4 reads them in turn */
	notify_parent();
}

void exos_exit(int code)
{
	exos_fd_close_all();
	exos_fs_exit();
	struct exos_proc *p = self_entry();
	if (self_entry_slot) {
		p->status = (code & 0xff) << 8;
		p->state = EXOS_PROC_EXITED;
	}
	notify_parent();
	sys_exit(code & 0xff);
	__builtin_unreachable();
}

/* ---- waiting ---- */

static const struct exos_proc *child_entry(const struct child *c) { return child_view(c); }

static uint32_t child_pgid(const struct child *c)
{
	uint32_t now = child_entry(c)->pgid;
	return c->pgid_asked && now == c->pgid_start ? c->pgid_asked : now;
}

static int child_matches(const struct child *c, long pid)
{
	if (!c->pid)
		return 0;
	if (pid > 0)
		return c->pid == (uint32_t)pid;
	if (pid == -1)
		return 1;
	return child_pgid(c) == (pid == 0 ? self_entry()->pgid : (uint32_t)-pid);
}

/* The Linux wait status of an ended child. */
static int end_status(const struct child *c)
{
	const struct exos_proc *e = child_entry(c);
	if (c->killed_by)
		return c->killed_by;
	return e->state == EXOS_PROC_EXITED ? e->status : SIGKILL;
}

/*
 * A stop or continue of a live child that wait4 has not reported and options
 * ask for (WUNTRACED, WCONTINUED): 1 and its Linux status in *st, marked
 * reported; else 0.
 */
static int job_change(struct child *c, long options, int *st)
{
	const struct exos_proc *e = child_entry(c);
	uint32_t seq = __atomic_load_n(&e->jobseq, __ATOMIC_ACQUIRE);
	if (seq == c->jobseq_seen)
		return 0;
	uint32_t sig = e->stop_sig;
	if (sig ? !(options & WUNTRACED) : !(options & WCONTINUED))
		return 0;
	c->jobseq_seen = seq;
	*st = sig ? (int)(sig << 8 | 0x7f) : 0xffff;
	return 1;
}

/* Report child c to wait4's caller with Linux status st. */
static long report(struct child *c, int st, int *status, void *rusage)
{
	if (status)
		*status = st;
	if (rusage)
		memset(rusage, 0, sizeof(struct rusage));
	return c->pid;
}

static void reap(struct child *c)
{
	sys_unbind(EXO_CAP_SELF, (uint64_t)child_view(c));
	sys_cap_drop(c->entry);
	sys_cap_drop(c->inbox);
	sys_cap_drop(c->env);
	c->pid = 0;
}

long exos_wait4(long pid, int *status, long options, void *rusage)
{
	if (options & ~(long)(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD))
		return -EINVAL;
	if ((status && !exos_user_ok(status, sizeof(*status), 1)) ||
	    (rusage && !exos_user_ok(rusage, sizeof(struct rusage), 1)))
		return -EFAULT;
	for (;;) {
		int any = 0, foreground = 0, st;
		uint32_t fg = exos_console_foreground();
		for (int i = 0; i < MAX_CHILDREN; i++) {
			struct child *c = &children[i];
			if (!child_matches(c, pid))
				continue;
			any = 1;
			foreground |= fg && child_pgid(c) == fg;
			/*
			 * Ended: its environment is gone, or its entry says so already (it
			 * tells us, SIGCHLD, just before it leaves: a wait4 that looked only
			 * at the environment could miss the end and then sleep for good).
			 */
			if (sys_env_status(c->env) != -EXO_ENOENT && child_entry(c)->state != EXOS_PROC_EXITED) {
				if (job_change(c, options, &st))
					return report(c, st, status, rusage);
				continue;
			}
			long got = report(c, end_status(c), status, rusage);
			reap(c);
			return got;
		}
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (foreground)
			exos_console_watch(); /* we stand in for the foreground job the terminal's signals are for */
		long r = exos_signal_wait_point(1);
		if (r < 0)
			return r;
		sys_yield();
	}
}

/* ---- groups and sessions ---- */

static struct child *child_of(long pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i].pid && children[i].pid == (uint32_t)pid)
			return &children[i];
	return NULL;
}

long exos_setpgid(long pid, long pgid)
{
	uint32_t me = EXO_ENV_INFO->id;
	if (pgid < 0)
		return -EINVAL;
	if (pid == 0 || pid == me) {
		struct exos_proc *p = self_entry();
		if (p->sid == me)
			return -EPERM; /* a session leader cannot change its group */
		p->pgid = pgid ? (uint32_t)pgid : me;
		return 0;
	}
	struct child *c = pid > 0 ? child_of(pid) : NULL;
	if (!c)
		return -ESRCH;
	c->pgid_asked = pgid ? (uint32_t)pgid : c->pid;
	c->pgid_start = child_entry(c)->pgid;
	return 0;
}

long exos_getpgid(long pid)
{
	if (pid == 0 || pid == EXO_ENV_INFO->id)
		return self_entry()->pgid;
	struct child *c = pid > 0 ? child_of(pid) : NULL;
	if (c)
		return child_pgid(c);
	if (parent_entry_slot && pid == self_entry()->ppid)
		return ((const struct exos_proc *)EXOS_PARENT_VIEW_VA)->pgid;
	return -ESRCH;
}

long exos_setsid(void)
{
	uint32_t me = EXO_ENV_INFO->id;
	struct exos_proc *p = self_entry();
	if (p->pgid == me)
		return -EPERM; /* already a group leader */
	p->pgid = p->sid = me;
	return me;
}

long exos_getsid(long pid)
{
	if (pid == 0 || pid == EXO_ENV_INFO->id)
		return self_entry()->sid;
	struct child *c = pid > 0 ? child_of(pid) : NULL;
	if (c)
		return child_entry(c)->sid;
	if (parent_entry_slot && pid == self_entry()->ppid)
		return ((const struct exos_proc *)EXOS_PARENT_VIEW_VA)->sid;
	return -ESRCH;
}

/* ---- kill ---- */

/*
 * Send sig to child c: SIGKILL ends its environment at once (our CONTROL
 * capability is the authority; wait4 then reports SIGKILL); any other signal
 * goes to its inbox, and the child acts on it (handler, default action or
 * nothing) at its next system call; a stopped child is given the processor
 * to act on it at once.
 */
static void signal_child(struct child *c, int sig)
{
	if (sys_env_status(c->env) == -EXO_ENOENT)
		return; /* already over: a zombie keeps its own status */
	if (sig == SIGKILL) {
		sys_env_destroy(c->env);
		c->killed_by = sig;
		return;
	}
	post(child_inbox(c), sig);
	if (child_entry(c)->stop_sig)
		sys_yield_to(c->pid); /* a stopped child acts at once (continues, or ends), as on Linux */
}

/* Is the parent the process pid (or in group pid < -1)? */
static int parent_matches(long pid)
{
	if (!parent_inbox_slot)
		return 0;
	const struct exos_proc *pe = (const struct exos_proc *)EXOS_PARENT_VIEW_VA;
	return pid > 0 ? (uint32_t)pid == self_entry()->ppid : pid < -1 && pe->pgid == (uint32_t)-pid;
}

long exos_kill(long pid, long sig)
{
	if (sig < 0 || sig >= 65)
		return -EINVAL;
	uint32_t me = EXO_ENV_INFO->id, group = pid == 0 ? self_entry()->pgid : (uint32_t)-pid;
	int self_hit = pid == me || (pid <= 0 && pid != -1 && self_entry()->pgid == group); /* -1: all but ourselves */
	int found = self_hit;
	for (int i = 0; i < MAX_CHILDREN; i++) {
		struct child *c = &children[i];
		if (!c->pid || !(pid == -1 || (pid > 0 ? c->pid == (uint32_t)pid : child_pgid(c) == group)))
			continue;
		found = 1;
		if (sig)
			signal_child(c, (int)sig);
	}
	if (pid != me && (pid == -1 || parent_matches(pid))) {
		found = 1;
		if (sig && parent_inbox_slot)
			post((volatile uint64_t *)EXOS_PARENT_INBOX_VA, (int)sig);
	}
	if (pid == -1 || (pid < -1 && !found) || (pid > 0 && !found)) { /* beyond our family: the table's keeper */
		long r = exos_fs_kill(pid, sig);
		found |= r == 0;
		if (r == -EPERM && !found)
			return -EPERM;
	}
	if (!found)
		return -ESRCH;
	if (self_hit && sig)
		exos_signal_raise((int)sig); /* acted on when this call returns */
	return 0;
}

/*
 * reboot(2): power off, halt and restart all end every process (the file
 * server's table reaches them all: SIGKILL, acted on at their next ExOS
 * call), then this one; when no environment is left the kernel powers the
 * machine off. exo cannot restart a machine, so RESTART powers off too.
 */
long exos_reboot(unsigned long magic1, unsigned long magic2, unsigned long cmd)
{
	if (magic1 != 0xfee1deadUL || (magic2 != 672274793UL && magic2 != 85072278UL && magic2 != 369367448UL &&
				       magic2 != 537993216UL))
		return -EINVAL;
	switch (cmd) {
	case 0x4321FEDCUL: /* LINUX_REBOOT_CMD_POWER_OFF */
	case 0xCDEF0123UL: /* HALT */
	case 0x01234567UL: /* RESTART */
		exos_kill(-1, SIGKILL);
		exos_exit(0);
	case 0x89ABCDEFUL: /* CAD_ON */
	case 0x00000000UL: /* CAD_OFF */
		return 0;
	default:
		return -EINVAL;
	}
}

long exos_tkill(long tid, long sig)
{
	if (tid <= 0 || sig < 0 || sig >= 65)
		return -EINVAL;
	if (tid != EXO_ENV_INFO->id)
		return -ESRCH; /* one thread per process */
	if (sig)
		exos_signal_raise((int)sig);
	return 0;
}
