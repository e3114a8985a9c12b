/* ExOS file descriptors (fd.c): the console (console.c), pipes and files. Results as the system calls return them. */
#ifndef EXOS_FD_H
#define EXOS_FD_H

#include <stdint.h>

struct iovec;
struct stat;
struct pollfd;
struct timespec;

long exos_read(long fd, char *buf, unsigned long len);
long exos_write(long fd, const char *buf, unsigned long len);
long exos_readv(long fd, const struct iovec *iov, long iovcnt);
long exos_writev(long fd, const struct iovec *iov, long iovcnt);
long exos_close(long fd);
long exos_dup(long fd);
long exos_dup2(long oldfd, long newfd);
long exos_dup3(long oldfd, long newfd, long flags);
long exos_pipe2(int *fdpair, long flags);
long exos_fcntl(long fd, long cmd, long arg);
long exos_lseek(long fd, long off, long whence);
long exos_ioctl(long fd, unsigned long req, unsigned long arg);
long exos_fstat(long fd, struct stat *st);
long exos_poll(struct pollfd *q, unsigned long n, long timeout_ms);
long exos_ppoll(struct pollfd *q, unsigned long n, const struct timespec *ts);
struct timeval;
long exos_select(long n, uint64_t *r, uint64_t *w, uint64_t *e, struct timeval *tv);
long exos_pselect6(long n, uint64_t *r, uint64_t *w, uint64_t *e, const struct timespec *ts, const void *sigmask);

/*
 * fork: the child holds every pipe end we hold (before it runs). exit:
 * close everything. execve: close the close-on-exec descriptors and write
 * the rest into the handoff; the new program takes them from there.
 */
struct exos_exec_handoff;
void exos_fd_fork(uint32_t child);
void exos_fd_close_all(void);
/* The process is ending by a signal (maybe inside a fault): only stop holding pipe ends, so readers see EOF. */
void exos_fd_drop_holds(void);
long exos_fd_export(struct exos_exec_handoff *h);
void exos_fd_import(const struct exos_exec_handoff *h);


/* Files of the file server in the descriptor table (for files.c). */
long exos_getdents64(long fd, char *buf, unsigned long count);
long exos_pread(long fd, char *buf, unsigned long len, long pos);
long exos_pwrite(long fd, const char *buf, unsigned long len, long pos);
void exos_stat_fill(struct stat *st, uint32_t mode, uint64_t size, uint32_t ino);
/* A new descriptor for server handle h (flags: open's); -EMFILE/-ENFILE (the caller closes h then). */
long exos_fd_new_server_file(long handle, int is_dir, int flags);
enum { EXOS_SPECIAL_NULL = 1, EXOS_SPECIAL_CONSOLE = 2 };
long exos_fd_new_special(int which, int cloexec);
void exos_special_stat(int which, struct stat *st);
/* readlink of /proc/self/fd/N for fd: the name's length in out, or -ENOENT/-EINVAL (a file or directory). */
long exos_fd_link_name(long fd, char *out, unsigned long size);
/* fd's server handle (and whether it is a directory); -EBADF, or -ESPIPE when fd is not the server's. */
long exos_fd_server_handle(long fd, int *is_dir);

#endif
