/*
 * ExOS file descriptors: the console and pipes (fd.h).
 *
 * A descriptor names an open file, a small object of this process (struct
 * file) that dup'd descriptors share. Descriptors 0, 1 and 2 start as the
 * console. A pipe is a ring buffer in a shared mapping (EXOS_RG_SHARED: fork
 * shares it with the child, as a MAP_SHARED page; EXOS_RG_KEEP: it crosses
 * execve with the descriptors), with a header every holder reads and writes:
 *
 *   - rpos and wpos count bytes read and written since the pipe was made;
 *     the data are wpos - rpos bytes at rpos modulo the ring's size;
 *   - a lock word (an atomic exchange; a waiter yields) keeps writers, and
 *     readers, from interleaving inside one operation: writes of up to
 *     PIPE_BUF bytes are atomic;
 *   - the sets of environments that hold the read end and the write end.
 *     A process is in a set while it has a descriptor for that end; fork
 *     adds the child, close and exit take the process out. A process that
 *     ended without closing (the kernel or SIGKILL ended it) is found out
 *     when someone waits on the pipe: directed yield to it says that no such
 *     environment lives any more, and it is taken out then.
 *
 * Waiting: a reader with nothing to read, or a writer with no room, gives its
 * time to a process holding the other end (directed yield), and looks again;
 * signals interrupt the wait (EINTR, or go on with SA_RESTART). A pipe with
 * no writer left reads as end of file; writing to one with no reader left
 * is EPIPE and SIGPIPE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <dirent.h>
#include <unistd.h>
#include <time.h>
#include <exos/api.h>
#include "exos.h"
#include "console.h"
#include "files.h"
#include "fsproto.h"
#include "fd.h"
#include "proc.h"
#include "signal.h"
#include "vm.h"

#define NFD 256
#define NFILE 128
#define PIPE_PAGES 4
#define PIPE_HOLDERS 32
#define IOV_MAX_LINUX 1024

struct pipe_header {
	volatile uint64_t rpos, wpos;
	volatile uint32_t lock;
	uint32_t pad;
	volatile uint32_t holders[2][PIPE_HOLDERS]; /* [0] read end, [1] write end: environment ids, 0 for none */
	/*
	 * Each end's O_NONBLOCK: the open file description's, so every holder of
	 * that end sees a change (fork and execve share it, as on Linux).
	 */
	volatile uint32_t nonblock[2];
};
#define PIPE_DATA (PIPE_PAGES * 4096 - 4096)       /* the ring: the pages after the header's */
#define PIPE_RING(p) ((volatile unsigned char *)(p) + 4096)

enum file_type { F_NONE, F_CONSOLE, F_PIPE, F_FILE, F_DIR, F_NULL };

#define DIR_PATH_MAX 256

struct file {
	int type;       /* enum file_type */
	int refs;       /* descriptors naming it */
	int end;        /* F_PIPE: 0 read, 1 write */
	int flags;      /* O_NONBLOCK and O_APPEND of files and the console (a pipe's O_NONBLOCK is in its header) */
	struct pipe_header *pipe;
	long handle; /* F_FILE, F_DIR: the file server's handle (files.c) */
	int acc;     /* F_FILE, F_DIR: the access mode it was opened with (O_RDONLY, O_WRONLY, O_RDWR) */
};

static struct file files[NFILE];
static struct {
	struct file *f;
	int cloexec;
} fds[NFD];

static uint32_t my_id(void) { return EXO_ENV_INFO->id; }

/* ---- open files ---- */

static struct file *file_new(int type)
{
	for (int i = 0; i < NFILE; i++)
		if (files[i].type == F_NONE) {
			files[i] = (struct file){.type = type};
			return &files[i];
		}
	return NULL;
}

static int console_done;
static void console_init(void)
{
	if (console_done)
		return;
	console_done = 1;
	struct file *c = file_new(F_CONSOLE);
	for (int fd = 0; fd < 3; fd++) {
		fds[fd].f = c;
		c->refs++;
	}
}

static struct file *file_of(long fd)
{
	console_init();
	return fd >= 0 && fd < NFD ? fds[fd].f : NULL;
}

static long fd_alloc(int from)
{
	console_init(); /* 0, 1 and 2 are taken before anything else */
	for (int fd = from; fd < NFD; fd++)
		if (!fds[fd].f)
			return fd;
	return -EMFILE;
}

/* ---- pipe holders ---- */

static void lock(struct pipe_header *p)
{
	while (__atomic_exchange_n(&p->lock, 1, __ATOMIC_ACQUIRE))
		sys_yield();
}

static void unlock(struct pipe_header *p) { __atomic_store_n(&p->lock, 0, __ATOMIC_RELEASE); }

static int holder_add(struct pipe_header *p, int end, uint32_t id)
{
	for (int i = 0; i < PIPE_HOLDERS; i++)
		if (p->holders[end][i] == id)
			return 0;
	for (int i = 0; i < PIPE_HOLDERS; i++)
		if (__atomic_compare_exchange_n(&p->holders[end][i], &(uint32_t){0}, id, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return 0;
	return -EMFILE;
}

static void holder_remove(struct pipe_header *p, int end, uint32_t id)
{
	for (int i = 0; i < PIPE_HOLDERS; i++)
		__atomic_compare_exchange_n(&p->holders[end][i], &(uint32_t){id}, 0, 0, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
}

/*
 * Does any process still hold `end`? With nudge, also give the processor to
 * each holder (directed yield): the wait's wake-up, and the way a holder
 * that no longer lives is found out and forgotten.
 */
static int end_held(struct pipe_header *p, int end, int nudge)
{
	int held = 0;
	for (int i = 0; i < PIPE_HOLDERS; i++) {
		uint32_t id = p->holders[end][i];
		if (!id)
			continue;
		if (!nudge || id == my_id()) {
			held = 1;
			continue;
		}
		long r = sys_yield_to(id);
		if (r == -EXO_ENOENT)
			holder_remove(p, end, id);
		else
			held = 1;
	}
	return held;
}

/* ---- the calls ---- */

long exos_pipe2(int *fdpair, long flags)
{
	if (flags & ~(long)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!exos_user_ok(fdpair, 2 * sizeof(int), 1))
		return -EFAULT;
	console_init();
	long rfd = fd_alloc(0);
	if (rfd < 0)
		return rfd;
	fds[rfd].f = (struct file *)1; /* reserved while the second is found */
	long wfd = fd_alloc(0);
	fds[rfd].f = NULL;
	if (wfd < 0)
		return wfd;
	struct file *r = file_new(F_PIPE), *w = r ? file_new(F_PIPE) : NULL;
	if (!w) {
		if (r)
			r->type = F_NONE;
		return -ENFILE;
	}
	long va = exos_vm_map_keep(PIPE_PAGES * 4096);
	if (va < 0) {
		r->type = w->type = F_NONE;
		return va;
	}
	struct pipe_header *p = (struct pipe_header *)va;
	p->holders[0][0] = p->holders[1][0] = my_id();
	*r = (struct file){.type = F_PIPE, .refs = 1, .end = 0, .pipe = p};
	*w = (struct file){.type = F_PIPE, .refs = 1, .end = 1, .pipe = p};
	p->nonblock[0] = p->nonblock[1] = (flags & O_NONBLOCK) != 0;
	fds[rfd].f = r;
	fds[wfd].f = w;
	fds[rfd].cloexec = fds[wfd].cloexec = (flags & O_CLOEXEC) != 0;
	fdpair[0] = (int)rfd;
	fdpair[1] = (int)wfd;
	return 0;
}

/* Is another open file of this process the same end of the same pipe? */
static int end_still_open(const struct file *f)
{
	for (int i = 0; i < NFILE; i++)
		if (&files[i] != f && files[i].type == F_PIPE && files[i].pipe == f->pipe && files[i].end == f->end)
			return 1;
	return 0;
}

static int pipe_still_mapped(const struct file *f)
{
	for (int i = 0; i < NFILE; i++)
		if (&files[i] != f && files[i].type == F_PIPE && files[i].pipe == f->pipe)
			return 1;
	return 0;
}

static void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->type == F_PIPE) {
		if (!end_still_open(f))
			holder_remove(f->pipe, f->end, my_id());
		if (!pipe_still_mapped(f))
			exos_munmap((unsigned long)f->pipe, PIPE_PAGES * 4096);
	}
	if (f->type == F_FILE || f->type == F_DIR)
		exos_sfile_close(f->handle);
	f->type = F_NONE;
}

long exos_close(long fd)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	fds[fd].f = NULL;
	fds[fd].cloexec = 0;
	file_put(f);
	return 0;
}

static long dup_to(long oldfd, long newfd, int cloexec)
{
	struct file *f = file_of(oldfd);
	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= NFD)
		return -EBADF;
	if (newfd == oldfd)
		return newfd;
	if (fds[newfd].f)
		exos_close(newfd);
	fds[newfd].f = f;
	fds[newfd].cloexec = cloexec;
	f->refs++;
	return newfd;
}

long exos_dup(long fd)
{
	if (!file_of(fd))
		return -EBADF;
	long n = fd_alloc(0);
	return n < 0 ? n : dup_to(fd, n, 0);
}

long exos_dup3(long oldfd, long newfd, long flags)
{
	if (flags & ~(long)O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return file_of(oldfd) ? -EINVAL : -EBADF;
	return dup_to(oldfd, newfd, (flags & O_CLOEXEC) != 0);
}

long exos_dup2(long oldfd, long newfd)
{
	if (oldfd == newfd)
		return file_of(oldfd) ? newfd : -EBADF;
	return dup_to(oldfd, newfd, 0);
}

long exos_fcntl(long fd, long cmd, long arg)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		if (arg < 0 || arg >= NFD)
			return -EINVAL;
		long n = fd_alloc((int)arg);
		return n < 0 ? n : dup_to(fd, n, cmd == F_DUPFD_CLOEXEC);
	}
	case F_GETFD:
		return fds[fd].cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		fds[fd].cloexec = (arg & FD_CLOEXEC) != 0;
		return 0;
	case F_GETFL:
		if (f->type == F_FILE || f->type == F_DIR)
			return f->acc | f->flags;
		if (f->type == F_PIPE)
			return (f->end ? O_WRONLY : O_RDONLY) | (f->pipe->nonblock[f->end] ? O_NONBLOCK : 0);
		return O_RDWR | f->flags;
	case F_SETFL:
		if (f->type == F_FILE) {
			long r = exos_sfile_setfl(f->handle, arg);
			if (r < 0)
				return r;
		}
		if (f->type == F_PIPE)
			f->pipe->nonblock[f->end] = (arg & O_NONBLOCK) != 0;
		else
			f->flags = (int)(arg & (O_NONBLOCK | (f->type == F_FILE ? O_APPEND : 0)));
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- pipes ---- */

/* Copy n bytes out of the ring from position pos (at most two pieces: it wraps once). */
static void ring_get(struct pipe_header *p, uint64_t pos, char *dst, uint64_t n)
{
	uint64_t at = pos % PIPE_DATA, first = n < PIPE_DATA - at ? n : PIPE_DATA - at;
	memcpy(dst, (const void *)(PIPE_RING(p) + at), first);
	memcpy(dst + first, (const void *)PIPE_RING(p), n - first);
}

static void ring_put(struct pipe_header *p, uint64_t pos, const char *src, uint64_t n)
{
	uint64_t at = pos % PIPE_DATA, first = n < PIPE_DATA - at ? n : PIPE_DATA - at;
	memcpy((void *)(PIPE_RING(p) + at), src, first);
	memcpy((void *)PIPE_RING(p), src + first, n - first);
}

static long pipe_read(struct file *f, char *buf, unsigned long len)
{
	struct pipe_header *p = f->pipe;
	for (;;) {
		lock(p);
		uint64_t avail = p->wpos - p->rpos;
		if (avail > 0) {
			uint64_t n = avail < len ? avail : len;
			ring_get(p, p->rpos, buf, n);
			__atomic_store_n(&p->rpos, p->rpos + n, __ATOMIC_RELEASE);
			unlock(p);
			return (long)n;
		}
		unlock(p);
		if (!end_held(p, 1, 0))
			return 0; /* no writer left: end of file */
		if (f->pipe->nonblock[f->end])
			return -EAGAIN;
		long r = exos_signal_wait_point(1);
		if (r < 0)
			return r;
		if (!end_held(p, 1, 1)) /* give the writers the processor; are they still there? */
			return p->wpos != p->rpos ? pipe_read(f, buf, len) : 0;
	}
}

static long pipe_write(struct file *f, const char *buf, unsigned long len)
{
	struct pipe_header *p = f->pipe;
	unsigned long done = 0;
	while (done < len) {
		if (!end_held(p, 0, 0)) {
			exos_signal_raise(SIGPIPE);
			return done ? (long)done : -EPIPE;
		}
		lock(p);
		uint64_t room = PIPE_DATA - (p->wpos - p->rpos), left = len - done;
		/* Up to PIPE_BUF bytes go in one piece: wait until they all fit. */
		uint64_t need = left <= 4096 ? left : 1;
		if (room >= need) {
			uint64_t n = room < left ? room : left;
			ring_put(p, p->wpos, buf + done, n);
			__atomic_store_n(&p->wpos, p->wpos + n, __ATOMIC_RELEASE);
			unlock(p);
			done += n;
			continue;
		}
		unlock(p);
		if (f->pipe->nonblock[f->end])
			return done ? (long)done : -EAGAIN;
		long r = exos_signal_wait_point(1);
		if (r < 0)
			return done ? (long)done : r;
		end_held(p, 0, 1); /* give the readers the processor */
	}
	return (long)done;
}

/* ---- read and write ---- */

long exos_read(long fd, char *buf, unsigned long len)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (f->type == F_PIPE && f->end != 0)
		return -EBADF;
	if (!exos_user_ok(buf, len, 1))
		return -EFAULT;
	if (len == 0)
		return 0;
	switch (f->type) {
	case F_CONSOLE:
		return exos_console_read(buf, len);
	case F_PIPE:
		return pipe_read(f, buf, len);
	case F_FILE:
		return f->acc == O_WRONLY ? -EBADF : exos_sfile_io(f->handle, FS_READ, buf, len, 0);
	case F_DIR:
		return -EISDIR;
	default: /* F_NULL */
		return 0;
	}
}

long exos_write(long fd, const char *buf, unsigned long len)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (f->type == F_PIPE && f->end != 1)
		return -EBADF;
	if (f->type == F_CONSOLE)
		return exos_console_write(buf, len); /* the kernel checks the buffer */
	if (f->type == F_DIR || (f->type == F_FILE && f->acc == O_RDONLY))
		return -EBADF;
	if (!exos_user_ok(buf, len, 0))
		return -EFAULT;
	if (f->type == F_FILE)
		return len ? exos_sfile_io(f->handle, FS_WRITE, (char *)buf, len, 0) : 0;
	return f->type == F_NULL ? (long)len : pipe_write(f, buf, len);
}

static long vector_io(long fd, const struct iovec *iov, long iovcnt, int writing)
{
	if (!file_of(fd))
		return -EBADF;
	if (iovcnt < 0 || iovcnt > IOV_MAX_LINUX)
		return -EINVAL;
	if (!exos_user_ok(iov, (unsigned long)iovcnt * sizeof(*iov), 0))
		return -EFAULT;
	long done = 0;
	for (long i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		long r = writing ? exos_write(fd, iov[i].iov_base, iov[i].iov_len)
				 : exos_read(fd, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((unsigned long)r < iov[i].iov_len)
			break; /* a short read or write ends it */
	}
	return done;
}

long exos_writev(long fd, const struct iovec *iov, long iovcnt) { return vector_io(fd, iov, iovcnt, 1); }
long exos_readv(long fd, const struct iovec *iov, long iovcnt) { return vector_io(fd, iov, iovcnt, 0); }

long exos_lseek(long fd, long off, long whence)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (f->type == F_NULL)
		return 0;
	if (f->type != F_FILE && f->type != F_DIR)
		return -ESPIPE;
	return exos_sfile_seek(f->handle, off, whence);
}

long exos_ioctl(long fd, unsigned long req, unsigned long arg)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (f->type == F_PIPE && req == FIONREAD) {
		if (!exos_user_ok((void *)arg, sizeof(int), 1))
			return -EFAULT;
		*(int *)arg = (int)(f->pipe->wpos - f->pipe->rpos);
		return 0;
	}
	if (f->type == F_CONSOLE)
		return exos_console_ioctl(req, arg);
	return -ENOTTY;
}

long exos_fstat(long fd, struct stat *st)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (!exos_user_ok(st, sizeof(*st), 1))
		return -EFAULT;
	if (f->type == F_FILE || f->type == F_DIR)
		return exos_sfile_fstat(f->handle, st);
	if (f->type == F_CONSOLE || f->type == F_NULL) {
		exos_special_stat(f->type == F_CONSOLE ? EXOS_SPECIAL_CONSOLE : EXOS_SPECIAL_NULL, st);
		return 0;
	}
	exos_stat_fill(st, S_IFIFO | 0600, 0, (uint32_t)((uint64_t)f->pipe >> 12)); /* a pipe: its buffer names it */
	st->st_dev = 0x0E0D;
	return 0;
}

/* What stat says of /dev/null and /dev/console (and fstat of their descriptors: the same device and inode). */
void exos_special_stat(int which, struct stat *st)
{
	exos_stat_fill(st, S_IFCHR | 0666, 0, which == EXOS_SPECIAL_NULL ? 3 : 2);
	st->st_rdev = which == EXOS_SPECIAL_NULL ? (1 << 8 | 3) : (5 << 8 | 1);
}

/*
 * What readlink says of /proc/self/fd/N (musl's ttyname asks it): the
 * console and /dev/null by name, a pipe as Linux writes it, a directory by
 * its path (files.c asks the server); -ENOENT for no such descriptor, and
 * -EINVAL for a file (its name is not kept).
 */
long exos_fd_link_name(long fd, char *out, unsigned long size)
{
	struct file *f = file_of(fd);
	if (!f)
		return -ENOENT;
	const char *name = f->type == F_CONSOLE ? "/dev/console" : f->type == F_NULL ? "/dev/null" : NULL;
	if (name) {
		unsigned long n = strlen(name) < size ? strlen(name) : size;
		memcpy(out, name, n);
		return (long)n;
	}
	if (f->type == F_PIPE) {
		char tmp[40];
		int n = snprintf(tmp, sizeof(tmp), "pipe:[%lu]", (unsigned long)((uint64_t)f->pipe >> 12));
		unsigned long k = (unsigned long)n < size ? (unsigned long)n : size;
		memcpy(out, tmp, k);
		return (long)k;
	}
	return -EINVAL;
}

/* ---- poll ---- */

static short poll_one(const struct pollfd *q)
{
	struct file *f = file_of(q->fd);
	if (q->fd < 0)
		return 0;
	if (!f)
		return POLLNVAL;
	short r = 0;
	if (f->type == F_FILE || f->type == F_DIR || f->type == F_NULL)
		return q->events & (POLLIN | POLLOUT);
	if (f->type == F_CONSOLE) {
		if ((q->events & POLLIN) && exos_console_readable())
			r |= POLLIN;
		r |= q->events & POLLOUT;
		return r;
	}
	struct pipe_header *p = f->pipe;
	if (f->end == 0) {
		if (p->wpos != p->rpos)
			r |= q->events & POLLIN;
		if (!end_held(p, 1, 0))
			r |= POLLHUP;
	} else {
		if (!end_held(p, 0, 0))
			r |= POLLERR;
		else if (PIPE_DATA - (p->wpos - p->rpos) >= 4096)
			r |= q->events & POLLOUT;
	}
	return r;
}

/* Give the processor to the processes at the other end of the pipes polled (directed yield). */
static void poll_nudge(const struct pollfd *q, unsigned long n)
{
	int nudged = 0;
	for (unsigned long i = 0; i < n; i++) {
		struct file *f = q[i].fd >= 0 ? file_of(q[i].fd) : NULL;
		if (f && f->type == F_PIPE) {
			end_held(f->pipe, !f->end, 1);
			nudged = 1;
		}
	}
	if (!nudged)
		sys_yield();
}

long exos_poll(struct pollfd *q, unsigned long n, long timeout_ms)
{
	if (n > NFD)
		return -EINVAL;
	if (n && !exos_user_ok(q, n * sizeof(*q), 1))
		return -EFAULT;
	uint64_t until = timeout_ms < 0 ? UINT64_MAX : exos_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	for (;;) {
		long ready = 0;
		for (unsigned long i = 0; i < n; i++) {
			q[i].revents = poll_one(&q[i]);
			ready += q[i].revents != 0;
		}
		if (ready || exos_now_ns() >= until)
			return ready;
		long r = exos_signal_wait_point(0);
		if (r < 0)
			return r;
		poll_nudge(q, n);
	}
}

long exos_ppoll(struct pollfd *q, unsigned long n, const struct timespec *ts)
{
	if (ts && !exos_user_ok(ts, sizeof(*ts), 0))
		return -EFAULT;
	long ms = ts ? (long)(ts->tv_sec * 1000 + ts->tv_nsec / 1000000) : -1;
	return exos_poll(q, n, ms);
}

/*
 * select and pselect6: the descriptor sets become a poll list (readable:
 * POLLIN or a hang-up; writable: POLLOUT; exceptional: POLLPRI, never
 * set here), poll does the waiting, and the sets come back with only the
 * ready ones. A set names at most NFD descriptors.
 */
#define SET_WORDS(n) (((unsigned long)(n) + 63) / 64)

static int fdset_has(const uint64_t *set, long fd) { return set && (set[fd / 64] >> (fd % 64)) & 1; }

static long select_sets_ok(long n, uint64_t *r, uint64_t *w, uint64_t *e)
{
	if (n < 0 || n > NFD)
		return -EINVAL;
	uint64_t *sets[3] = {r, w, e};
	for (int k = 0; k < 3; k++)
		if (sets[k] && !exos_user_ok(sets[k], SET_WORDS(n) * 8, 1))
			return -EFAULT;
	return 0;
}

static long select_ms(long n, uint64_t *r, uint64_t *w, uint64_t *e, long timeout_ms)
{
	long err = select_sets_ok(n, r, w, e);
	if (err < 0)
		return err;
	static struct pollfd q[NFD];
	unsigned long m = 0;
	for (long fd = 0; fd < n; fd++) {
		short ev = (short)((fdset_has(r, fd) ? POLLIN : 0) | (fdset_has(w, fd) ? POLLOUT : 0) |
				   (fdset_has(e, fd) ? POLLPRI : 0));
		if (!ev)
			continue;
		if (!file_of(fd))
			return -EBADF;
		q[m++] = (struct pollfd){.fd = (int)fd, .events = ev};
	}
	long got = exos_poll(q, m, timeout_ms);
	if (got < 0)
		return got;
	uint64_t *sets[3] = {r, w, e};
	for (int k = 0; k < 3; k++)
		if (sets[k])
			memset(sets[k], 0, SET_WORDS(n) * 8);
	long ready = 0;
	for (unsigned long i = 0; i < m; i++) {
		short rev = q[i].revents;
		int fd = q[i].fd;
		int bits[3] = {(rev & (POLLIN | POLLHUP | POLLERR)) && (q[i].events & POLLIN),
			       (rev & (POLLOUT | POLLERR)) && (q[i].events & POLLOUT), (rev & POLLPRI) != 0};
		for (int k = 0; k < 3; k++)
			if (bits[k] && sets[k]) {
				sets[k][fd / 64] |= 1ULL << (fd % 64);
				ready++;
			}
	}
	return ready;
}

long exos_select(long n, uint64_t *r, uint64_t *w, uint64_t *e, struct timeval *tv)
{
	if (tv && !exos_user_ok(tv, sizeof(*tv), 1))
		return -EFAULT;
	if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000))
		return -EINVAL;
	long ms = tv ? (long)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000) : -1;
	return select_ms(n, r, w, e, ms);
}

long exos_pselect6(long n, uint64_t *r, uint64_t *w, uint64_t *e, const struct timespec *ts, const void *sigmask)
{
	if (ts && !exos_user_ok(ts, sizeof(*ts), 0))
		return -EFAULT;
	if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L))
		return -EINVAL;
	if (sigmask && !exos_user_ok(sigmask, 16, 0))
		return -EFAULT;
	/* The signal mask pselect may name is not swapped in while waiting (poll does not either). */
	long ms = ts ? (long)(ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000) : -1;
	return select_ms(n, r, w, e, ms);
}

/* ---- processes ---- */

void exos_fd_fork(uint32_t child)
{
	console_init();
	for (int i = 0; i < NFILE; i++)
		if (files[i].type == F_PIPE)
			holder_add(files[i].pipe, files[i].end, child);
}

void exos_fd_drop_holds(void)
{
	for (int i = 0; i < NFILE; i++)
		if (files[i].type == F_PIPE)
			holder_remove(files[i].pipe, files[i].end, my_id());
}

void exos_fd_close_all(void)
{
	for (int fd = 0; fd < NFD; fd++)
		if (fds[fd].f)
			exos_close(fd);
}

long exos_fd_export(struct exos_exec_handoff *h)
{
	console_init();
	exos_fs_export(h);
	for (int fd = 0; fd < NFD; fd++)
		if (fds[fd].f && fds[fd].cloexec)
			exos_close(fd);
	h->nfd = 0;
	for (int fd = 0; fd < NFD; fd++) {
		struct file *f = fds[fd].f;
		if (!f)
			continue;
		if (h->nfd == EXOS_EXEC_MAX_FDS)
			return -EMFILE;
		int server = f->type == F_FILE || f->type == F_DIR;
		h->fd[h->nfd++] = (struct exos_exec_fd){fd, (uint8_t)f->type, (uint8_t)f->end, 0, 0,
							 server ? (uint64_t)f->handle : (uint64_t)f->pipe,
							 (uint64_t)f->flags, (uint64_t)f->acc, 0, 0};
	}
	return 0;
}

/* The open file for (type, end, pipe or handle) the import has made so far, or a new one. */
static struct file *import_file(const struct exos_exec_fd *d)
{
	int server = d->type == F_FILE || d->type == F_DIR;
	for (int i = 0; i < NFILE; i++)
		if (files[i].type == d->type && files[i].refs && files[i].end == d->end &&
		    (server ? (uint64_t)files[i].handle == d->pipe : (uint64_t)files[i].pipe == d->pipe))
			return &files[i];
	struct file *f = file_new(d->type);
	if (!f)
		return NULL;
	*f = (struct file){.type = d->type, .end = d->end, .flags = (int)d->size};
	if (server) {
		f->handle = (long)d->pipe;
		f->acc = (int)d->off;
	} else {
		f->pipe = (struct pipe_header *)d->pipe;
	}
	return f;
}

void exos_fd_import(const struct exos_exec_handoff *h)
{
	console_done = 1; /* the descriptors are what the old program left, console or not */
	exos_fs_import(h);
	for (uint64_t i = 0; i < h->nfd; i++) {
		const struct exos_exec_fd *d = &h->fd[i];
		struct file *f = d->fd >= 0 && d->fd < NFD ? import_file(d) : NULL;
		if (!f)
			continue;
		fds[d->fd].f = f;
		fds[d->fd].cloexec = 0;
		f->refs++;
	}
}

/* ---- files of the file server (files.c does the talking) ---- */

void exos_stat_fill(struct stat *st, uint32_t mode, uint64_t size, uint32_t ino)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = mode;
	st->st_size = (off_t)size;
	st->st_ino = ino ? ino : 1;
	st->st_nlink = S_ISDIR(mode) ? 2 : 1;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((size + 511) / 512);
	st->st_dev = 0x0E0E; /* ExOS's own */
}

static long install(struct file *f, int cloexec)
{
	long fd = fd_alloc(0);
	if (fd < 0) {
		f->type = F_NONE;
		return fd;
	}
	f->refs = 1;
	fds[fd].f = f;
	fds[fd].cloexec = cloexec;
	return fd;
}

long exos_fd_new_server_file(long handle, int is_dir, int flags)
{
	if (fd_alloc(0) < 0)
		return -EMFILE;
	struct file *f = file_new(is_dir ? F_DIR : F_FILE);
	if (!f)
		return -ENFILE;
	f->handle = handle;
	f->acc = flags & O_ACCMODE;
	f->flags = flags & (O_NONBLOCK | O_APPEND);
	return install(f, (flags & O_CLOEXEC) != 0);
}

long exos_fd_new_special(int which, int cloexec)
{
	if (fd_alloc(0) < 0)
		return -EMFILE;
	struct file *f = file_new(which == EXOS_SPECIAL_NULL ? F_NULL : F_CONSOLE);
	return f ? install(f, cloexec) : -ENFILE;
}

long exos_fd_server_handle(long fd, int *is_dir)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (f->type != F_FILE && f->type != F_DIR)
		return -ESPIPE;
	*is_dir = f->type == F_DIR;
	return f->handle;
}

long exos_getdents64(long fd, char *buf, unsigned long count)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (f->type != F_DIR)
		return -ENOTDIR;
	if (!exos_user_ok(buf, count, 1))
		return -EFAULT;
	return exos_sfile_getdents(f->handle, buf, count);
}

/* pread and pwrite: at a position, leaving the offset. */
static long positioned_io(long fd, char *buf, unsigned long len, long pos, int write)
{
	struct file *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (f->type != F_FILE)
		return f->type == F_DIR ? -EISDIR : -ESPIPE;
	if (write ? f->acc == O_RDONLY : f->acc == O_WRONLY)
		return -EBADF;
	if (pos < 0)
		return -EINVAL;
	if (!exos_user_ok(buf, len, !write))
		return -EFAULT;
	return len ? exos_sfile_io(f->handle, write ? FS_PWRITE : FS_PREAD, buf, len, pos) : 0;
}

long exos_pread(long fd, char *buf, unsigned long len, long pos) { return positioned_io(fd, buf, len, pos, 0); }
long exos_pwrite(long fd, const char *buf, unsigned long len, long pos)
{
	return positioned_io(fd, (char *)buf, len, pos, 1);
}
