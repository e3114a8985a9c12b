/* Files through the file server (files.c). Results as the system calls return them. */
#ifndef EXOS_FILES_H
#define EXOS_FILES_H

#include <stdint.h>

struct stat;
struct statfs;
struct timespec;
struct exos_exec_handoff;

#define EXOS_FS_PATH_MAX 4096

/* One call to the file server (fsproto.h), making our window first if need be. */
long exos_fs_call(long op, long a, long b, long c);

long exos_openat(long dirfd, const char *path, long flags, long mode);
long exos_fstatat(long dirfd, const char *path, struct stat *st, long flags);
long exos_faccessat(long dirfd, const char *path, long how);
long exos_readlinkat(long dirfd, const char *path, char *buf, unsigned long size);
long exos_mkdirat(long dirfd, const char *path, long mode);
long exos_unlinkat(long dirfd, const char *path, long flags);
long exos_renameat2(long olddirfd, const char *oldpath, long newdirfd, const char *newpath, long flags);
long exos_linkat(long olddirfd, const char *oldpath, long newdirfd, const char *newpath, long flags);
long exos_symlinkat(const char *target, long newdirfd, const char *linkpath);
long exos_fchmodat(long dirfd, const char *path, long mode, long flags);
long exos_fchmod(long fd, long mode);
long exos_truncate(const char *path, long size);
long exos_ftruncate(long fd, long size);
/* path NULL: futimens on dirfd. */
long exos_utimensat(long dirfd, const char *path, const struct timespec *times, long flags);
long exos_chdir(const char *path);
long exos_fchdir(long fd);
long exos_getcwd(char *buf, unsigned long size);
long exos_statfs(const char *path, struct statfs *s);
long exos_fstatfs(long fd, struct statfs *s);
long exos_sendfile(long out, long in, long *offset, unsigned long count);

/* What fd.c asks of a file server handle h. op: FS_READ, FS_WRITE, FS_PREAD, FS_PWRITE. */
long exos_sfile_io(long h, int op, char *buf, unsigned long len, long pos);
long exos_sfile_seek(long h, long off, long whence);
long exos_sfile_fstat(long h, struct stat *st);
long exos_sfile_getdents(long h, char *buf, unsigned long count);
long exos_sfile_setfl(long h, long flags);
void exos_sfile_close(long h);

/* fork (parent: before the child runs; child: first thing), exit, and execve's handoff. */
void exos_fs_fork(unsigned long child_env, uint32_t child, uint32_t entry_slot, uint32_t inbox_slot);
/* The process table the server keeps: our entry (read) and inbox (to post signals) for it. */
void exos_fs_register(uint32_t entry_slot, uint32_t inbox_slot);
/* kill beyond our own family, through the server's table: 0, -ESRCH. */
long exos_fs_kill(long pid, long sig);
void exos_fs_after_fork(void);
void exos_fs_exit(void);
void exos_fs_export(struct exos_exec_handoff *h);
void exos_fs_import(const struct exos_exec_handoff *h);

/* A program's bytes for execve: in place in the boot archive, or a private copy (exos_fs_unload frees it). */
struct exos_loaded {
	const unsigned char *data;
	uint64_t size;
	uint64_t copy_size; /* 0: data is the archive's */
};
long exos_fs_load(const char *path, struct exos_loaded *out);
void exos_fs_unload(struct exos_loaded *l);

#endif
