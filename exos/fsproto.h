/*
 * The file server's protocol (fsd.c serves it, fsclient.c calls it).
 *
 * A client calls the server by LRPC (protected control transfer: the
 * server's code runs on the client's time slice; the kernel names the
 * caller) at service FS_SERVICE with (op, a, b, c); the result is >= 0 or a
 * negative Linux errno. Names and data travel through the client's window:
 * FS_WIN_PAGES pages the client owns, bound read-write in the client at
 * EXOS_FSWIN_VA and in the server, which the client granted at FS_HELLO.
 * Only the window is shared: the server's own memory (the file system, its
 * open files, its clients) is written by no one else.
 *
 * Open files (handles) are the server's: a handle has one offset, shared by
 * every process that holds it (fork and execve keep holding it), and the
 * server checks on every call that the caller holds the handle it names.
 * FS_ROOT (a number no handle has) as a directory handle is the root.
 */
#ifndef EXOS_FSPROTO_H
#define EXOS_FSPROTO_H

#include <stdint.h>

#define FS_SERVICE 1 /* the LRPC service index */
#define FS_WIN_PAGES 6
#define FS_WIN_SIZE (FS_WIN_PAGES * 4096UL)
#define FS_PATH1 0        /* window offset of the first path (NUL-terminated, at most 4096 bytes) */
#define FS_PATH2 4096     /* the second path (rename, link, symlink) */
#define FS_DATA 8192      /* data in and out */
#define FS_DATA_MAX (FS_WIN_SIZE - FS_DATA)
#define FS_ROOT 0x7FFFFFFFL
#define EXOS_FSWIN_VA (0x7E0000000000UL + 0x800000UL) /* in a client, after the shared typeahead page */

enum fs_op {
	FS_HELLO = 1, /* a: how many slots at FS_DATA (uint32_t each): the window's pages, in order */
	FS_OPEN,      /* a: dir handle, b: open flags, c: mode; path 1. Handle; its fs_stat at FS_DATA */
	FS_CLOSE,     /* a: handle: the caller stops holding it */
	FS_READ,      /* a: handle, b: length (<= FS_DATA_MAX): bytes at FS_DATA, from the handle's offset */
	FS_WRITE,     /* a: handle, b: length: bytes from FS_DATA at the offset (the end, with O_APPEND) */
	FS_PREAD,     /* a: handle, b: length, c: position */
	FS_PWRITE,    /* a: handle, b: length, c: position */
	FS_SEEK,      /* a: handle, b: offset, c: whence. The new offset */
	FS_FSTAT,     /* a: handle: fs_stat at FS_DATA */
	FS_STAT,      /* a: dir handle, b: 1 to follow a final link; path 1: fs_stat at FS_DATA */
	FS_GETDENTS,  /* a: handle, b: room: Linux dirent64 records at FS_DATA; bytes */
	FS_UNLINK,    /* a: dir handle, b: 1 for rmdir; path 1 */
	FS_MKDIR,     /* a: dir handle, b: mode; path 1 */
	FS_RENAME,    /* a: from dir handle, b: to dir handle; path 1 -> path 2 */
	FS_LINK,      /* a: from dir handle, b: to dir handle; path 1 -> path 2 */
	FS_SYMLINK,   /* a: dir handle; path 1 is the target, path 2 the new link */
	FS_READLINK,  /* a: dir handle, b: room; path 1: the target at FS_DATA; its length */
	FS_FTRUNCATE, /* a: handle, b: size */
	FS_CHMOD,     /* a: dir handle, b: mode, c: 1 to follow; path 1 (empty: a is the file itself) */
	FS_UTIMENS,   /* a: dir handle, b: 1 to follow; path 1 (empty: a itself); 2 int64 ns at FS_DATA (-1: keep) */
	FS_GETCWD,    /* a: directory handle: its absolute path at FS_DATA; the length */
	FS_FORK,      /* a: the child's pid: it holds what the caller holds, and is a client; b, c: as FS_PROC, for it */
	FS_SETFL,     /* a: handle, b: O_APPEND or 0 */
	FS_STATFS,    /* fs_statfs at FS_DATA */
	FS_DUP_HOLD,  /* a: handle: nothing (the caller holds it once however many descriptors name it) */
	FS_PROC,      /* a, b: our slots (granted by the caller) of its process entry (R) and signal inbox (R/W) */
	FS_KILL,      /* a: pid (> 0), -1 (all but the caller) or -pgid; b: signal (0: only ask). 0 or -ESRCH */
};

/* The operations that carry names or data through the window (the others need none made yet). */
#define FS_NEEDS_WINDOW(op)                                                                              \
	((op) != FS_HELLO && (op) != FS_CLOSE && (op) != FS_SEEK && (op) != FS_FTRUNCATE && (op) != FS_FORK && \
	 (op) != FS_SETFL && (op) != FS_DUP_HOLD && (op) != FS_PROC && (op) != FS_KILL)

#define FS_DEV_ROOT 0x0E0F
#define FS_DEV_PROC 0x0E10

/* What FS_OPEN, FS_FSTAT and FS_STAT say about a file. */
struct fs_stat {
	uint32_t mode, nlink, ino;
	uint32_t dev; /* FS_DEV_ROOT, or FS_DEV_PROC under /proc (df tells the mounts apart by it) */
	uint64_t size, blocks;
	int64_t atime_ns, mtime_ns, ctime_ns;
	uint64_t archive; /* the boot archive's bytes (mapped at the same address in every process) while the file is unchanged; else 0 */
	uint32_t flags;   /* FS_OPEN: the handle's flags as the server keeps them */
	uint32_t pad2;
};

struct fs_statfs {
	uint64_t blocks, free_blocks, files, free_files;
};

#endif
