/*
 * Pipes through the Linux interface: pipe, pipe2 (O_CLOEXEC, O_NONBLOCK),
 * dup, dup2, dup3, fcntl, close; end of file when the last writer closes;
 * EPIPE and SIGPIPE when the last reader has gone; a writer that ends
 * without closing (killed) still lets the reader see end of file; poll on
 * pipes; 10 MiB through a chain of four processes with a matching checksum;
 * and the error paths.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <time.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "expect.h"

static int *volatile bad_pointer = (int *)16;

static int status_of(pid_t pid)
{
	int st = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void test_basic(void)
{
	int p[2];
	expect(pipe(p) == 0 && p[0] >= 3 && p[1] >= 3, "pipe");
	expect(write(p[1], "hello", 5) == 5, "write");
	char buf[16] = {0};
	expect(read(p[0], buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0, "read what was written");
	int d = dup(p[1]);
	expect(d > p[1], "dup");
	close(p[1]);
	expect(write(d, "x", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'x', "the dup writes to the same pipe");
	close(d);
	expect(read(p[0], buf, 1) == 0, "end of file once every writer is closed");
	close(p[0]);
	expect(close(p[0]) == -1 && errno == EBADF, "closing twice: EBADF");
	struct stat st;
	expect(pipe(p) == 0 && fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: a FIFO");
	expect(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek on a pipe: ESPIPE");
	expect(read(p[1], buf, 1) == -1 && errno == EBADF, "reading the write end: EBADF");
	expect(write(p[0], buf, 1) == -1 && errno == EBADF, "writing the read end: EBADF");
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	expect(write(p[1], "x", 1) == -1 && errno == EPIPE, "no reader: EPIPE");
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

static void test_flags_and_dups(void)
{
	int p[2];
	expect(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2 with O_CLOEXEC and O_NONBLOCK");
	expect(fcntl(p[0], F_GETFD) == FD_CLOEXEC, "O_CLOEXEC set");
	char c;
	expect(read(p[0], &c, 1) == -1 && errno == EAGAIN, "an empty non-blocking pipe: EAGAIN");
	expect(fcntl(p[0], F_GETFL) & O_NONBLOCK, "F_GETFL shows O_NONBLOCK");
	long n = 0;
	while (write(p[1], "0123456789abcdef", 16) == 16)
		n += 16;
	expect(errno == EAGAIN && n >= 4096, "a full non-blocking pipe: EAGAIN");
	int d = fcntl(p[0], F_DUPFD_CLOEXEC, 20);
	expect(d >= 20 && fcntl(d, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC at 20 or above");
	expect(dup2(p[0], 30) == 30 && fcntl(30, F_GETFD) == 0, "dup2 clears close-on-exec");
	expect(dup3(p[0], 31, O_CLOEXEC) == 31 && fcntl(31, F_GETFD) == FD_CLOEXEC, "dup3 with O_CLOEXEC");
	expect(dup3(p[0], p[0], 0) == -1 && errno == EINVAL, "dup3 onto itself: EINVAL");
	expect(dup2(99, 40) == -1 && errno == EBADF, "dup2 of a closed descriptor: EBADF");
	expect(pipe2(p, 0x1234) == -1 && errno == EINVAL, "pipe2 with unknown flags: EINVAL");
	expect(pipe(bad_pointer) == -1 && errno == EFAULT, "pipe into a bad pointer: EFAULT");
	/* O_NONBLOCK belongs to the open pipe end: a child's F_SETFL is ours too. */
	int q[2];
	expect(pipe(q) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0)
		_exit(fcntl(q[0], F_SETFL, O_NONBLOCK) == 0 ? 0 : 1);
	waitpid(pid, NULL, 0);
	expect((fcntl(q[0], F_GETFL) & O_NONBLOCK) && read(q[0], &c, 1) == -1 && errno == EAGAIN,
	       "O_NONBLOCK a child set on the shared read end holds for us");
	for (int fd = 3; fd < 64; fd++)
		close(fd);
}

static void test_eof_and_epipe_across_processes(void)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (int i = 0; i < 100; i++)
			write(p[1], "abcdefghij", 10);
		_exit(0);
	}
	close(p[1]);
	char buf[64];
	long total = 0, r;
	while ((r = read(p[0], buf, sizeof buf)) > 0)
		total += r;
	expect(r == 0 && total == 1000, "a child writes 1000 bytes; the parent reads them, then end of file");
	close(p[0]);
	status_of(pid);

	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (;;)
			sched_yield(); /* holds the write end until killed */
	}
	close(p[1]);
	kill(pid, SIGKILL);
	status_of(pid);
	expect(read(p[0], buf, 1) == 0, "a writer killed without closing: end of file");
	close(p[0]);

	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (;;)
			write(p[1], buf, sizeof buf); /* SIGPIPE ends it when the reader goes */
	}
	close(p[1]);
	read(p[0], buf, sizeof buf);
	close(p[0]);
	int st = status_of(pid);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, "a writer whose reader has gone ends with SIGPIPE");
}

static void test_poll(void)
{
	int p[2];
	pipe(p);
	struct pollfd q[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
	expect(poll(q, 2, 0) == 1 && q[1].revents == POLLOUT && q[0].revents == 0, "poll: empty pipe writable, not readable");
	write(p[1], "z", 1);
	expect(poll(q, 1, 0) == 1 && q[0].revents == POLLIN, "poll: readable after a write");
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
		write(p[1], "y", 1);
		_exit(0);
	}
	char c;
	read(p[0], &c, 1);
	q[0].revents = 0;
	expect(poll(q, 1, 5000) == 1 && q[0].revents == POLLIN, "poll waits for a child's write");
	status_of(pid);
	expect(poll(q, 1, 30) >= 0, "poll with a timeout returns");
	close(p[1]);
	read(p[0], &c, 1);
	q[0].revents = 0;
	expect(poll(q, 1, 0) == 1 && (q[0].revents & POLLHUP), "poll: POLLHUP once the writers have gone");
	close(p[0]);
	struct pollfd bad = {77, POLLIN, 0};
	expect(poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL, "poll on a closed descriptor: POLLNVAL");
}

/* A stage of the chain: copy stdin to stdout, adding each byte to a checksum sent at the end. */
static uint64_t checksum(const unsigned char *b, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001B3ULL;
	return h;
}

static void test_select(void)
{
	int p[2];
	expect(pipe(p) == 0, "pipe for select");
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = {0, 0};
	expect(select(p[1] + 1, &r, &w, NULL, &tv) == 1 && !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w),
	       "select: an empty pipe is writable, not readable");
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = {0, 20 * 1000000};
		nanosleep(&ts, NULL);
		write(p[1], "s", 1);
		_exit(0);
	}
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){5, 0};
	expect(select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r), "select waits for a child's write");
	waitpid(pid, NULL, 0);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timespec zero = {0, 0};
	expect(pselect(p[0] + 1, &r, NULL, NULL, &zero, NULL) == 1, "pselect sees it too");
	FD_ZERO(&r);
	FD_SET(60, &r);
	tv = (struct timeval){0, 0};
	expect(select(61, &r, NULL, NULL, &tv) == -1 && errno == EBADF, "select on a closed descriptor: EBADF");
	expect(select(-1, NULL, NULL, NULL, &tv) == -1 && errno == EINVAL, "select with n < 0: EINVAL");
	tv = (struct timeval){0, 30000};
	expect(select(0, NULL, NULL, NULL, &tv) == 0, "select with no descriptors sleeps for the timeout");
	expect(select(p[0] + 1, (fd_set *)8, NULL, NULL, &tv) == -1 && errno == EFAULT, "a bad set: EFAULT");
	close(p[0]);
	close(p[1]);
}

static void test_chain(void)
{
	const long total = 10L << 20;
	int a[2], b[2], c[2];
	pipe(a);
	pipe(b);
	pipe(c);
	pid_t kids[3];
	for (int k = 0; k < 3; k++) {
		if ((kids[k] = fork()) == 0) {
			int in = k == 0 ? a[0] : (k == 1 ? b[0] : c[0]);
			int out = k == 0 ? b[1] : (k == 1 ? c[1] : -1);
			for (int fd = 3; fd < 64; fd++) /* keep only our two ends: the others' readers wait for EOF */
				if (fd != in && fd != out)
					close(fd);
			static unsigned char buf[8192];
			uint64_t h = 0xCBF29CE484222325ULL;
			long n, got = 0;
			while ((n = read(in, buf, sizeof buf)) > 0) {
				got += n;
				if (out >= 0 && write(out, buf, (size_t)n) != n)
					_exit(3);
				h = checksum(buf, (size_t)n, h);
			}
			if (k == 2)
				printf("pipe: the last stage read %ld bytes, checksum %016llx\n", got,
				       (unsigned long long)h);
			_exit(got == total ? 0 : 4);
		}
		/* every stage must close the ends it does not use, or the readers never see end of file */
		if (k == 0)
			close(a[0]);
		if (k == 1) {
			close(b[0]);
			close(b[1]);
		}
	}
	close(c[0]);
	close(c[1]);
	static unsigned char buf[8192];
	uint64_t h = 0xCBF29CE484222325ULL;
	for (long sent = 0; sent < total; sent += sizeof buf) {
		for (size_t i = 0; i < sizeof buf; i++)
			buf[i] = (unsigned char)((sent + (long)i) * 7 + 3);
		h = checksum(buf, sizeof buf, h);
		if (write(a[1], buf, sizeof buf) != (long)sizeof buf) {
			expect(0, "writing into the chain");
			break;
		}
	}
	close(a[1]);
	printf("pipe: the first stage wrote %ld bytes, checksum %016llx\n", total, (unsigned long long)h);
	int ok = 1;
	for (int k = 0; k < 3; k++) {
		int st = status_of(kids[k]);
		ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	expect(ok, "10 MiB through a chain of 4 processes: every stage got it all");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_basic();
	test_flags_and_dups();
	test_eof_and_epipe_across_processes();
	test_poll();
	test_select();
	if (argc > 1 && strcmp(argv[1], "chain") == 0)
		test_chain();
	printf(failures ? "pipe: FAIL (%d)\n" : "pipe: PASS\n", failures);
	return failures != 0;
}
