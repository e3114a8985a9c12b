/*
 * memfs: a file system in memory (memfs.h has the contract).
 *
 * A directory keeps its entries in an array in the order they were made,
 * each with a cookie (a number that only grows within that directory);
 * removing an entry closes the gap, keeping the order, so a listing resumed
 * at a cookie neither skips nor repeats an entry that stayed.
 */
#define _GNU_SOURCE
#include "memfs.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

/* ---- nodes ---- */

static struct mnode *node_new(struct memfs *fs, uint32_t mode)
{
	if (fs->nodes >= fs->max_nodes)
		return NULL;
	struct mnode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	fs->nodes++;
	n->ino = fs->next_ino++;
	n->mode = mode;
	n->atime_ns = n->mtime_ns = n->ctime_ns = fs->now_ns();
	return n;
}

static void free_blocks_from(struct memfs *fs, struct mnode *n, uint64_t first)
{
	for (uint64_t i = first; i < n->nblocks; i++)
		if (n->blocks[i]) {
			fs->free_block(n->blocks[i]);
			n->blocks[i] = NULL;
			fs->used_blocks--;
		}
}

static void node_free(struct memfs *fs, struct mnode *n)
{
	free_blocks_from(fs, n, 0);
	free(n->blocks);
	for (uint32_t i = 0; i < n->nent; i++)
		free(n->ent[i].name);
	free(n->ent);
	free(n->target);
	free(n);
	fs->nodes--;
}

/* A node nobody names or holds any more goes. */
static void node_maybe_free(struct memfs *fs, struct mnode *n)
{
	if (n->nlink == 0 && n->opens == 0 && n != fs->root)
		node_free(fs, n);
}

void memfs_hold(struct mnode *n) { n->opens++; }

void memfs_release(struct memfs *fs, struct mnode *n)
{
	if (n->opens > 0)
		n->opens--;
	node_maybe_free(fs, n);
}

static void touch_change(struct memfs *fs, struct mnode *n) { n->mtime_ns = n->ctime_ns = fs->now_ns(); }

/* ---- directories ---- */

static struct mnode *dir_find(struct mnode *dir, const char *name)
{
	for (uint32_t i = 0; i < dir->nent; i++)
		if (!strcmp(dir->ent[i].name, name))
			return dir->ent[i].node;
	return NULL;
}

/* Room for one more entry in dir: 0 or -ENOMEM. */
static int dir_reserve(struct mnode *dir)
{
	if (dir->nent < dir->cap)
		return 0;
	uint32_t cap = dir->cap ? dir->cap * 2 : 8;
	struct memfs_dirent *e = realloc(dir->ent, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	dir->ent = e;
	dir->cap = cap;
	return 0;
}

/* Name n in dir. The caller checked that name is free and valid. */
static int dir_add(struct memfs *fs, struct mnode *dir, const char *name, struct mnode *n)
{
	char *copy = strdup(name);
	if (!copy || dir_reserve(dir) < 0) {
		free(copy);
		return -ENOMEM;
	}
	if (dir->next_cookie < 2)
		dir->next_cookie = 2; /* 0 and 1 are "." and ".." */
	dir->ent[dir->nent++] = (struct memfs_dirent){copy, n, dir->next_cookie++};
	n->nlink++;
	if (S_ISDIR(n->mode)) {
		n->parent = dir;
		dir->nlink++;
	}
	touch_change(fs, dir);
	return 0;
}

/* Take the name away from dir (the node may go, when nobody holds it). */
static void dir_remove(struct memfs *fs, struct mnode *dir, const char *name)
{
	for (uint32_t i = 0; i < dir->nent; i++) {
		if (strcmp(dir->ent[i].name, name))
			continue;
		struct mnode *n = dir->ent[i].node;
		free(dir->ent[i].name);
		memmove(&dir->ent[i], &dir->ent[i + 1], (dir->nent - i - 1) * sizeof(dir->ent[0]));
		dir->nent--;
		n->nlink--;
		if (S_ISDIR(n->mode)) {
			dir->nlink--;
			n->nlink = 0; /* its "." goes with it */
			n->parent = NULL;
		}
		n->ctime_ns = fs->now_ns();
		touch_change(fs, dir);
		node_maybe_free(fs, n);
		return;
	}
}

static int dir_empty(const struct mnode *dir) { return dir->nent == 0; }

/* ---- names ---- */

/* The entry for name in dir, "." and ".." included; NULL when there is none. */
static struct mnode *lookup_in(struct mnode *dir, const char *name)
{
	if (!strcmp(name, ".") || name[0] == '\0')
		return dir;
	if (!strcmp(name, ".."))
		return dir->parent ? dir->parent : dir;
	return dir_find(dir, name);
}

static int resolve(struct memfs *fs, struct mnode *start, const char *path, int follow, int *hops,
		   struct mnode **out);

/* A path's walk stops at the last name: its directory, the name, and whether a '/' followed it. */
struct walk {
	struct mnode *dir;
	char last[MEMFS_NAME_MAX + 1];
	int slash; /* the path ended in '/': the last name must be a directory */
};

static int walk_parent(struct memfs *fs, struct mnode *start, const char *path, int *hops, struct walk *w)
{
	if (path[0] == '\0')
		return -ENOENT;
	if (strnlen(path, MEMFS_PATH_MAX) >= MEMFS_PATH_MAX)
		return -ENAMETOOLONG;
	struct mnode *cur = path[0] == '/' || !start ? fs->root : start;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		const char *end = p;
		while (*end && *end != '/')
			end++;
		size_t len = (size_t)(end - p);
		if (len > MEMFS_NAME_MAX)
			return -ENAMETOOLONG;
		const char *rest = end;
		while (*rest == '/')
			rest++;
		if (*rest == '\0') { /* p names the last component ("" for "/") */
			memcpy(w->last, p, len);
			w->last[len] = '\0';
			w->dir = cur;
			w->slash = *end == '/';
			return 0;
		}
		char name[MEMFS_NAME_MAX + 1];
		memcpy(name, p, len);
		name[len] = '\0';
		struct mnode *n = lookup_in(cur, name);
		if (!n)
			return -ENOENT;
		if (S_ISLNK(n->mode)) {
			if (++*hops > MEMFS_LINK_HOPS)
				return -ELOOP;
			int err = resolve(fs, cur, n->target, 1, hops, &n);
			if (err < 0)
				return err;
		}
		if (!S_ISDIR(n->mode))
			return -ENOTDIR;
		cur = n;
		p = rest;
	}
}

/* The node at the end of w's walk, following a final link when follow (or a trailing '/'). */
static int finish(struct memfs *fs, const struct walk *w, int follow, int *hops, struct mnode **out)
{
	struct mnode *n = lookup_in(w->dir, w->last);
	if (!n)
		return -ENOENT;
	if (S_ISLNK(n->mode) && (follow || w->slash)) {
		if (++*hops > MEMFS_LINK_HOPS)
			return -ELOOP;
		int err = resolve(fs, w->dir, n->target, 1, hops, &n);
		if (err < 0)
			return err;
	}
	if (w->slash && !S_ISDIR(n->mode))
		return -ENOTDIR;
	*out = n;
	return 0;
}

static int resolve(struct memfs *fs, struct mnode *start, const char *path, int follow, int *hops,
		   struct mnode **out)
{
	struct walk w;
	int err = walk_parent(fs, start, path, hops, &w);
	return err < 0 ? err : finish(fs, &w, follow, hops, out);
}

int memfs_lookup(struct memfs *fs, struct mnode *start, const char *path, int follow, struct mnode **out)
{
	int hops = 0;
	return resolve(fs, start, path, follow, &hops, out);
}

/* The walk to the name a call would make or remove: its directory must not be removed, the name real. */
static int walk_to_name(struct memfs *fs, struct mnode *start, const char *path, struct walk *w)
{
	int hops = 0;
	int err = walk_parent(fs, start, path, &hops, w);
	if (err < 0)
		return err;
	if (!w->dir->parent)
		return -ENOENT; /* the directory was removed */
	if (w->last[0] == '\0' || !strcmp(w->last, ".") || !strcmp(w->last, ".."))
		return -EEXIST; /* callers turn this into their own error where Linux differs */
	return 0;
}

/* ---- making nodes ---- */

static int make_node(struct memfs *fs, struct mnode *dir, const char *name, uint32_t mode, struct mnode **out)
{
	struct mnode *n = node_new(fs, mode);
	if (!n)
		return fs->nodes >= fs->max_nodes ? -ENOSPC : -ENOMEM;
	if (S_ISDIR(mode))
		n->nlink = 1; /* its "." */
	int err = dir_add(fs, dir, name, n);
	if (err < 0) {
		node_free(fs, n);
		return err;
	}
	*out = n;
	return 0;
}

int memfs_mkdir(struct memfs *fs, struct mnode *start, const char *path, uint32_t mode)
{
	struct walk w;
	int err = walk_to_name(fs, start, path, &w);
	if (err < 0)
		return err;
	if (lookup_in(w.dir, w.last))
		return -EEXIST;
	struct mnode *n;
	return make_node(fs, w.dir, w.last, S_IFDIR | (mode & 07777), &n);
}

int memfs_symlink(struct memfs *fs, const char *target, struct mnode *start, const char *path)
{
	size_t len = strnlen(target, MEMFS_PATH_MAX);
	if (len == 0)
		return -ENOENT;
	if (len >= MEMFS_PATH_MAX)
		return -ENAMETOOLONG;
	struct walk w;
	int err = walk_to_name(fs, start, path, &w);
	if (err < 0)
		return err;
	if (lookup_in(w.dir, w.last) || w.slash)
		return -EEXIST;
	char *t = strdup(target);
	if (!t)
		return -ENOMEM;
	struct mnode *n;
	err = make_node(fs, w.dir, w.last, S_IFLNK | 0777, &n);
	if (err < 0) {
		free(t);
		return err;
	}
	n->target = t;
	n->size = len;
	return 0;
}

/* ---- open ---- */

static int open_create(struct memfs *fs, struct mnode *start, const char *path, int flags, uint32_t mode,
		       struct mnode **out)
{
	struct walk w;
	int hops = 0;
	int err = walk_parent(fs, start, path, &hops, &w);
	if (err < 0)
		return err;
	struct mnode *n = lookup_in(w.dir, w.last);
	if (n && (flags & O_EXCL))
		return -EEXIST;
	if (n)
		return finish(fs, &w, !(flags & O_NOFOLLOW), &hops, out);
	if (w.slash)
		return -EISDIR;
	if (!w.dir->parent)
		return -ENOENT;
	return make_node(fs, w.dir, w.last, S_IFREG | (mode & 07777), out);
}

int memfs_open(struct memfs *fs, struct mnode *start, const char *path, int flags, uint32_t mode, struct mnode **out)
{
	struct mnode *n;
	int hops = 0, acc = flags & O_ACCMODE;
	int err = (flags & O_CREAT) ? open_create(fs, start, path, flags, mode, &n)
				    : resolve(fs, start, path, !(flags & O_NOFOLLOW), &hops, &n);
	if (err < 0)
		return err;
	if (S_ISLNK(n->mode))
		return -ELOOP; /* O_NOFOLLOW on a link */
	if ((flags & O_DIRECTORY) && !S_ISDIR(n->mode))
		return -ENOTDIR;
	if (S_ISDIR(n->mode) && (acc != O_RDONLY || (flags & O_TRUNC)))
		return -EISDIR;
	if ((flags & O_TRUNC) && acc != O_RDONLY && S_ISREG(n->mode) && n->size) {
		err = memfs_truncate(fs, n, 0);
		if (err < 0)
			return err;
	}
	memfs_hold(n);
	*out = n;
	return 0;
}

/* ---- contents ---- */

/* Give n room for nblocks block pointers. */
static int blocks_reserve(struct mnode *n, uint64_t nblocks)
{
	if (nblocks <= n->nblocks)
		return 0;
	uint64_t cap = n->nblocks ? n->nblocks : 4;
	while (cap < nblocks)
		cap *= 2;
	unsigned char **b = realloc(n->blocks, cap * sizeof(*b));
	if (!b)
		return -ENOMEM;
	memset(b + n->nblocks, 0, (cap - n->nblocks) * sizeof(*b));
	n->blocks = b;
	n->nblocks = cap;
	return 0;
}

static unsigned char *block_get(struct memfs *fs, struct mnode *n, uint64_t i)
{
	if (n->blocks[i])
		return n->blocks[i];
	if (fs->used_blocks >= fs->max_blocks)
		return NULL;
	unsigned char *b = fs->alloc_block();
	if (!b)
		return NULL;
	memset(b, 0, MEMFS_BLOCK);
	fs->used_blocks++;
	n->blocks[i] = b;
	return b;
}

/* The archive's bytes become the file's own, before the first change. */
static int own_contents(struct memfs *fs, struct mnode *n)
{
	if (!n->archive)
		return 0;
	uint64_t nb = (n->size + MEMFS_BLOCK - 1) / MEMFS_BLOCK;
	if (fs->used_blocks + nb > fs->max_blocks)
		return -ENOSPC;
	int err = blocks_reserve(n, nb);
	if (err < 0)
		return err;
	for (uint64_t i = 0; i < nb; i++) {
		unsigned char *b = block_get(fs, n, i);
		if (!b) {
			free_blocks_from(fs, n, 0);
			return -ENOSPC;
		}
		uint64_t off = i * MEMFS_BLOCK, k = n->size - off < MEMFS_BLOCK ? n->size - off : MEMFS_BLOCK;
		memcpy(b, n->archive + off, k);
	}
	n->archive = NULL;
	return 0;
}

long memfs_read(struct memfs *fs, struct mnode *n, uint64_t off, void *buf, size_t len)
{
	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (!S_ISREG(n->mode))
		return -EINVAL;
	n->atime_ns = fs->now_ns();
	if (off >= n->size)
		return 0;
	uint64_t todo = n->size - off < len ? n->size - off : len;
	if (n->archive) {
		memcpy(buf, n->archive + off, todo);
		return (long)todo;
	}
	for (uint64_t done = 0; done < todo;) {
		uint64_t at = off + done, i = at / MEMFS_BLOCK, in = at % MEMFS_BLOCK;
		uint64_t k = MEMFS_BLOCK - in < todo - done ? MEMFS_BLOCK - in : todo - done;
		if (i < n->nblocks && n->blocks[i])
			memcpy((char *)buf + done, n->blocks[i] + in, k);
		else
			memset((char *)buf + done, 0, k);
		done += k;
	}
	return (long)todo;
}

long memfs_write(struct memfs *fs, struct mnode *n, uint64_t off, const void *buf, size_t len)
{
	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (!S_ISREG(n->mode))
		return -EINVAL;
	if (off >= MEMFS_FILE_MAX || len > MEMFS_FILE_MAX - off)
		return -EFBIG;
	if (len == 0)
		return 0;
	int err = own_contents(fs, n);
	if (err == 0)
		err = blocks_reserve(n, (off + len + MEMFS_BLOCK - 1) / MEMFS_BLOCK);
	if (err < 0)
		return err;
	uint64_t done = 0;
	while (done < len) {
		uint64_t at = off + done, i = at / MEMFS_BLOCK, in = at % MEMFS_BLOCK;
		uint64_t k = MEMFS_BLOCK - in < len - done ? MEMFS_BLOCK - in : len - done;
		unsigned char *b = block_get(fs, n, i);
		if (!b)
			break;
		memcpy(b + in, (const char *)buf + done, k);
		done += k;
	}
	if (done == 0)
		return -ENOSPC;
	if (off + done > n->size)
		n->size = off + done;
	touch_change(fs, n);
	return (long)done;
}

int memfs_truncate(struct memfs *fs, struct mnode *n, uint64_t size)
{
	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (!S_ISREG(n->mode))
		return -EINVAL;
	if (size >= MEMFS_FILE_MAX)
		return -EFBIG;
	if (n->archive && size >= n->size) {
		int err = own_contents(fs, n);
		if (err < 0)
			return err;
	} else if (n->archive) { /* shorter: keep the first size bytes of the archive's */
		uint64_t keep = n->size;
		n->size = size;
		int err = own_contents(fs, n);
		if (err < 0) {
			n->size = keep;
			return err;
		}
	}
	uint64_t keep_blocks = (size + MEMFS_BLOCK - 1) / MEMFS_BLOCK;
	free_blocks_from(fs, n, keep_blocks);
	if (size % MEMFS_BLOCK && keep_blocks - 1 < n->nblocks && n->blocks[keep_blocks - 1])
		memset(n->blocks[keep_blocks - 1] + size % MEMFS_BLOCK, 0, MEMFS_BLOCK - size % MEMFS_BLOCK);
	n->size = size;
	touch_change(fs, n);
	return 0;
}

/* ---- attributes ---- */

void memfs_stat(const struct mnode *n, struct memfs_stat *st)
{
	uint64_t held = 0;
	for (uint64_t i = 0; i < n->nblocks; i++)
		held += n->blocks[i] != NULL;
	*st = (struct memfs_stat){.mode = n->mode, .nlink = n->nlink, .ino = n->ino,
				  .size = S_ISDIR(n->mode) ? MEMFS_BLOCK : n->size, .blocks = held * (MEMFS_BLOCK / 512),
				  .atime_ns = n->atime_ns, .mtime_ns = n->mtime_ns, .ctime_ns = n->ctime_ns,
				  .archive = n->archive};
}

int memfs_chmod(struct memfs *fs, struct mnode *n, uint32_t mode)
{
	n->mode = (n->mode & S_IFMT) | (mode & 07777);
	n->ctime_ns = fs->now_ns();
	return 0;
}

void memfs_set_times(struct memfs *fs, struct mnode *n, int64_t atime_ns, int64_t mtime_ns)
{
	if (atime_ns >= 0)
		n->atime_ns = atime_ns;
	if (mtime_ns >= 0)
		n->mtime_ns = mtime_ns;
	n->ctime_ns = fs->now_ns();
}

/* ---- removing and renaming ---- */

int memfs_unlink(struct memfs *fs, struct mnode *start, const char *path, int rmdir)
{
	struct walk w;
	int err = walk_to_name(fs, start, path, &w);
	if (err == -EEXIST)
		return rmdir ? (!strcmp(w.last, ".") ? -EINVAL : -EBUSY) : -EISDIR;
	if (err < 0)
		return err;
	struct mnode *n = lookup_in(w.dir, w.last);
	if (!n)
		return -ENOENT;
	if (rmdir && !S_ISDIR(n->mode))
		return -ENOTDIR;
	if (!rmdir && S_ISDIR(n->mode))
		return -EISDIR;
	if (!rmdir && w.slash)
		return -ENOTDIR;
	if (rmdir && !dir_empty(n))
		return -ENOTEMPTY;
	dir_remove(fs, w.dir, w.last);
	return 0;
}

/* Is d inside (or equal to) dir? */
static int inside(const struct mnode *d, const struct mnode *dir, const struct mnode *root)
{
	for (;;) {
		if (d == dir)
			return 1;
		if (d == root || !d->parent)
			return 0;
		d = d->parent;
	}
}

/* May n (a source) replace t (an existing target)? 0 or the error. */
static int may_replace(const struct mnode *n, const struct mnode *t)
{
	if (S_ISDIR(n->mode) && !S_ISDIR(t->mode))
		return -ENOTDIR;
	if (!S_ISDIR(n->mode) && S_ISDIR(t->mode))
		return -EISDIR;
	if (S_ISDIR(t->mode) && !dir_empty(t))
		return -ENOTEMPTY;
	return 0;
}

int memfs_rename(struct memfs *fs, struct mnode *from_dir, const char *from, struct mnode *to_dir, const char *to)
{
	struct walk a, b;
	int err = walk_to_name(fs, from_dir, from, &a);
	if (err == 0)
		err = walk_to_name(fs, to_dir, to, &b);
	if (err == -EEXIST)
		return -EBUSY;
	if (err < 0)
		return err;
	struct mnode *n = lookup_in(a.dir, a.last), *t = lookup_in(b.dir, b.last);
	if (!n)
		return -ENOENT;
	if ((a.slash || b.slash) && !S_ISDIR(n->mode))
		return -ENOTDIR;
	if (t == n)
		return 0;
	if (t && (err = may_replace(n, t)) < 0)
		return err;
	if (S_ISDIR(n->mode) && inside(b.dir, n, fs->root))
		return -EINVAL; /* a directory into itself */
	if (!t && (err = dir_reserve(b.dir)) < 0)
		return err;
	memfs_hold(n); /* it has no name for a moment */
	if (t)
		dir_remove(fs, b.dir, b.last);
	dir_remove(fs, a.dir, a.last);
	err = dir_add(fs, b.dir, b.last, n);
	if (err < 0) /* only a name's copy can fail here: put it back where it was */
		dir_add(fs, a.dir, a.last, n);
	n->ctime_ns = fs->now_ns();
	memfs_release(fs, n);
	return err;
}

int memfs_link(struct memfs *fs, struct mnode *from_dir, const char *from, struct mnode *to_dir, const char *to)
{
	struct mnode *n;
	int err = memfs_lookup(fs, from_dir, from, 0, &n);
	if (err < 0)
		return err;
	if (S_ISDIR(n->mode))
		return -EPERM;
	struct walk b;
	err = walk_to_name(fs, to_dir, to, &b);
	if (err < 0)
		return err;
	if (lookup_in(b.dir, b.last))
		return -EEXIST;
	err = dir_add(fs, b.dir, b.last, n);
	if (err == 0)
		n->ctime_ns = fs->now_ns();
	return err;
}

long memfs_readlink(struct memfs *fs, struct mnode *start, const char *path, char *buf, size_t size)
{
	struct mnode *n;
	int err = memfs_lookup(fs, start, path, 0, &n);
	if (err < 0)
		return err;
	if (!S_ISLNK(n->mode))
		return -EINVAL;
	size_t k = n->size < size ? n->size : size;
	memcpy(buf, n->target, k);
	return (long)k;
}

/* ---- listing ---- */

static unsigned dtype(uint32_t mode)
{
	return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : S_ISREG(mode) ? DT_REG : DT_UNKNOWN;
}

int memfs_readdir(struct mnode *dir, uint64_t *pos, int (*emit)(void *ctx, uint32_t ino, const char *name,
								  unsigned type, uint64_t next),
		  void *ctx)
{
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (*pos == 0) {
		if (!emit(ctx, dir->ino, ".", DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		struct mnode *up = dir->parent ? dir->parent : dir;
		if (!emit(ctx, up->ino, "..", DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	for (uint32_t i = 0; i < dir->nent; i++) {
		const struct memfs_dirent *e = &dir->ent[i];
		if (e->cookie < *pos)
			continue;
		if (!emit(ctx, e->node->ino, e->name, dtype(e->node->mode), e->cookie + 1))
			return 0;
		*pos = e->cookie + 1;
	}
	return 0;
}

long memfs_dir_path(struct mnode *n, char *buf, size_t size)
{
	/* Build from the end: each step puts "/name" in front. */
	char tmp[MEMFS_PATH_MAX];
	size_t at = sizeof(tmp) - 1;
	tmp[at] = '\0';
	struct mnode *root = n;
	while (root->parent && root->parent != root)
		root = root->parent;
	if (!root->parent)
		return -ENOENT; /* removed, or inside something removed */
	while (n != root) {
		struct mnode *up = n->parent;
		const char *name = NULL;
		for (uint32_t i = 0; i < up->nent && !name; i++)
			if (up->ent[i].node == n)
				name = up->ent[i].name;
		if (!name)
			return -ENOENT;
		size_t len = strlen(name);
		if (len + 1 > at)
			return -ENAMETOOLONG;
		at -= len;
		memcpy(tmp + at, name, len);
		tmp[--at] = '/';
		n = up;
	}
	if (at == sizeof(tmp) - 1)
		tmp[--at] = '/';
	size_t len = sizeof(tmp) - 1 - at;
	if (len + 1 > size)
		return -ERANGE;
	memcpy(buf, tmp + at, len + 1);
	return (long)len;
}

/* ---- the whole ---- */

int memfs_init(struct memfs *fs, uint64_t max_blocks, uint32_t max_nodes, void *(*alloc_block)(void),
	       void (*free_block)(void *), int64_t (*now_ns)(void))
{
	*fs = (struct memfs){.max_blocks = max_blocks, .max_nodes = max_nodes, .next_ino = 2,
			     .alloc_block = alloc_block, .free_block = free_block, .now_ns = now_ns};
	fs->root = node_new(fs, S_IFDIR | 0755);
	if (!fs->root)
		return -ENOMEM;
	fs->root->parent = fs->root;
	fs->root->nlink = 2;
	return 0;
}

static void free_tree(struct memfs *fs, struct mnode *dir)
{
	for (uint32_t i = 0; i < dir->nent; i++) {
		struct mnode *n = dir->ent[i].node;
		free(dir->ent[i].name);
		if (S_ISDIR(n->mode))
			free_tree(fs, n);
		if (--n->nlink == 0 || S_ISDIR(n->mode))
			node_free(fs, n);
	}
	dir->nent = 0;
}

void memfs_destroy(struct memfs *fs)
{
	if (!fs->root)
		return;
	free_tree(fs, fs->root);
	node_free(fs, fs->root);
	fs->root = NULL;
}

/* ---- filling from the boot archive ---- */

/* Make every missing directory on path's way (path is absolute), up to and without its last name. */
static int make_parents(struct memfs *fs, const char *path)
{
	char buf[MEMFS_PATH_MAX];
	size_t len = strnlen(path, sizeof(buf));
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		struct mnode *n;
		if (memfs_lookup(fs, NULL, buf, 1, &n) == -ENOENT) {
			int err = memfs_mkdir(fs, NULL, buf, 0755);
			if (err < 0)
				return err;
		}
		*p = '/';
	}
	return 0;
}

int memfs_add_dir(struct memfs *fs, const char *path, uint32_t mode)
{
	int err = make_parents(fs, path);
	if (err < 0)
		return err;
	struct mnode *n;
	if (memfs_lookup(fs, NULL, path, 1, &n) == 0)
		return S_ISDIR(n->mode) ? memfs_chmod(fs, n, mode) : -EEXIST;
	return memfs_mkdir(fs, NULL, path, mode);
}

int memfs_add_archive_file(struct memfs *fs, const char *path, uint32_t mode, const void *data, uint64_t size)
{
	int err = make_parents(fs, path);
	struct mnode *n;
	if (err == 0)
		err = memfs_open(fs, NULL, path, O_CREAT | O_EXCL | O_WRONLY, mode, &n);
	if (err < 0)
		return err;
	n->archive = data;
	n->size = size;
	memfs_release(fs, n);
	return 0;
}

int memfs_add_symlink(struct memfs *fs, const char *path, const char *target, size_t len)
{
	char t[MEMFS_PATH_MAX];
	if (len >= sizeof(t))
		return -ENAMETOOLONG;
	memcpy(t, target, len);
	t[len] = '\0';
	int err = make_parents(fs, path);
	return err < 0 ? err : memfs_symlink(fs, t, NULL, path);
}
