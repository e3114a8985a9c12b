/*
 * The file system through the Linux calls (the file server, exos/fsd.c):
 * first what the boot archive put there (open, read, pread, lseek, fstat and
 * stat, getdents64, readlink, access, chdir/getcwd, /dev/null), then making
 * and changing files and directories, offsets shared across dup and fork,
 * files that outlive the process that wrote them, and the error paths.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "expect.h"

static void archive_part(void)
{
	char buf[256];
	int fd = open("/etc/hostname", O_RDONLY);
	expect(fd >= 3, "open /etc/hostname");
	expect(read(fd, buf, sizeof buf) == 4 && memcmp(buf, "exo\n", 4) == 0, "read it: exo");
	expect(read(fd, buf, sizeof buf) == 0, "then end of file");
	expect(lseek(fd, 1, SEEK_SET) == 1 && read(fd, buf, 2) == 2 && memcmp(buf, "xo", 2) == 0, "lseek and read");
	expect(pread(fd, buf, 3, 0) == 3 && memcmp(buf, "exo", 3) == 0, "pread at 0");
	struct stat st;
	expect(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4, "fstat: a 4-byte regular file");
	expect(write(fd, "x", 1) == -1 && errno == EBADF, "write to a file opened read-only: EBADF");
	close(fd);
	expect(stat("/bin/sh", &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 100000, "stat follows /bin/sh to busybox");
	expect(lstat("/bin/sh", &st) == 0 && S_ISLNK(st.st_mode), "lstat sees the link");
	ssize_t n = readlink("/bin/sh", buf, sizeof buf);
	expect(n == 7 && memcmp(buf, "busybox", 7) == 0, "readlink /bin/sh: busybox");
	expect(access("/bin/sh", X_OK) == 0, "access X_OK on /bin/sh");
	expect(open("/no/such", O_RDONLY) == -1 && errno == ENOENT, "a missing file: ENOENT");
	expect(open("/etc/motd/x", O_RDONLY) == -1 && errno == ENOTDIR, "a file as a directory: ENOTDIR");
	expect(open("/etc/motd", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR, "O_DIRECTORY on a file: ENOTDIR");
	int d = open("/etc", O_RDONLY | O_DIRECTORY);
	expect(d >= 0 && read(d, buf, 1) == -1 && errno == EISDIR, "read a directory: EISDIR");
	close(d);
	expect(open((char *)16, O_RDONLY) == -1 && errno == EFAULT, "a bad path: EFAULT");
	DIR *dir = opendir("/etc");
	int seen = 0, dots = 0;
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		seen += !strcmp(e->d_name, "hostname") || !strcmp(e->d_name, "motd");
		dots += !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	}
	expect(dir && seen == 2 && dots == 2, "readdir /etc: ., .., hostname, motd");
	if (dir)
		closedir(dir);
	dir = opendir("/bin");
	int count = 0;
	while (dir && readdir(dir))
		count++;
	expect(count > 300, "readdir /bin lists hundreds (busybox's applets)");
	if (dir)
		closedir(dir);
	expect(chdir("/etc") == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, "/etc"), "chdir /etc; getcwd");
	fd = open("motd", O_RDONLY);
	expect(fd >= 0, "a relative path from the working directory");
	close(fd);
	expect(chdir("..") == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, "/"), "chdir ..");
	expect(chdir("/etc/motd") == -1 && errno == ENOTDIR, "chdir to a file: ENOTDIR");
	fd = open("/dev/null", O_WRONLY);
	expect(fd >= 0 && write(fd, "gone", 4) == 4 && read(fd, buf, 1) == 0, "/dev/null takes writes, reads as EOF");
	close(fd);
}

static int put(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	return close(fd) == 0 && ok ? 0 : -1;
}

/* The whole file as a string ("" when it cannot be read). */
static const char *get(const char *path)
{
	static char buf[512];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return buf;
}

static void making_files(void)
{
	char buf[256];
	struct stat st;
	expect(mkdir("/tmp", 0755) == 0 || errno == EEXIST, "mkdir /tmp");
	int fd = open("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0640);
	expect(fd >= 0, "create /tmp/a");
	expect(open("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0640) == -1 && errno == EEXIST, "O_EXCL on it again: EEXIST");
	expect(write(fd, "hello, world", 12) == 12, "write 12 bytes");
	expect(lseek(fd, 0, SEEK_CUR) == 12, "the offset moved to 12");
	expect(pwrite(fd, "W", 1, 7) == 1 && lseek(fd, 0, SEEK_CUR) == 12, "pwrite leaves the offset");
	expect(pread(fd, buf, 12, 0) == 12 && !memcmp(buf, "hello, World", 12), "pread sees it");
	expect(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640 && st.st_size == 12,
	       "fstat: 12 bytes, mode 0640");
	struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
	expect(writev(fd, iov, 2) == 4 && !strcmp(get("/tmp/a"), "hello, Worldabcd"), "writev appends two pieces");
	char x[3] = {0}, y[3] = {0};
	struct iovec rv[2] = {{x, 2}, {y, 2}};
	expect(lseek(fd, -4, SEEK_END) == 12 && readv(fd, rv, 2) == 4 && !strcmp(x, "ab") && !strcmp(y, "cd"), "readv");
	expect(lseek(fd, 100, SEEK_SET) == 100 && write(fd, "!", 1) == 1 && fstat(fd, &st) == 0 && st.st_size == 101,
	       "a write past the end leaves a hole");
	expect(pread(fd, buf, 4, 50) == 4 && !memcmp(buf, "\0\0\0\0", 4), "the hole reads as zeros");
	expect(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5 && !strcmp(get("/tmp/a"), "hello"),
	       "ftruncate to 5");
	expect(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL, "lseek before the start: EINVAL");
	close(fd);
	expect(write(fd, "x", 1) == -1 && errno == EBADF, "write to a closed descriptor: EBADF");

	fd = open("/tmp/a", O_WRONLY | O_APPEND);
	expect(fd >= 0 && write(fd, "+1", 2) == 2 && !strcmp(get("/tmp/a"), "hello+1"), "O_APPEND writes at the end");
	expect(read(fd, buf, 1) == -1 && errno == EBADF, "read from a write-only descriptor: EBADF");
	close(fd);
	fd = open("/tmp/a", O_WRONLY | O_TRUNC);
	expect(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC empties it");
	close(fd);
	expect(truncate("/tmp/a", 3) == 0 && stat("/tmp/a", &st) == 0 && st.st_size == 3, "truncate by name grows it");

	/* Directories, names, links. */
	expect(mkdir("/tmp/d", 0755) == 0 && mkdir("/tmp/d/e", 0700) == 0, "mkdir /tmp/d/e");
	expect(mkdir("/tmp/d", 0755) == -1 && errno == EEXIST, "mkdir again: EEXIST");
	expect(mkdir("/tmp/none/x", 0755) == -1 && errno == ENOENT, "mkdir under a missing directory: ENOENT");
	expect(put("/tmp/d/e/f", "deep") == 0 && !strcmp(get("/tmp/d/e/f"), "deep"), "a file two levels down");
	expect(rmdir("/tmp/d/e") == -1 && errno == ENOTEMPTY, "rmdir a full directory: ENOTEMPTY");
	expect(unlink("/tmp/d/e") == -1 && errno == EISDIR, "unlink a directory: EISDIR");
	expect(rmdir("/tmp/d/e/f") == -1 && errno == ENOTDIR, "rmdir a file: ENOTDIR");
	expect(rename("/tmp/d/e/f", "/tmp/g") == 0 && !strcmp(get("/tmp/g"), "deep") && access("/tmp/d/e/f", F_OK) == -1,
	       "rename moves a file");
	expect(put("/tmp/h", "old") == 0 && rename("/tmp/g", "/tmp/h") == 0 && !strcmp(get("/tmp/h"), "deep"),
	       "rename replaces a file");
	expect(rename("/tmp/d", "/tmp/d/e/in") == -1 && errno == EINVAL, "a directory into itself: EINVAL");
	expect(rename("/tmp/h", "/tmp/d") == -1 && errno == EISDIR, "a file over a directory: EISDIR");
	expect(rename("/tmp/nope", "/tmp/x") == -1 && errno == ENOENT, "rename a missing file: ENOENT");
	expect(rmdir("/tmp/d/e") == 0 && rmdir("/tmp/d") == 0 && stat("/tmp/d", &st) == -1 && errno == ENOENT,
	       "rmdir the emptied directories");
	expect(symlink("h", "/tmp/s") == 0 && !strcmp(get("/tmp/s"), "deep"), "symlink, and open follows it");
	ssize_t n = readlink("/tmp/s", buf, sizeof buf);
	expect(n == 1 && buf[0] == 'h', "readlink gives the target");
	expect(lstat("/tmp/s", &st) == 0 && S_ISLNK(st.st_mode), "lstat sees the link");
	expect(symlink("x", "/tmp/s") == -1 && errno == EEXIST, "symlink over a name: EEXIST");
	expect(link("/tmp/h", "/tmp/h2") == 0 && stat("/tmp/h", &st) == 0 && st.st_nlink == 2, "a hard link: 2 links");
	expect(unlink("/tmp/h") == 0 && !strcmp(get("/tmp/h2"), "deep"), "the other name keeps the file");
	expect(chmod("/tmp/h2", 0600) == 0 && stat("/tmp/h2", &st) == 0 && (st.st_mode & 0777) == 0600, "chmod");
	struct timespec ts[2] = {{1000, 0}, {2000, 5}};
	expect(utimensat(AT_FDCWD, "/tmp/h2", ts, 0) == 0 && stat("/tmp/h2", &st) == 0 && st.st_mtim.tv_sec == 2000 &&
		       st.st_atim.tv_sec == 1000,
	       "utimensat sets the times");
	struct statfs sf;
	expect(statfs("/", &sf) == 0 && sf.f_bsize == 4096 && sf.f_blocks > sf.f_bfree && sf.f_bfree > 0, "statfs");

	/* An open file whose name is gone stays readable. */
	fd = open("/tmp/h2", O_RDONLY);
	expect(fd >= 0 && unlink("/tmp/h2") == 0 && read(fd, buf, 4) == 4 && !memcmp(buf, "deep", 4),
	       "read after unlink");
	close(fd);

	/* Listing a new directory, and the working directory following a rename. */
	expect(mkdir("/tmp/w", 0755) == 0 && put("/tmp/w/one", "1") == 0 && put("/tmp/w/two", "2") == 0, "make /tmp/w");
	DIR *dir = opendir("/tmp/w");
	int seen = 0;
	struct dirent *e;
	while (dir && (e = readdir(dir)))
		seen += !strcmp(e->d_name, "one") * 1 + !strcmp(e->d_name, "two") * 2 + !strcmp(e->d_name, ".") * 4;
	expect(seen == 7, "readdir /tmp/w: ., one, two");
	if (dir)
		closedir(dir);
	expect(chdir("/tmp/w") == 0 && rename("/tmp/w", "/tmp/w2") == 0 && getcwd(buf, sizeof buf) &&
		       !strcmp(buf, "/tmp/w2") && !strcmp(get("one"), "1"),
	       "the working directory follows a rename");
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	expect(fd >= 0 && fchdir(fd) == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, "/tmp"), "fchdir");
	expect(openat(fd, "w2/two", O_RDONLY) >= 0, "openat from a directory descriptor");
	int file = open("/tmp/a", O_RDONLY);
	expect(openat(file, "x", O_RDONLY) == -1 && errno == ENOTDIR, "openat from a file: ENOTDIR");
	expect(openat(99, "x", O_RDONLY) == -1 && errno == EBADF, "openat from a bad descriptor: EBADF");
	close(file);
	close(fd);
	expect(chdir("/") == 0, "back to /");

	/* Bad input. */
	expect(open((const char *)8, O_RDONLY) == -1 && errno == EFAULT, "a bad path pointer: EFAULT");
	expect(mkdir((const char *)-4096L, 0755) == -1 && errno == EFAULT, "mkdir with a kernel address: EFAULT");
	fd = open("/tmp/a", O_RDWR);
	expect(read(fd, (void *)8, 3) == -1 && errno == EFAULT, "read into a bad buffer: EFAULT");
	expect(write(fd, (void *)8, 3) == -1 && errno == EFAULT, "write from a bad buffer: EFAULT");
	close(fd);
	static char longname[300];
	memset(longname, 'n', sizeof longname - 1);
	expect(open(longname, O_CREAT | O_WRONLY, 0644) == -1 && errno == ENAMETOOLONG, "a 299-byte name: ENAMETOOLONG");
	expect(open("/etc/motd/x", O_CREAT | O_WRONLY, 0644) == -1 && errno == ENOTDIR, "create under a file: ENOTDIR");
	expect(open("/tmp", O_WRONLY) == -1 && errno == EISDIR, "open a directory to write: EISDIR");
	expect(ftruncate(0, 0) == -1 && errno == EINVAL, "ftruncate the console: EINVAL");

	/* /proc/self/fd/N names what a descriptor is (musl's ttyname reads it). */
	int p[2];
	expect(pipe(p) == 0, "pipe");
	char link[64], path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	n = readlink(path, link, sizeof link - 1);
	expect(n > 6 && !memcmp(link, "pipe:[", 6), "readlink /proc/self/fd/N of a pipe: pipe:[...]");
	int d = open("/tmp", O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof path, "/proc/%d/fd/%d", getpid(), d);
	n = readlink(path, link, sizeof link - 1);
	expect(n == 4 && !memcmp(link, "/tmp", 4), "readlink /proc/<pid>/fd/N of a directory: its path");
	expect(readlink("/proc/self/fd/77", link, sizeof link) == -1 && errno == ENOENT, "of a closed descriptor: ENOENT");
	struct stat a, b;
	int con = open("/dev/console", O_RDWR);
	expect(con >= 0 && fstat(con, &a) == 0 && stat("/dev/console", &b) == 0 && a.st_ino == b.st_ino &&
		       a.st_dev == b.st_dev && a.st_rdev == b.st_rdev,
	       "fstat of the console and stat of /dev/console agree");
	close(con);
	close(d);
	close(p[0]);
	close(p[1]);
}

/* Offsets are shared by dup and across fork; files outlive the process that wrote them. */
static void sharing(void)
{
	char buf[16] = {0};
	expect(put("/tmp/shared", "0123456789") == 0, "make /tmp/shared");
	int fd = open("/tmp/shared", O_RDONLY), d = dup(fd);
	expect(read(fd, buf, 2) == 2 && read(d, buf, 2) == 2 && !memcmp(buf, "23", 2), "dup shares the offset");
	pid_t pid = fork();
	if (pid == 0) {
		char c[3];
		int ok = read(fd, c, 3) == 3 && !memcmp(c, "456", 3);
		int out = open("/tmp/from-child", O_CREAT | O_WRONLY, 0644);
		ok &= out >= 0 && write(out, "child was here", 14) == 14;
		_exit(ok ? 0 : 1); /* closes nothing: the server notices we ended */
	}
	int status = -1;
	expect(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child read 456");
	expect(read(fd, buf, 3) == 3 && !memcmp(buf, "789", 3), "the child's reads moved our offset (shared)");
	expect(!strcmp(get("/tmp/from-child"), "child was here"), "a file the child wrote outlives it");
	close(fd);
	close(d);
	/* Across execve: busybox cat reads what we wrote, through the descriptor we left it. */
	int p[2];
	expect(pipe(p) == 0, "pipe");
	int in = open("/tmp/shared", O_RDONLY);
	expect(lseek(in, 4, SEEK_SET) == 4, "seek to 4");
	pid = fork();
	if (pid == 0) {
		dup2(in, 0);
		dup2(p[1], 1);
		execl("/bin/cat", "cat", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	waitpid(pid, &status, 0);
	expect(!strcmp(buf, "456789"), "cat after execve reads on from our offset");
	expect(lseek(in, 0, SEEK_CUR) == 10, "and moved it to the end");
	close(in);
	close(p[0]);
}

/* A program written at run time runs; the umask crosses execve. */
static void exec_written(void)
{
	mode_t old = umask(027);
	int u[2];
	pipe(u);
	pid_t c = fork();
	if (c == 0) {
		dup2(u[1], 1);
		execl("/bin/sh", "sh", "-c", "umask", (char *)NULL);
		_exit(127);
	}
	close(u[1]);
	char got[16] = {0};
	ssize_t k = read(u[0], got, sizeof got - 1);
	waitpid(c, NULL, 0);
	close(u[0]);
	umask(old);
	expect(k >= 4 && !strncmp(got, "0027", 4), "the umask crosses execve (sh says 0027)");
	expect(put("/tmp/script", "#!/bin/sh\necho ran $1\n") == 0 && chmod("/tmp/script", 0755) == 0, "write a script");
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl("/tmp/script", "script", "ok", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char buf[32] = {0};
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	int status;
	waitpid(pid, &status, 0);
	expect(n == 7 && !strcmp(buf, "ran ok\n"), "a script written at run time runs");
	close(p[0]);
	expect(chmod("/tmp/script", 0644) == 0 && execl("/tmp/script", "script", (char *)NULL) == -1 && errno == EACCES,
	       "without an x bit: EACCES");
}

/* Fill the file system: ENOSPC, nothing else breaks, and removing the file gives the room back. */
static void full(void)
{
	static char chunk[65536];
	memset(chunk, 'f', sizeof chunk);
	struct statfs sf;
	expect(statfs("/", &sf) == 0, "statfs before");
	int fd = open("/tmp/big", O_CREAT | O_WRONLY, 0644);
	long total = 0, r;
	while ((r = write(fd, chunk, sizeof chunk)) > 0)
		total += r;
	expect(r == -1 && errno == ENOSPC, "writing until full: ENOSPC");
	expect(total > 1000000 && total <= (long)sf.f_bfree * 4096, "what fit is what statfs said was free");
	expect(open("/tmp/more", O_CREAT | O_WRONLY, 0644) >= 0 && write(fd, "x", 1) == -1 && errno == ENOSPC,
	       "a full file system still opens files, refuses bytes");
	close(fd);
	expect(unlink("/tmp/big") == 0 && put("/tmp/after", "room again") == 0 && !strcmp(get("/tmp/after"), "room again"),
	       "removing the big file gives the room back");
	struct statfs sf2;
	expect(statfs("/", &sf2) == 0 && sf2.f_bfree + 2 >= sf.f_bfree, "statfs after: the blocks are free again");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	archive_part();
	making_files();
	sharing();
	exec_written();
	full();
	printf(failures ? "fs: FAIL (%d)\n" : "fs: PASS\n", failures);
	return failures != 0;
}
