/*
 * The boot archive as a read-only file system through the Linux calls:
 * open, read, pread, lseek, fstat and stat, getdents64 (opendir/readdir),
 * readlink, access, chdir/getcwd, /dev/null, and EROFS for what would
 * change it, with the error paths.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expect.h"

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
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
	expect(access("/etc/motd", W_OK) == -1 && errno == EROFS, "access W_OK: EROFS");
	expect(open("/etc/motd", O_WRONLY) == -1 && errno == EROFS, "open for writing: EROFS");
	expect(open("/etc/new", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS, "creating: EROFS");
	expect(mkdir("/tmp", 0755) == -1 && errno == EROFS, "mkdir: EROFS");
	expect(unlink("/etc/motd") == -1 && errno == EROFS, "unlink: EROFS");
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
	printf(failures ? "fsro: FAIL (%d)\n" : "fsro: PASS\n", failures);
	return failures != 0;
}
