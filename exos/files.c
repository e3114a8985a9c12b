/*
 * Files: ExOS's client of the file server (fsd.c; fsproto.h has the
 * protocol). The descriptor table stays in fd.c; a file or directory there
 * names a handle of the server, whose offset every holder shares.
 *
 * The first call that needs the server makes this process's window: 6
 * pages it allocates, binds at EXOS_FSWIN_VA (outside ExOS's page map, so
 * fork does not share them and execve keeps them) and grants to the server.
 * Paths and data are copied through it; nothing else of ours is shared.
 *
 * The working directory is a handle too (FS_ROOT for "/"), so it follows
 * its directory through renames, as Linux's does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sendfile.h>
#include <exos/api.h>
#include "exos.h"
#include "fd.h"
#include "files.h"
#include "fsd.h"
#include "fsproto.h"
#include "misc.h"
#include "vm.h"

#define WIN ((char *)EXOS_FSWIN_VA)

static int connected;            /* our window is the server's */
static long cwd_handle = FS_ROOT; /* the working directory */

/* ---- talking to the server ---- */

/* Make the window and give it to the server. 0 or -EIO (no server, or it refused). */
static long connect_window(void)
{
	uint32_t theirs[FS_WIN_PAGES];
	long env = exos_fsd_env_slot();
	if (!exos_fsd_id() || env <= 0)
		return -EIO;
	for (int i = 0; i < FS_WIN_PAGES; i++) {
		long s = sys_page_alloc(EXO_PPN_ANY);
		if (s < 0)
			return exos_errno(s);
		long r = sys_bind(EXO_CAP_SELF, EXOS_FSWIN_VA + i * 4096UL, (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
		long g = r < 0 ? r : sys_cap_grant((unsigned long)s, (unsigned long)env, EXO_RIGHT_R | EXO_RIGHT_W);
		if (g < 0) {
			sys_cap_drop((unsigned long)s);
			return -EIO;
		}
		theirs[i] = (uint32_t)g;
	}
	memcpy(WIN, theirs, sizeof(theirs));
	long result, r;
	/* A server still starting offers no service yet (EINVAL): give it our time until it does. */
	while ((r = exos_lrpc_call(exos_fsd_id(), FS_SERVICE, FS_HELLO, FS_WIN_PAGES, theirs[0], 0, &result)) == -EINVAL ||
	       r == -EBUSY)
		sys_yield_to(exos_fsd_id());
	if (r < 0 || result < 0)
		return -EIO;
	connected = 1;
	return 0;
}

long exos_fs_call(long op, long a, long b, long c)
{
	if (!connected && FS_NEEDS_WINDOW(op)) {
		long err = connect_window();
		if (err < 0)
			return err;
	}
	for (;;) {
		long result, r = exos_lrpc_call(exos_fsd_id(), FS_SERVICE, op, a, b, c, &result);
		if (r == -EBUSY || (r == -EINVAL && !connected)) {
			/* Busy serving someone whose slice ran out, or (before our first call) not serving yet. */
			sys_yield_to(exos_fsd_id());
			continue;
		}
		return r < 0 ? -EIO : result;
	}
}

/* Before anything is written into the window: 0, or -EIO when there is no window to be had. */
static long need_window(void) { return connected ? 0 : connect_window(); }

/* Copy the caller's path into the window at off: its length, -EFAULT or -ENAMETOOLONG. */
static long put_path(unsigned off, const char *p)
{
	long err = need_window();
	if (err < 0)
		return err;
	for (unsigned long i = 0; i < EXOS_FS_PATH_MAX; i++) {
		if (i == 0 || ((uint64_t)(p + i) & 4095) == 0)
			if (!exos_user_ok(p + i, 1, 0))
				return -EFAULT;
		WIN[off + i] = p[i];
		if (!p[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

/* The directory handle a path at off starts from: the root (absolute), the working directory, or dirfd's. */
static long start_handle(long dirfd, unsigned off)
{
	if (WIN[off] == '/')
		return FS_ROOT;
	if (dirfd == AT_FDCWD)
		return cwd_handle;
	int is_dir;
	long h = exos_fd_server_handle(dirfd, &is_dir);
	if (h == -ESPIPE)
		return -ENOTDIR; /* a pipe or the console */
	if (h < 0)
		return h;
	return is_dir ? h : -ENOTDIR;
}

/* The path at off with the start it needs: the start handle, or -errno. */
static long path_in(unsigned off, long dirfd, const char *path)
{
	long n = put_path(off, path);
	if (n < 0)
		return n;
	return start_handle(dirfd, off);
}

static void stat_from(struct stat *st, const struct fs_stat *f)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = f->dev; /* the file server's: FS_DEV_ROOT, FS_DEV_PROC under /proc */
	st->st_ino = f->ino;
	st->st_mode = f->mode;
	st->st_nlink = f->nlink;
	st->st_size = (off_t)f->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)f->blocks;
	st->st_atim = (struct timespec){f->atime_ns / 1000000000, f->atime_ns % 1000000000};
	st->st_mtim = (struct timespec){f->mtime_ns / 1000000000, f->mtime_ns % 1000000000};
	st->st_ctim = (struct timespec){f->ctime_ns / 1000000000, f->ctime_ns % 1000000000};
}

static const struct fs_stat *reply_stat(void) { return (const struct fs_stat *)(WIN + FS_DATA); }

/* ---- special files (not the server's) ---- */

static int special_file(const char *p)
{
	if (!strcmp(p, "/dev/null"))
		return EXOS_SPECIAL_NULL;
	if (!strcmp(p, "/dev/tty") || !strcmp(p, "/dev/console"))
		return EXOS_SPECIAL_CONSOLE;
	return 0;
}

/* ---- open, and what an open file does ---- */

long exos_openat(long dirfd, const char *path, long flags, long mode)
{
	long start = path_in(FS_PATH1, dirfd, path);
	if (start < 0 && start != -ENOTDIR)
		return start;
	int special = special_file(WIN + FS_PATH1);
	if (special)
		return exos_fd_new_special(special, (flags & O_CLOEXEC) != 0);
	if (start < 0)
		return start;
	long h = exos_fs_call(FS_OPEN, start, flags & ~(long)(O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_LARGEFILE),
			      (mode & 07777) & ~(long)exos_umask_value());
	if (h < 0)
		return h;
	long fd = exos_fd_new_server_file(h, S_ISDIR(reply_stat()->mode), (int)flags);
	if (fd < 0)
		exos_fs_call(FS_CLOSE, h, 0, 0);
	return fd;
}

void exos_sfile_close(long h) { exos_fs_call(FS_CLOSE, h, 0, 0); }

/* read/write/pread/pwrite of a server file, in window-sized pieces. */
long exos_sfile_io(long h, int op, char *buf, unsigned long len, long pos)
{
	unsigned long done = 0;
	int write = op == FS_WRITE || op == FS_PWRITE, positioned = op == FS_PREAD || op == FS_PWRITE;
	long err = need_window();
	if (err < 0)
		return err;
	do {
		unsigned long n = len - done < FS_DATA_MAX ? len - done : FS_DATA_MAX;
		if (write)
			memcpy(WIN + FS_DATA, buf + done, n);
		long r = exos_fs_call(op, h, (long)n, positioned ? pos + (long)done : 0);
		if (r < 0)
			return done ? (long)done : r;
		if (!write)
			memcpy(buf + done, WIN + FS_DATA, (unsigned long)r);
		done += (unsigned long)r;
		if ((unsigned long)r < n)
			break;
	} while (done < len);
	return (long)done;
}

long exos_sfile_seek(long h, long off, long whence) { return exos_fs_call(FS_SEEK, h, off, whence); }

long exos_sfile_fstat(long h, struct stat *st)
{
	long r = exos_fs_call(FS_FSTAT, h, 0, 0);
	if (r == 0)
		stat_from(st, reply_stat());
	return r;
}

long exos_sfile_getdents(long h, char *buf, unsigned long count)
{
	long r = exos_fs_call(FS_GETDENTS, h, (long)(count < FS_DATA_MAX ? count : FS_DATA_MAX), 0);
	if (r > 0)
		memcpy(buf, WIN + FS_DATA, (unsigned long)r);
	return r;
}

long exos_sfile_setfl(long h, long flags) { return exos_fs_call(FS_SETFL, h, flags & O_APPEND, 0); }

long exos_ftruncate(long fd, long size)
{
	int is_dir;
	long h = exos_fd_server_handle(fd, &is_dir);
	if (h < 0)
		return h == -ESPIPE ? -EINVAL : h;
	return exos_fs_call(FS_FTRUNCATE, h, size, 0);
}

/* ---- names ---- */

long exos_fstatat(long dirfd, const char *path, struct stat *st, long flags)
{
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	long start = path_in(FS_PATH1, dirfd, path);
	if (!exos_user_ok(st, sizeof(*st), 1))
		return -EFAULT;
	if (start == -EFAULT || start == -ENAMETOOLONG || start == -EIO)
		return start;
	if (WIN[FS_PATH1] == '\0' && (flags & AT_EMPTY_PATH))
		return exos_fstat(dirfd, st);
	int special = special_file(WIN + FS_PATH1);
	if (special) {
		exos_special_stat(special, st);
		return 0;
	}
	if (WIN[FS_PATH1] == '\0')
		return -ENOENT;
	if (start < 0)
		return start;
	long r = exos_fs_call(FS_STAT, start, !(flags & AT_SYMLINK_NOFOLLOW), 0);
	if (r == 0)
		stat_from(st, reply_stat());
	return r;
}

long exos_faccessat(long dirfd, const char *path, long how)
{
	if (how & ~(long)(R_OK | W_OK | X_OK))
		return -EINVAL;
	long start = path_in(FS_PATH1, dirfd, path);
	if (start == -EFAULT || start == -ENAMETOOLONG || start == -EIO)
		return start;
	if (special_file(WIN + FS_PATH1))
		return 0;
	if (WIN[FS_PATH1] == '\0')
		return -ENOENT;
	if (start < 0)
		return start;
	long r = exos_fs_call(FS_STAT, start, 1, 0);
	if (r < 0)
		return r;
	/* We are root: reading and writing are allowed; running needs an x bit somewhere (or a directory). */
	if ((how & X_OK) && !(reply_stat()->mode & 0111))
		return -EACCES;
	return 0;
}

/* /proc/self/fd/N or /proc/<our pid>/fd/N: N, else -1. */
static long own_fd_link(const char *p)
{
	char self[16];
	int k = snprintf(self, sizeof(self), "%u", EXO_ENV_INFO->id);
	if (strncmp(p, "/proc/", 6))
		return -1;
	p += 6;
	if (!strncmp(p, "self/fd/", 8))
		p += 8;
	else if (!strncmp(p, self, (size_t)k) && !strncmp(p + k, "/fd/", 4))
		p += k + 4;
	else
		return -1;
	long fd = 0;
	for (; *p >= '0' && *p <= '9' && fd < 100000; p++)
		fd = fd * 10 + (*p - '0');
	return *p || p[-1] == '/' ? -1 : fd;
}

long exos_readlinkat(long dirfd, const char *path, char *buf, unsigned long size)
{
	long start = path_in(FS_PATH1, dirfd, path);
	if (start < 0)
		return start;
	if ((long)size <= 0)
		return -EINVAL;
	if (!exos_user_ok(buf, size, 1))
		return -EFAULT;
	if (WIN[FS_PATH1] == '\0')
		return -ENOENT;
	long fd = own_fd_link(WIN + FS_PATH1);
	if (fd >= 0) { /* our descriptors: ExOS knows them, the server does not */
		int is_dir;
		long h = exos_fd_server_handle(fd, &is_dir);
		if (h < 0 || !is_dir)
			return exos_fd_link_name(fd, buf, size);
		long n = exos_fs_call(FS_GETCWD, h, 0, 0);
		if (n > 0)
			memcpy(buf, WIN + FS_DATA, (unsigned long)n < size ? (unsigned long)n : size);
		return n < 0 ? n : ((unsigned long)n < size ? n : (long)size);
	}
	long r = exos_fs_call(FS_READLINK, start, (long)(size < FS_DATA_MAX ? size : FS_DATA_MAX), 0);
	if (r > 0)
		memcpy(buf, WIN + FS_DATA, (unsigned long)r);
	return r;
}

long exos_mkdirat(long dirfd, const char *path, long mode)
{
	long start = path_in(FS_PATH1, dirfd, path);
	if (start < 0)
		return start;
	return exos_fs_call(FS_MKDIR, start, (mode & 07777) & ~(long)exos_umask_value(), 0);
}

long exos_unlinkat(long dirfd, const char *path, long flags)
{
	if (flags & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	long start = path_in(FS_PATH1, dirfd, path);
	if (start < 0)
		return start;
	return exos_fs_call(FS_UNLINK, start, (flags & AT_REMOVEDIR) != 0, 0);
}

/* rename and link: two paths, two starts. */
static long two_paths(int op, long olddirfd, const char *oldpath, long newdirfd, const char *newpath)
{
	long a = path_in(FS_PATH1, olddirfd, oldpath);
	if (a < 0)
		return a;
	long b = path_in(FS_PATH2, newdirfd, newpath);
	if (b < 0)
		return b;
	return exos_fs_call(op, a, b, 0);
}

long exos_renameat2(long olddirfd, const char *oldpath, long newdirfd, const char *newpath, long flags)
{
	if (flags)
		return -EINVAL; /* RENAME_NOREPLACE, EXCHANGE, WHITEOUT: not offered */
	return two_paths(FS_RENAME, olddirfd, oldpath, newdirfd, newpath);
}

long exos_linkat(long olddirfd, const char *oldpath, long newdirfd, const char *newpath, long flags)
{
	if (flags & ~(long)AT_SYMLINK_FOLLOW)
		return -EINVAL;
	return two_paths(FS_LINK, olddirfd, oldpath, newdirfd, newpath);
}

long exos_symlinkat(const char *target, long newdirfd, const char *linkpath)
{
	long n = put_path(FS_PATH1, target);
	if (n < 0)
		return n;
	long b = path_in(FS_PATH2, newdirfd, linkpath);
	return b < 0 ? b : exos_fs_call(FS_SYMLINK, b, 0, 0);
}

long exos_fchmodat(long dirfd, const char *path, long mode, long flags)
{
	if (flags & ~(long)AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	long start = path_in(FS_PATH1, dirfd, path);
	if (start < 0)
		return start;
	if (WIN[FS_PATH1] == '\0')
		return -ENOENT;
	return exos_fs_call(FS_CHMOD, start, mode, !(flags & AT_SYMLINK_NOFOLLOW));
}

long exos_fchmod(long fd, long mode)
{
	int is_dir;
	long h = exos_fd_server_handle(fd, &is_dir);
	if (h < 0)
		return h == -ESPIPE ? 0 : h; /* a pipe or the console: nothing to keep */
	if (need_window() < 0)
		return -EIO;
	WIN[FS_PATH1] = '\0';
	return exos_fs_call(FS_CHMOD, h, mode, 1);
}

long exos_truncate(const char *path, long size)
{
	long fd = exos_openat(AT_FDCWD, path, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	long r = exos_ftruncate(fd, size);
	exos_close(fd);
	return r;
}

static int64_t time_ns(const struct timespec *t, int64_t now)
{
	if (t->tv_nsec == UTIME_OMIT)
		return -1;
	if (t->tv_nsec == UTIME_NOW)
		return now;
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

long exos_utimensat(long dirfd, const char *path, const struct timespec *times, long flags)
{
	if (flags & ~(long)AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	if (times && !exos_user_ok(times, 2 * sizeof(*times), 0))
		return -EFAULT;
	int64_t now = (int64_t)exos_now_ns(), t[2] = {now, now};
	for (int i = 0; times && i < 2; i++) {
		if (times[i].tv_nsec != UTIME_OMIT && times[i].tv_nsec != UTIME_NOW &&
		    (times[i].tv_nsec < 0 || times[i].tv_nsec >= 1000000000))
			return -EINVAL;
		t[i] = time_ns(&times[i], now);
	}
	long start;
	if (path) {
		start = path_in(FS_PATH1, dirfd, path);
		if (start < 0)
			return start;
	} else { /* futimens: dirfd is the file */
		int is_dir;
		start = exos_fd_server_handle(dirfd, &is_dir);
		if (start < 0)
			return start == -ESPIPE ? 0 : start;
		if (need_window() < 0)
			return -EIO;
		WIN[FS_PATH1] = '\0';
	}
	memcpy(WIN + FS_DATA, t, sizeof(t));
	return exos_fs_call(FS_UTIMENS, start, !(flags & AT_SYMLINK_NOFOLLOW), 0);
}

/* ---- the working directory ---- */

static void set_cwd(long h)
{
	if (cwd_handle != FS_ROOT)
		exos_fs_call(FS_CLOSE, cwd_handle, 0, 0);
	cwd_handle = h;
}

/* Open the directory at (start, path at FS_PATH1) as the new working directory. */
static long cwd_to(long start)
{
	long h = exos_fs_call(FS_OPEN, start, O_RDONLY | O_DIRECTORY, 0);
	if (h < 0)
		return h;
	set_cwd(h);
	return 0;
}

long exos_chdir(const char *path)
{
	long start = path_in(FS_PATH1, AT_FDCWD, path);
	if (start < 0)
		return start;
	if (WIN[FS_PATH1] == '\0')
		return -ENOENT;
	return cwd_to(start);
}

long exos_fchdir(long fd)
{
	int is_dir;
	long h = exos_fd_server_handle(fd, &is_dir);
	if (h < 0)
		return h == -ESPIPE ? -ENOTDIR : h;
	if (!is_dir)
		return -ENOTDIR;
	if (need_window() < 0)
		return -EIO;
	WIN[FS_PATH1] = '.';
	WIN[FS_PATH1 + 1] = '\0';
	return cwd_to(h);
}

long exos_getcwd(char *buf, unsigned long size)
{
	long n = 1;
	if (cwd_handle != FS_ROOT) {
		n = exos_fs_call(FS_GETCWD, cwd_handle, 0, 0);
		if (n < 0)
			return n;
	}
	if (size < (unsigned long)n + 1)
		return -ERANGE;
	if (!exos_user_ok(buf, (unsigned long)n + 1, 1))
		return -EFAULT;
	if (cwd_handle == FS_ROOT)
		memcpy(buf, "/", 2);
	else
		memcpy(buf, WIN + FS_DATA, (unsigned long)n + 1);
	return n + 1;
}

/* ---- the whole file system ---- */

static long statfs_fill(struct statfs *s)
{
	long r = exos_fs_call(FS_STATFS, 0, 0, 0);
	if (r < 0)
		return r;
	const struct fs_statfs *f = (const struct fs_statfs *)(WIN + FS_DATA);
	memset(s, 0, sizeof(*s));
	s->f_type = 0x01021994; /* tmpfs's magic: a file system in memory */
	s->f_bsize = s->f_frsize = 4096;
	s->f_blocks = f->blocks;
	s->f_bfree = s->f_bavail = f->free_blocks;
	s->f_files = f->files;
	s->f_ffree = f->free_files;
	s->f_namelen = 255;
	return 0;
}

long exos_statfs(const char *path, struct statfs *s)
{
	long start = path_in(FS_PATH1, AT_FDCWD, path);
	if (start < 0)
		return start;
	if (!exos_user_ok(s, sizeof(*s), 1))
		return -EFAULT;
	long r = exos_fs_call(FS_STAT, start, 1, 0);
	return r < 0 ? r : statfs_fill(s);
}

long exos_fstatfs(long fd, struct statfs *s)
{
	int is_dir;
	long h = exos_fd_server_handle(fd, &is_dir);
	if (h < 0 && h != -ESPIPE)
		return h;
	if (!exos_user_ok(s, sizeof(*s), 1))
		return -EFAULT;
	return statfs_fill(s);
}

/* sendfile: a copy loop through our memory (the data pass through the window twice). */
long exos_sendfile(long out, long in, long *offset, unsigned long count)
{
	static char buf[16384];
	if (offset && !exos_user_ok(offset, sizeof(*offset), 1))
		return -EFAULT;
	long done = 0;
	while ((unsigned long)done < count) {
		unsigned long n = count - (unsigned long)done < sizeof(buf) ? count - (unsigned long)done : sizeof(buf);
		long r = offset ? exos_pread(in, buf, n, *offset) : exos_read(in, buf, n);
		if (r <= 0)
			return done ? done : r;
		long w = exos_write(out, buf, (unsigned long)r);
		if (w < 0)
			return done ? done : w;
		if (offset)
			*offset += w;
		done += w;
		if (w < r || (unsigned long)r < n)
			break;
	}
	return done;
}

/* ---- processes ---- */

/* Server-side slots for a process's entry (read) and inbox (read-write), granted by us; -1 when not. */
static void grant_proc_pages(uint32_t entry_slot, uint32_t inbox_slot, long *e, long *i)
{
	long env = exos_fsd_env_slot();
	*e = sys_cap_grant(entry_slot, (unsigned long)env, EXO_RIGHT_R);
	*i = sys_cap_grant(inbox_slot, (unsigned long)env, EXO_RIGHT_R | EXO_RIGHT_W);
}

void exos_fs_fork(unsigned long child_env, uint32_t child, uint32_t entry_slot, uint32_t inbox_slot)
{
	long slot = exos_fsd_env_slot();
	if (!exos_fsd_id() || slot <= 0)
		return;
	struct exo_grant_op g = {(uint32_t)slot, (uint32_t)slot, EXO_RIGHT_GRANT, 0};
	if (sys_cap_grant_batch(child_env, &g, 1) < 0)
		return;
	long e, i;
	grant_proc_pages(entry_slot, inbox_slot, &e, &i);
	exos_fs_call(FS_FORK, child, e < 0 ? 0 : e, i < 0 ? 0 : i);
}

void exos_fs_register(uint32_t entry_slot, uint32_t inbox_slot)
{
	if (!exos_fsd_id() || exos_fsd_env_slot() <= 0)
		return;
	long e, i;
	grant_proc_pages(entry_slot, inbox_slot, &e, &i);
	exos_fs_call(FS_PROC, e < 0 ? 0 : e, i < 0 ? 0 : i, 0);
}

long exos_fs_kill(long pid, long sig)
{
	if (!exos_fsd_id())
		return -ESRCH;
	return exos_fs_call(FS_KILL, pid, sig, 0);
}

void exos_fs_after_fork(void) { connected = 0; /* the window is the parent's; ours is made when needed */ }

void exos_fs_exit(void)
{
	if (connected)
		set_cwd(FS_ROOT);
}

void exos_fs_export(struct exos_exec_handoff *h)
{
	h->fs_server = exos_fsd_id();
	h->fs_env_slot = (uint32_t)exos_fsd_env_slot();
	h->fs_connected = (uint32_t)connected;
	h->fs_cwd = cwd_handle;
	h->umask = exos_umask_value();
}

void exos_fs_import(const struct exos_exec_handoff *h)
{
	exos_fsd_adopt(h->fs_server, h->fs_env_slot);
	connected = (int)h->fs_connected;
	cwd_handle = h->fs_cwd;
	exos_umask(h->umask);
}

/* ---- programs, for execve ---- */

long exos_fs_load(const char *path, struct exos_loaded *out)
{
	long fd = exos_openat(AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	int is_dir;
	long h = exos_fd_server_handle(fd, &is_dir);
	long err = h < 0 ? -EACCES : exos_sfile_fstat(h, &st);
	*out = (struct exos_loaded){0};
	if (err == 0 && (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)))
		err = -EACCES;
	if (err == 0 && reply_stat()->archive) { /* still the archive's bytes: use them in place */
		out->data = (const unsigned char *)reply_stat()->archive;
		out->size = (uint64_t)st.st_size;
	} else if (err == 0) {
		uint64_t size = (uint64_t)st.st_size, room = (size + 4095) & ~4095UL;
		long va = room ? exos_mmap(0, room, 0x1 | 0x2, 0x02 | 0x20, -1, 0) : 0; /* PROT_RW, MAP_PRIVATE|ANON */
		if (va < 0)
			err = va;
		else if (room && exos_pread(fd, (char *)va, size, 0) != (long)size)
			err = -EIO;
		out->data = (const unsigned char *)va;
		out->size = size;
		out->copy_size = room;
		if (err < 0 && room && va > 0)
			exos_munmap((unsigned long)va, room);
	}
	exos_close(fd);
	return err;
}

void exos_fs_unload(struct exos_loaded *l)
{
	if (l->copy_size)
		exos_munmap((unsigned long)l->data, l->copy_size);
	*l = (struct exos_loaded){0};
}
