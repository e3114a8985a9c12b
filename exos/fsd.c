/*
 * The file server (fsproto.h has the protocol; docs/exos.md why it is safe).
 *
 * One environment guards the file system: the first ExOS process starts it
 * (exos_fsd_spawn) before anything else, from a private copy of its own
 * image, so the server's memory is written by the server alone. Clients
 * reach it by LRPC; the only memory a client shares with it is the client's
 * own window. A process scribbling over everything it can write therefore
 * changes at most its own window, never the file system or another client's
 * files.
 *
 * Concurrency: a call runs in the server on the caller's time slice, one at
 * a time (the kernel answers EBUSY to a second caller while one runs; the
 * client yields and retries). The server's main loop does nothing but watch
 * whether any client lives (reading the kernel's exo_info), so it never
 * touches what the calls change. When no client is left, the server ends.
 *
 * Clients are known by environment slot (an id's low 8 bits). A client that
 * ended without closing is found at the next call (exo_info.env_id no longer
 * holds its id): its holds on open files and its window go then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <exos/api.h>
#include "cpio.h"
#include "exos.h"
#include "fsd.h"
#include "fsproto.h"
#include "memfs.h"

#define FSD_WIN_BASE 0x7E8000000000UL /* client slot s's window, in the server */
#define NCLIENT EXO_NENV
#define FSD_MAX_NODES 16384
#define FSD_MAX_BLOCKS 2304 /* 9 MiB */
#define TAG_PROC 1 /* memfs tag of a node of /proc (its own device for stat) */

/* ---- starting the server (in the first process, before its own start-up) ---- */

/*
 * The server's copy of the image: built by the spawner in these variables
 * before it copies its writable pages, so the server finds them in its copy.
 * fsd_starting is 1 only in the server's copy.
 */
static struct exo_bootmap_entry fsd_map[EXO_BOOTMAP_MAX];
static uint64_t fsd_nmap;
static volatile int fsd_starting;
static uint32_t fsd_first_client;
#define SPAWN_SCRATCH_VA 0x7E7000000000UL

int exos_fsd_is_server(void) { return fsd_starting; }

const struct exo_bootmap_entry *exos_fsd_start_map(uint64_t *n)
{
	*n = fsd_nmap;
	return fsd_map;
}


/* Give env our image: read-only pages shared, writable ones copied and moved. 0 or a negative exo error. */
static long give_image(unsigned long env)
{
	const volatile struct exo_envinfo *ei = EXO_ENV_INFO;
	static struct exo_grant_op g[EXO_BATCH_MAX];
	static struct exo_bind_op b[EXO_BATCH_MAX];
	fsd_nmap = ei->nbootmap;
	for (uint64_t i = 0; i < fsd_nmap; i++)
		fsd_map[i] = (struct exo_bootmap_entry){ei->bootmap[i].va, (uint32_t)(i + 1), ei->bootmap[i].prot};
	fsd_starting = 1; /* in the copies only */
	long err = 0;
	for (uint64_t done = 0; done < fsd_nmap && err == 0;) {
		uint64_t n = 0;
		for (; n < EXO_BATCH_MAX && done + n < fsd_nmap && err == 0; n++) {
			const struct exo_bootmap_entry *m = &fsd_map[done + n];
			long slot = ei->bootmap[done + n].slot;
			uint32_t flags = 0, rights = EXO_RIGHT_R | EXO_RIGHT_X;
			if (m->prot & EXO_PROT_W) {
				slot = exo_page_copy((const void *)m->va, SPAWN_SCRATCH_VA); /* a private copy */
				err = slot < 0 ? slot : 0;
				flags = EXO_GRANT_MOVE;
				rights = EXO_RIGHT_R | EXO_RIGHT_W;
			}
			g[n] = (struct exo_grant_op){(uint32_t)slot, m->slot, rights, flags};
			b[n] = (struct exo_bind_op){EXO_OP_BIND_THEIRS, m->slot, m->va, m->prot, 0};
		}
		if (err == 0)
			err = sys_cap_grant_batch(env, g, n);
		if (err >= 0)
			err = sys_bind_batch(env, b, n);
		done += n;
		err = err < 0 ? err : 0;
	}
	fsd_starting = 0;
	return err;
}

static long fsd_server_id, fsd_env_slot; /* in clients: the server, and our capability (GRANT) for it */

uint32_t exos_fsd_id(void) { return (uint32_t)fsd_server_id; }
long exos_fsd_env_slot(void) { return fsd_env_slot; }
void exos_fsd_adopt(uint32_t id, long env_slot)
{
	fsd_server_id = id;
	fsd_env_slot = env_slot;
}

void exos_fsd_entry(void);

long exos_fsd_spawn(void)
{
	if (EXO_ENV_INFO->nbootmap == 0 || EXO_ENV_INFO->nbootmap > EXO_BOOTMAP_MAX)
		return -EXO_EINVAL;
	long env = sys_env_create(0);
	if (env < 0)
		return env;
	fsd_first_client = EXO_ENV_INFO->id;
	long err = give_image((unsigned long)env);
	uint64_t rsp = EXO_BOOTSTACK_TOP - 64 - 8;
	if (err == 0)
		err = sys_env_start((unsigned long)env, (unsigned long)exos_fsd_entry, rsp, 0);
	long mine = err == 0 ? sys_cap_grant((unsigned long)env, EXO_CAP_SELF, EXO_RIGHT_GRANT) : err;
	if (mine < 0) {
		sys_env_destroy((unsigned long)env);
		sys_cap_drop((unsigned long)env);
		return mine;
	}
	fsd_server_id = EXO_CAP_TABLE[env].object;
	fsd_env_slot = mine;
	sys_cap_drop((unsigned long)env); /* no one holds CONTROL over the server */
	return 0;
}

/* ---- in the server: clients and their windows ---- */

static uint8_t slot_taken[EXO_NCAPS]; /* our slots that hold a client's window page, entry or inbox */

static struct client {
	uint32_t id;                  /* 0: none */
	uint32_t nwin;                /* window pages bound (0: no window yet) */
	uint32_t win[FS_WIN_PAGES];   /* our capabilities for them */
	uint32_t entry, inbox;        /* our capabilities for its process entry (R) and signal inbox (R/W); 0: none */
} clients[NCLIENT];

/* Where we see client slot s's process entry and signal inbox. */
#define FSD_ENTRY_VIEWS 0x7E9000000000UL
#define FSD_INBOX_VIEWS 0x7E9100000000UL
static const struct exos_proc *entry_view(int s) { return (const struct exos_proc *)(FSD_ENTRY_VIEWS + s * 4096UL); }
static volatile uint64_t *inbox_view(int s) { return (volatile uint64_t *)(FSD_INBOX_VIEWS + s * 4096UL); }

/* Stop seeing a client's page at va through our capability *slot (0: none). */
static void view_drop(uint32_t *slot, const volatile void *va)
{
	if (!*slot)
		return;
	sys_unbind(EXO_CAP_SELF, (uint64_t)va);
	sys_cap_drop(*slot);
	slot_taken[*slot] = 0;
	*slot = 0;
}

static void proc_drop(struct client *c)
{
	int s = (int)(c->id & 0xFF);
	view_drop(&c->entry, entry_view(s));
	view_drop(&c->inbox, inbox_view(s));
}

static struct memfs fs;

static char *win_of(uint32_t id) { return (char *)(FSD_WIN_BASE + (uint64_t)(id & 0xFF) * FS_WIN_SIZE); }

static void window_drop(struct client *c)
{
	for (uint32_t i = 0; i < c->nwin; i++) {
		sys_unbind(EXO_CAP_SELF, (uint64_t)win_of(c->id) + i * 4096UL);
		sys_cap_drop(c->win[i]);
		slot_taken[c->win[i]] = 0;
	}
	c->nwin = 0;
}

/* ---- open files ---- */

struct ofile {
	struct mnode *node; /* NULL: free */
	uint64_t off;
	uint32_t flags;     /* the open flags that matter later: access mode, O_APPEND */
	uint32_t nholders, cap;
	uint32_t *holders;  /* pids holding it, each once */
};

static struct ofile *ofiles;
static uint32_t nofiles;

static int holds(const struct ofile *o, uint32_t id)
{
	for (uint32_t i = 0; i < o->nholders; i++)
		if (o->holders[i] == id)
			return 1;
	return 0;
}

static int hold_add(struct ofile *o, uint32_t id)
{
	if (holds(o, id))
		return 0;
	if (o->nholders == o->cap) {
		uint32_t cap = o->cap ? o->cap * 2 : 4;
		uint32_t *h = realloc(o->holders, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		o->holders = h;
		o->cap = cap;
	}
	o->holders[o->nholders++] = id;
	return 0;
}

static void ofile_free(struct ofile *o)
{
	memfs_release(&fs, o->node);
	free(o->holders);
	*o = (struct ofile){0};
}

static void hold_drop(struct ofile *o, uint32_t id)
{
	for (uint32_t i = 0; i < o->nholders; i++)
		if (o->holders[i] == id) {
			o->holders[i] = o->holders[--o->nholders];
			break;
		}
	if (o->nholders == 0)
		ofile_free(o);
}

static long ofile_new(struct mnode *n, uint32_t flags, uint32_t id)
{
	uint32_t h = 0;
	while (h < nofiles && ofiles[h].node)
		h++;
	if (h == nofiles) {
		uint32_t cap = nofiles ? nofiles * 2 : 64;
		struct ofile *o = realloc(ofiles, cap * sizeof(*o));
		if (!o)
			return -ENFILE;
		memset(o + nofiles, 0, (cap - nofiles) * sizeof(*o));
		ofiles = o;
		nofiles = cap;
	}
	ofiles[h] = (struct ofile){.node = n, .flags = flags};
	if (hold_add(&ofiles[h], id) < 0) {
		ofiles[h].node = NULL;
		return -ENOMEM;
	}
	return h;
}

/* The open file handle h names, if the caller holds it. */
static struct ofile *ofile_of(long h, uint32_t id)
{
	if (h < 0 || (uint64_t)h >= nofiles || !ofiles[h].node || !holds(&ofiles[h], id))
		return NULL;
	return &ofiles[h];
}

/* A directory handle: FS_ROOT, or a directory the caller holds open. */
static long dir_of(long h, uint32_t id, struct mnode **out)
{
	if (h == FS_ROOT) {
		*out = NULL;
		return 0;
	}
	struct ofile *o = ofile_of(h, id);
	if (!o)
		return -EBADF;
	if (!S_ISDIR(o->node->mode))
		return -ENOTDIR;
	*out = o->node;
	return 0;
}

/* A client that ended: what it held goes. */
static void client_gone(struct client *c)
{
	for (uint32_t h = 0; h < nofiles; h++)
		if (ofiles[h].node && holds(&ofiles[h], c->id))
			hold_drop(&ofiles[h], c->id);
	window_drop(c);
	proc_drop(c);
	c->id = 0;
}

static void sweep(void)
{
	for (int s = 0; s < NCLIENT; s++)
		if (clients[s].id && exo_info->env_id[s] != clients[s].id)
			client_gone(&clients[s]);
}

/* The record for a caller the kernel named (a new id in a slot replaces what ended there). */
static struct client *client_of(uint32_t id)
{
	struct client *c = &clients[id & 0xFF];
	if ((id & 0xFF) >= NCLIENT)
		return NULL;
	if (c->id != id) {
		if (c->id)
			client_gone(c);
		c->id = id;
	}
	return c;
}

/* ---- the calls ---- */

/* A path the client put in its window: NUL-terminated within 4096 bytes (copied, so it cannot change under us). */
static long take_path(const char *win, unsigned off, char *out)
{
	memcpy(out, win + off, MEMFS_PATH_MAX);
	return memchr(out, '\0', MEMFS_PATH_MAX) ? 0 : -ENAMETOOLONG;
}

static void put_stat(char *win, const struct mnode *n, uint32_t flags)
{
	struct memfs_stat st;
	memfs_stat(n, &st);
	struct fs_stat *out = (struct fs_stat *)(win + FS_DATA);
	uint32_t dev = n->tag == TAG_PROC ? FS_DEV_PROC : FS_DEV_ROOT;
	*out = (struct fs_stat){st.mode, st.nlink, st.ino, dev, st.size, st.blocks, st.atime_ns, st.mtime_ns,
				st.ctime_ns, (uint64_t)st.archive, flags, 0};
}

static char path1[MEMFS_PATH_MAX], path2[MEMFS_PATH_MAX];

static long dir_and_path(uint32_t id, const char *win, long dirh, struct mnode **dir);

static long do_open(uint32_t id, char *win, long dirh, long flags, long mode)
{
	struct mnode *dir, *n;
	long err = dir_and_path(id, win, dirh, &dir);
	if (err == 0)
		err = memfs_open(&fs, dir, path1, (int)flags, (uint32_t)mode, &n);
	if (err < 0)
		return err;
	uint32_t keep = (uint32_t)(flags & (O_ACCMODE | O_APPEND));
	long h = ofile_new(n, keep, id);
	if (h < 0) {
		memfs_release(&fs, n);
		return h;
	}
	put_stat(win, n, keep);
	return h;
}

static int readable(const struct ofile *o) { return (o->flags & O_ACCMODE) != O_WRONLY; }
static int writable(const struct ofile *o) { return (o->flags & O_ACCMODE) != O_RDONLY; }

static long do_io(uint32_t id, char *win, int op, long h, long len, long pos)
{
	struct ofile *o = ofile_of(h, id);
	if (!o)
		return -EBADF;
	if (len < 0 || len > (long)FS_DATA_MAX)
		return -EINVAL;
	int write = op == FS_WRITE || op == FS_PWRITE, positioned = op == FS_PREAD || op == FS_PWRITE;
	if (write ? !writable(o) : !readable(o))
		return -EBADF;
	if (positioned && pos < 0)
		return -EINVAL;
	uint64_t at = positioned ? (uint64_t)pos : o->off;
	if (write && !positioned && (o->flags & O_APPEND))
		at = o->node->size;
	long r = write ? memfs_write(&fs, o->node, at, win + FS_DATA, (size_t)len)
		       : memfs_read(&fs, o->node, at, win + FS_DATA, (size_t)len);
	if (r > 0 && !positioned)
		o->off = at + (uint64_t)r;
	return r;
}

static long do_seek(uint32_t id, long h, long off, long whence)
{
	struct ofile *o = ofile_of(h, id);
	if (!o)
		return -EBADF;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)o->off
					      : whence == SEEK_END ? (int64_t)o->node->size : -1;
	if (base < 0)
		return -EINVAL;
	if (S_ISDIR(o->node->mode) && (whence != SEEK_SET || off < 0))
		return -EINVAL; /* a directory's position is a listing cookie */
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	o->off = (uint64_t)(base + off);
	return (long)o->off;
}

struct dents {
	char *buf;
	uint64_t used, room;
};

static int emit_dirent(void *ctx, uint32_t ino, const char *name, unsigned type, uint64_t next)
{
	struct dents *d = ctx;
	size_t len = strlen(name), rec = (19 + len + 1 + 7) & ~7UL;
	if (d->used + rec > d->room)
		return 0;
	char *p = d->buf + d->used;
	uint64_t ino64 = ino;
	int64_t off = (int64_t)next;
	uint16_t reclen = (uint16_t)rec;
	memcpy(p, &ino64, 8);
	memcpy(p + 8, &off, 8);
	memcpy(p + 16, &reclen, 2);
	p[18] = (char)type;
	memcpy(p + 19, name, len + 1);
	d->used += rec;
	return 1;
}

static long do_getdents(uint32_t id, char *win, long h, long room)
{
	struct ofile *o = ofile_of(h, id);
	if (!o)
		return -EBADF;
	if (!S_ISDIR(o->node->mode))
		return -ENOTDIR;
	if (room < 0 || room > (long)FS_DATA_MAX)
		return -EINVAL;
	struct dents d = {win + FS_DATA, 0, (uint64_t)room};
	uint64_t pos = o->off;
	long err = memfs_readdir(o->node, &pos, emit_dirent, &d);
	if (err < 0)
		return err;
	if (d.used == 0 && pos == o->off && o->off < 2 + o->node->next_cookie && room < 280) {
		/* Nothing fit, and something was left: the buffer is too small. */
		uint64_t p2 = pos;
		struct dents probe = {path2, 0, sizeof(path2)};
		memfs_readdir(o->node, &p2, emit_dirent, &probe);
		if (probe.used)
			return -EINVAL;
	}
	o->off = pos;
	return (long)d.used;
}

/* A target named by (dir handle, path 1), or the handle itself when path 1 is empty. */
static long target_of(uint32_t id, char *win, long dirh, int follow, struct mnode **out)
{
	long err = take_path(win, FS_PATH1, path1);
	if (err < 0)
		return err;
	if (path1[0] == '\0') {
		struct ofile *o = ofile_of(dirh, id);
		if (!o)
			return -EBADF;
		*out = o->node;
		return 0;
	}
	struct mnode *dir;
	err = dir_of(dirh, id, &dir);
	return err < 0 ? err : memfs_lookup(&fs, dir, path1, follow, out);
}

static long do_two_paths(uint32_t id, char *win, int op, long h1, long h2)
{
	struct mnode *d1 = NULL, *d2 = NULL;
	long err = op == FS_SYMLINK ? 0 : dir_of(h1, id, &d1);
	if (err == 0)
		err = dir_of(op == FS_SYMLINK ? h1 : h2, id, &d2);
	if (err == 0)
		err = take_path(win, FS_PATH1, path1);
	if (err == 0)
		err = take_path(win, FS_PATH2, path2);
	if (err < 0)
		return err;
	if (op == FS_SYMLINK)
		return memfs_symlink(&fs, path1, d2, path2);
	if (path1[0] == '\0' || path2[0] == '\0')
		return -ENOENT;
	return op == FS_RENAME ? memfs_rename(&fs, d1, path1, d2, path2) : memfs_link(&fs, d1, path1, d2, path2);
}

static int window_cap_ok(uint32_t caller, long slot);
static int granted_by(uint32_t caller, long slot, unsigned rights);

/* Take (entry, inbox) capabilities the caller granted us for process c, and bind them where we look. */
static long take_proc(uint32_t caller, struct client *c, long entry, long inbox)
{
	int s = (int)(c->id & 0xFF);
	if (!granted_by(caller, entry, EXO_RIGHT_R) || !granted_by(caller, inbox, EXO_RIGHT_R | EXO_RIGHT_W))
		return -EINVAL;
	proc_drop(c);
	if (sys_bind(EXO_CAP_SELF, (uint64_t)entry_view(s), (unsigned long)entry, EXO_PROT_R) < 0)
		return -EINVAL;
	c->entry = (uint32_t)entry;
	slot_taken[entry] = 1;
	if (sys_bind(EXO_CAP_SELF, (uint64_t)inbox_view(s), (unsigned long)inbox, EXO_PROT_R | EXO_PROT_W) < 0) {
		proc_drop(c);
		return -EINVAL;
	}
	c->inbox = (uint32_t)inbox;
	slot_taken[inbox] = 1;
	return 0;
}

static long do_fork(uint32_t id, long child, long entry, long inbox)
{
	uint32_t cid = (uint32_t)child;
	if ((cid & 0xFF) >= NCLIENT || exo_info->env_id[cid & 0xFF] != cid || cid == id)
		return -ESRCH;
	struct client *c = client_of(cid);
	if (!c)
		return -ESRCH;
	if (entry || inbox)
		take_proc(id, c, entry, inbox);
	for (uint32_t h = 0; h < nofiles; h++)
		if (ofiles[h].node && holds(&ofiles[h], id) && hold_add(&ofiles[h], cid) < 0)
			return -ENOMEM;
	return 0;
}

/* The directory handle dirh names and path 1, taken into path1: 0 or the error. */
static long dir_and_path(uint32_t id, const char *win, long dirh, struct mnode **dir)
{
	long err = dir_of(dirh, id, dir);
	return err < 0 ? err : take_path(win, FS_PATH1, path1);
}

static long do_path_op(uint32_t id, char *win, int op, long dirh, long arg, long arg2)
{
	struct mnode *dir, *n;
	long err;
	switch (op) {
	case FS_STAT:
		err = target_of(id, win, dirh, arg != 0, &n);
		if (err == 0)
			put_stat(win, n, 0);
		return err;
	case FS_UNLINK:
	case FS_MKDIR:
		err = dir_and_path(id, win, dirh, &dir);
		if (err < 0)
			return err;
		return op == FS_MKDIR ? memfs_mkdir(&fs, dir, path1, (uint32_t)arg) : memfs_unlink(&fs, dir, path1, arg != 0);
	case FS_READLINK:
		err = dir_and_path(id, win, dirh, &dir);
		if (err < 0)
			return err;
		if (arg < 0 || arg > (long)FS_DATA_MAX)
			return -EINVAL;
		return memfs_readlink(&fs, dir, path1, win + FS_DATA, (size_t)arg);
	case FS_CHMOD:
		err = target_of(id, win, dirh, arg2 != 0, &n);
		return err < 0 ? err : memfs_chmod(&fs, n, (uint32_t)arg);
	default: { /* FS_UTIMENS */
		int64_t t[2];
		memcpy(t, win + FS_DATA, sizeof(t));
		err = target_of(id, win, dirh, arg != 0, &n);
		if (err == 0)
			memfs_set_times(&fs, n, t[0], t[1]);
		return err;
	}
	}
}

static long do_handle_op(uint32_t id, char *win, int op, long h, long arg)
{
	struct ofile *o = ofile_of(h, id);
	if (!o)
		return -EBADF;
	switch (op) {
	case FS_CLOSE:
		hold_drop(o, id);
		return 0;
	case FS_FSTAT:
		put_stat(win, o->node, o->flags);
		return 0;
	case FS_FTRUNCATE:
		if (!writable(o))
			return -EINVAL;
		return arg < 0 ? -EINVAL : memfs_truncate(&fs, o->node, (uint64_t)arg);
	case FS_SETFL:
		o->flags = (o->flags & ~(uint32_t)O_APPEND) | (uint32_t)(arg & O_APPEND);
		return 0;
	case FS_GETCWD:
		if (!S_ISDIR(o->node->mode))
			return -ENOTDIR;
		return memfs_dir_path(o->node, win + FS_DATA, FS_DATA_MAX);
	default: /* FS_DUP_HOLD */
		return 0;
	}
}

static long do_statfs(char *win)
{
	struct fs_statfs *s = (struct fs_statfs *)(win + FS_DATA);
	*s = (struct fs_statfs){fs.max_blocks, fs.max_blocks - fs.used_blocks, fs.max_nodes, fs.max_nodes - fs.nodes};
	return 0;
}

/* Is slot a page capability with rights that the caller's environment granted us, and not in use here yet? */
static int granted_by(uint32_t caller, long slot, unsigned rights)
{
	if (slot <= 0 || slot >= EXO_NCAPS)
		return 0;
	const volatile struct exo_cap *cap = &EXO_CAP_TABLE[slot];
	return cap->type == EXO_CAP_PAGE && (cap->rights & rights) == rights && cap->parent != EXO_CAPID_NIL &&
	       cap->parent / EXO_NCAPS == (caller & 0xFF) && !slot_taken[slot];
}

static int window_cap_ok(uint32_t caller, long slot) { return granted_by(caller, slot, EXO_RIGHT_R | EXO_RIGHT_W); }

/*
 * FS_HELLO (a = FS_WIN_PAGES, b = the slot, in our table, of the window's
 * first page, which lists all FS_WIN_PAGES slots at its start): bind the
 * client's window here. A client saying hello again gets its new window.
 */
/* ---- the process table: signals to any process, and /proc ---- */

static int proc_known(int s)
{
	return clients[s].id && clients[s].entry && exo_info->env_id[s] == clients[s].id &&
	       entry_view(s)->state == EXOS_PROC_RUNNING;
}

/* Post sig to the processes pid names (> 0: that one; -1: all but the caller; < -1: group -pid). */
static long do_kill(uint32_t caller, long pid, long sig)
{
	if (sig < 0 || sig >= 65)
		return -EINVAL;
	int found = 0;
	for (int s = 0; s < NCLIENT; s++) {
		if (!proc_known(s) || !clients[s].inbox)
			continue;
		uint32_t id = clients[s].id;
		int hit = pid > 0 ? id == (uint32_t)pid : pid == -1 ? id != caller : entry_view(s)->pgid == (uint32_t)-pid;
		if (!hit)
			continue;
		found = 1;
		if (sig)
			__atomic_fetch_or(inbox_view(s), 1ULL << (sig - 1), __ATOMIC_SEQ_CST);
	}
	return found ? 0 : -ESRCH;
}

/*
 * /proc: a directory of the file system that the server rewrites from its
 * table just before a call names a path under it: /proc/<pid>/{stat,
 * status,cmdline} for each process, /proc/self, uptime, meminfo, mounts.
 * What a process wrote in its own entry (its name, its arguments) is read
 * with bounds and shown as text, nothing more.
 */
/* Mark what path names as /proc's. */
static void proc_tag(const char *path)
{
	struct mnode *n;
	if (memfs_lookup(&fs, NULL, path, 0, &n) == 0)
		n->tag = TAG_PROC;
}

static void proc_put(const char *path, const char *text, size_t len)
{
	struct mnode *n;
	if (memfs_open(&fs, NULL, path, O_CREAT | O_WRONLY | O_TRUNC, 0444, &n) < 0)
		return;
	memfs_write(&fs, n, 0, text, len);
	n->tag = TAG_PROC;
	memfs_release(&fs, n);
}

/* A process's name, safe to print: at most 15 characters, no ')' or control characters. */
static void proc_name(const struct exos_proc *e, char *out)
{
	int k = 0;
	for (int i = 0; i < 15 && i < (int)sizeof(e->name) && e->name[i]; i++)
		out[k++] = e->name[i] == ')' || (unsigned char)e->name[i] < 0x20 ? '_' : e->name[i];
	out[k] = '\0';
}

static void proc_one(int s, char *buf, size_t size)
{
	const struct exos_proc *e = entry_view(s);
	uint32_t pid = clients[s].id;
	char name[16], path[64];
	proc_name(e, name);
	uint64_t start = e->start_tick * 100 / (exo_info->tick_hz ? exo_info->tick_hz : 100); /* in 1/100 s */
	snprintf(path, sizeof path, "/proc/%u", pid);
	memfs_mkdir(&fs, NULL, path, 0555);
	proc_tag(path);
	char state = e->stop_sig ? 'T' : 'R';
	int n = snprintf(buf, size, "%u (%s) %c %u %u %u 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %llu 0 0\n", pid, name, state,
			 e->ppid, e->pgid, e->sid, (unsigned long long)start);
	snprintf(path, sizeof path, "/proc/%u/stat", pid);
	proc_put(path, buf, (size_t)n);
	n = snprintf(buf, size, "Name:\t%s\nState:\t%s\nPid:\t%u\nPPid:\t%u\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", name,
		     state == 'T' ? "T (stopped)" : "R (running)", pid, e->ppid);
	snprintf(path, sizeof path, "/proc/%u/status", pid);
	proc_put(path, buf, (size_t)n);
	uint32_t len = e->cmdline_len < sizeof(e->cmdline) ? e->cmdline_len : sizeof(e->cmdline);
	memcpy(buf, e->cmdline, len);
	snprintf(path, sizeof path, "/proc/%u/cmdline", pid);
	proc_put(path, buf, len);
}

/* Take away /proc/<pid> of the processes that ended. */
static void proc_prune(void)
{
	struct mnode *dir;
	if (memfs_lookup(&fs, NULL, "/proc", 1, &dir) < 0)
		return;
	char path[64];
	for (uint32_t i = 0; i < dir->nent;) {
		const char *name = dir->ent[i].name;
		char *end;
		unsigned long pid = strtoul(name, &end, 10);
		int s = (int)(pid & 0xFF);
		if (*end || end == name || (s < NCLIENT && proc_known(s) && clients[s].id == pid)) {
			i++;
			continue;
		}
		static const char *const files[] = {"stat", "status", "cmdline"};
		for (int f = 0; f < 3; f++) {
			snprintf(path, sizeof path, "/proc/%lu/%s", pid, files[f]);
			memfs_unlink(&fs, NULL, path, 0);
		}
		snprintf(path, sizeof path, "/proc/%lu", pid);
		if (memfs_unlink(&fs, NULL, path, 1) < 0)
			i++; /* something else was put there: leave it */
	}
}

static void proc_refresh(uint32_t caller)
{
	static char buf[EXOS_PROC_CMDLINE_MAX + 256];
	memfs_add_dir(&fs, "/proc", 0555);
	proc_prune();
	for (int s = 0; s < NCLIENT; s++)
		if (proc_known(s))
			proc_one(s, buf, sizeof buf);
	char self[16];
	snprintf(self, sizeof self, "%u", caller);
	memfs_unlink(&fs, NULL, "/proc/self", 0);
	memfs_symlink(&fs, self, NULL, "/proc/self");
	proc_tag("/proc/self");
	uint64_t ns = exos_now_ns();
	int n = snprintf(buf, sizeof buf, "%llu.%02llu 0.00\n", (unsigned long long)(ns / 1000000000ULL),
			 (unsigned long long)(ns / 10000000ULL % 100));
	proc_put("/proc/uptime", buf, (size_t)n);
	n = snprintf(buf, sizeof buf, "MemTotal:\t%llu kB\nMemFree:\t%llu kB\nMemAvailable:\t%llu kB\n",
		     (unsigned long long)exo_info->total_pages * 4, (unsigned long long)exo_info->free_pages * 4,
		     (unsigned long long)exo_info->free_pages * 4);
	proc_put("/proc/meminfo", buf, (size_t)n);
	static const char mounts[] = "exofs / exofs rw 0 0\nproc /proc proc rw 0 0\n";
	proc_put("/proc/mounts", mounts, sizeof mounts - 1);
}

/* Does this call name a path under /proc (absolute, or from a directory handle inside it)? */
static int names_proc(const char *win, long op, long dirh, uint32_t id)
{
	if (op != FS_OPEN && op != FS_STAT && op != FS_READLINK)
		return 0;
	if (!memcmp(win + FS_PATH1, "/proc", 5) && (win[FS_PATH1 + 5] == '/' || win[FS_PATH1 + 5] == '\0'))
		return 1;
	struct mnode *d, *proc;
	return win[FS_PATH1] != '/' && dir_of(dirh, id, &d) == 0 && d && memfs_lookup(&fs, NULL, "/proc", 1, &proc) == 0 &&
	       (d == proc || d->parent == proc);
}

static long take_window(struct client *c, long n, long first)
{
	if (n != FS_WIN_PAGES)
		return -EINVAL;
	window_drop(c);
	char *win = win_of(c->id);
	if (!window_cap_ok(c->id, first) || sys_bind(EXO_CAP_SELF, (uint64_t)win, (unsigned long)first,
						     EXO_PROT_R | EXO_PROT_W) < 0)
		return -EINVAL;
	c->win[0] = (uint32_t)first;
	c->nwin = 1;
	slot_taken[first] = 1;
	uint32_t slots[FS_WIN_PAGES];
	memcpy(slots, win, sizeof(slots));
	for (uint32_t i = 1; i < FS_WIN_PAGES; i++) {
		if (!window_cap_ok(c->id, slots[i]) || slots[i] == (uint32_t)first ||
		    sys_bind(EXO_CAP_SELF, (uint64_t)win + i * 4096UL, slots[i], EXO_PROT_R | EXO_PROT_W) < 0) {
			window_drop(c);
			return -EINVAL;
		}
		c->win[c->nwin++] = slots[i];
		slot_taken[slots[i]] = 1;
	}
	return 0;
}

static long fsd_call(uint32_t caller, long op, long a, long b, long c)
{
	sweep();
	struct client *cl = client_of(caller);
	if (!cl)
		return -EPERM;
	if (op == FS_HELLO)
		return take_window(cl, a, b);
	if (!cl->nwin && FS_NEEDS_WINDOW(op))
		return -EPERM; /* no window yet: nothing to take arguments from */
	char *win = win_of(caller);
	if (FS_NEEDS_WINDOW(op) && names_proc(win, op, a, caller))
		proc_refresh(caller);
	switch (op) {
	case FS_OPEN:
		return do_open(caller, win, a, b, c);
	case FS_READ:
	case FS_WRITE:
	case FS_PREAD:
	case FS_PWRITE:
		return do_io(caller, win, (int)op, a, b, c);
	case FS_SEEK:
		return do_seek(caller, a, b, c);
	case FS_GETDENTS:
		return do_getdents(caller, win, a, b);
	case FS_RENAME:
	case FS_LINK:
	case FS_SYMLINK:
		return do_two_paths(caller, win, (int)op, a, b);
	case FS_STAT:
	case FS_UNLINK:
	case FS_MKDIR:
	case FS_READLINK:
	case FS_CHMOD:
	case FS_UTIMENS:
		return do_path_op(caller, win, (int)op, a, b, c);
	case FS_CLOSE:
	case FS_FSTAT:
	case FS_FTRUNCATE:
	case FS_SETFL:
	case FS_GETCWD:
	case FS_DUP_HOLD:
		return do_handle_op(caller, win, (int)op, a, b);
	case FS_FORK:
		return do_fork(caller, a, b, c);
	case FS_PROC:
		return take_proc(caller, cl, a, b);
	case FS_KILL:
		return do_kill(caller, a, b);
	case FS_STATFS:
		return do_statfs(win);
	default:
		return -ENOSYS;
	}
}

/* ---- the server's life ---- */

/*
 * File blocks: pages of 256 KiB chunks the server maps (populated at once,
 * so that running out shows as ENOSPC here rather than as a fault later),
 * handed out one by one; a freed block goes on a list for the next. Chunks
 * are never unmapped (a later version can give free chunks back).
 */
#define CHUNK (256UL << 10)
static void *free_blocks;     /* a list through the first word of each free block */
static char *chunk_next, *chunk_end;

static void *block_alloc(void)
{
	if (free_blocks) {
		void *b = free_blocks;
		free_blocks = *(void **)b;
		return b;
	}
	if (chunk_next == chunk_end) {
		long va = exos_mmap(0, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (va < 0)
			return NULL;
		chunk_next = (char *)va;
		chunk_end = chunk_next + CHUNK;
	}
	void *b = chunk_next;
	chunk_next += MEMFS_BLOCK;
	return b;
}

static void block_free(void *b)
{
	*(void **)b = free_blocks;
	free_blocks = b;
}
static int64_t now_ns(void) { return (int64_t)exos_now_ns(); }

/* The boot archive's entries become the file system's first contents (files still read from the archive). */
static void fill_from_archive(void)
{
	size_t off = 0;
	const char *name;
	struct exos_file f;
	static char path[MEMFS_PATH_MAX];
	while (exo_info->bootfs_size &&
	       exos_cpio_next((const void *)EXO_BOOTFS_VA, exo_info->bootfs_size, &off, &name, &f) == 0) {
		if (strlen(name) + 2 > sizeof(path) || !strcmp(name, "."))
			continue;
		path[0] = '/';
		strcpy(path + 1, name);
		if (S_ISDIR(f.mode))
			memfs_add_dir(&fs, path, f.mode & 07777);
		else if (S_ISREG(f.mode))
			memfs_add_archive_file(&fs, path, f.mode, f.data, f.size);
		else if (S_ISLNK(f.mode))
			memfs_add_symlink(&fs, path, (const char *)f.data, f.size);
	}
}

static int any_client_lives(void)
{
	for (int s = 0; s < NCLIENT; s++)
		if (clients[s].id && exo_info->env_id[s] == clients[s].id)
			return 1;
	return 0;
}

/* The server's main (started by exos_start_server): set up, serve, end when no client is left. */
int exos_fsd_main(int argc, char **argv, char **envp);
int exos_fsd_main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	/*
	 * A quarter of memory at most for file contents, and no more than our
	 * capability table can name beside our image, heap and the clients'
	 * windows (4096 slots, one per page: docs/exos.md).
	 */
	uint64_t budget = exo_info->total_pages / 4 < FSD_MAX_BLOCKS ? exo_info->total_pages / 4 : FSD_MAX_BLOCKS;
	if (memfs_init(&fs, budget, FSD_MAX_NODES, block_alloc, block_free, now_ns) < 0)
		sys_exit(120);
	fill_from_archive();
	memfs_add_dir(&fs, "/proc", 0555);
	proc_tag("/proc");
	memfs_add_dir(&fs, "/tmp", 01777);
	client_of(fsd_first_client);
	if (exos_lrpc_serve(FS_SERVICE, fsd_call) < 0)
		sys_exit(121);
	/*
	 * Only reads: the calls may run between any two instructions here. The
	 * kernel's idle call keeps us off the CPU (calls still come in) and
	 * wakes us every 50 ms to see whether anyone is left.
	 */
	while (any_client_lives())
		sys_idle(exo_info->tick_hz / 20 ? exo_info->tick_hz / 20 : 1);
	sys_exit(0);
	return 0;
}
