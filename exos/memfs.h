/*
 * memfs: the file server's store, a file system in memory (memfs.c).
 *
 * Pure logic with no ExOS or kernel calls, so it is host-tested
 * (tests/host/test_memfs.c) and so a disk file system can later sit behind
 * the same operations. Every function returns 0 (or a count) on success and
 * a negative Linux errno on failure, and changes nothing when it fails.
 *
 * Names: paths are Linux's ('/'-separated, "." and "..", symbolic links
 * followed up to MEMFS_LINK_HOPS times, at most MEMFS_PATH_MAX bytes, each
 * name at most MEMFS_NAME_MAX). A relative path starts at the directory
 * node start; an absolute one at the root.
 *
 * Space: file contents live in 4 KiB blocks from fs->alloc_block; at most
 * max_blocks of them (writing past that is ENOSPC); nodes at most
 * max_nodes. A file filled from the boot archive reads the archive's bytes
 * in place until it is first changed, and then takes blocks of its own.
 *
 * Lifetime: a node lives while a directory names it (nlink) or someone has
 * it open (memfs_hold/memfs_release); the last of both frees it.
 */
#ifndef EXOS_MEMFS_H
#define EXOS_MEMFS_H

#include <stddef.h>
#include <stdint.h>

#define MEMFS_BLOCK 4096
#define MEMFS_NAME_MAX 255
#define MEMFS_PATH_MAX 4096
#define MEMFS_LINK_HOPS 40
#define MEMFS_FILE_MAX (1ULL << 40) /* EFBIG beyond */

struct mnode;

struct memfs_dirent {
	char *name;
	struct mnode *node;
	uint64_t cookie; /* its place in listings: grows with each entry the directory gets */
};

struct mnode {
	uint32_t ino;
	uint32_t mode;  /* S_IF* and permission bits */
	uint32_t nlink; /* names for it (a directory: 2 + its subdirectories) */
	uint32_t opens; /* holds (open files, working directories) */
	uint32_t tag;   /* the user's mark (memfs only keeps it; 0 when made) */
	uint64_t size;
	int64_t atime_ns, mtime_ns, ctime_ns;
	struct mnode *parent; /* a directory's parent (the root's is itself); NULL once removed */
	/* A directory's entries (slots [0, nent), some removed). */
	struct memfs_dirent *ent;
	uint32_t nent, cap;
	uint64_t next_cookie;
	/* A regular file: blocks[i] holds bytes [i*4096, (i+1)*4096), NULL reads as zeros. */
	unsigned char **blocks;
	uint64_t nblocks; /* length of blocks[] */
	const unsigned char *archive; /* a file still as the boot archive has it: its bytes; else NULL */
	char *target;                 /* a symbolic link's target */
};

struct memfs {
	struct mnode *root;
	uint64_t max_blocks, used_blocks;
	uint32_t max_nodes, nodes, next_ino;
	void *(*alloc_block)(void); /* a 4 KiB block, or NULL */
	void (*free_block)(void *);
	int64_t (*now_ns)(void);
};

struct memfs_stat {
	uint32_t mode, nlink, ino;
	uint64_t size, blocks; /* blocks: 512-byte units held */
	int64_t atime_ns, mtime_ns, ctime_ns;
	const void *archive; /* the archive's bytes, while the file is unchanged since boot; else NULL */
};

/* A new empty file system (a root directory, mode 0755). 0 or -ENOMEM. */
int memfs_init(struct memfs *fs, uint64_t max_blocks, uint32_t max_nodes, void *(*alloc_block)(void),
	       void (*free_block)(void *), int64_t (*now_ns)(void));
/* Free everything (nodes still held too). */
void memfs_destroy(struct memfs *fs);

/* Add a node at an absolute path, making missing directories: what filling from the archive needs. */
int memfs_add_dir(struct memfs *fs, const char *path, uint32_t mode);
int memfs_add_archive_file(struct memfs *fs, const char *path, uint32_t mode, const void *data, uint64_t size);
int memfs_add_symlink(struct memfs *fs, const char *path, const char *target, size_t len);

/* Find path from start (NULL: the root); follow: follow a final symbolic link. */
int memfs_lookup(struct memfs *fs, struct mnode *start, const char *path, int follow, struct mnode **out);

/*
 * Open: Linux's open(2) flags O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY,
 * O_NOFOLLOW and the access mode (writing a directory is EISDIR). The node
 * comes back held (memfs_release it).
 */
int memfs_open(struct memfs *fs, struct mnode *start, const char *path, int flags, uint32_t mode, struct mnode **out);
void memfs_hold(struct mnode *n);
void memfs_release(struct memfs *fs, struct mnode *n);

/* Contents of a regular file. read: bytes read (0 at or past the end); write: bytes written. */
long memfs_read(struct memfs *fs, struct mnode *n, uint64_t off, void *buf, size_t len);
long memfs_write(struct memfs *fs, struct mnode *n, uint64_t off, const void *buf, size_t len);
int memfs_truncate(struct memfs *fs, struct mnode *n, uint64_t size);

void memfs_stat(const struct mnode *n, struct memfs_stat *st);
int memfs_chmod(struct memfs *fs, struct mnode *n, uint32_t mode);
/* Times in ns; a negative value leaves that time as it is. */
void memfs_set_times(struct memfs *fs, struct mnode *n, int64_t atime_ns, int64_t mtime_ns);

int memfs_mkdir(struct memfs *fs, struct mnode *start, const char *path, uint32_t mode);
/* rmdir: 1 removes an empty directory (AT_REMOVEDIR), 0 a non-directory. */
int memfs_unlink(struct memfs *fs, struct mnode *start, const char *path, int rmdir);
int memfs_rename(struct memfs *fs, struct mnode *from_dir, const char *from, struct mnode *to_dir, const char *to);
int memfs_link(struct memfs *fs, struct mnode *from_dir, const char *from, struct mnode *to_dir, const char *to);
int memfs_symlink(struct memfs *fs, const char *target, struct mnode *start, const char *path);
/* readlink: bytes of the target copied (not NUL-terminated); EINVAL when not a link. */
long memfs_readlink(struct memfs *fs, struct mnode *start, const char *path, char *buf, size_t size);

/*
 * A directory's listing from position *pos: 0 is ".", 1 "..", then entry
 * slot i at i + 2. emit(ctx, ino, name, d_type, next_pos) returns 0 to
 * stop (no room); *pos then names the entry that did not fit.
 */
int memfs_readdir(struct mnode *dir, uint64_t *pos, int (*emit)(void *ctx, uint32_t ino, const char *name,
								  unsigned type, uint64_t next),
		  void *ctx);

/* The absolute path of directory n (for getcwd): its length, or -ERANGE, -ENOENT (removed). */
long memfs_dir_path(struct mnode *n, char *buf, size_t size);

#endif
