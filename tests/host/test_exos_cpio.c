/* Host tests for ExOS's boot-archive reader (exos/cpio.c), compiled in directly. */
#define HTEST_SUITE "host.exos_cpio"
#include "htest.h"

#include <stdio.h>
#include <stdlib.h>
#include "../../exos/cpio.c"

static unsigned char ar[8192];
static size_t ar_len;

static void add(const char *name, unsigned mode, const char *data)
{
	size_t n = strlen(name) + 1, d = strlen(data);
	ar_len += (size_t)snprintf((char *)ar + ar_len, sizeof(ar) - ar_len,
				   "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u, mode, 0u, 0u, 1u,
				   0u, (unsigned)d, 0u, 0u, 0u, 0u, (unsigned)n, 0u);
	memcpy(ar + ar_len, name, n);
	ar_len = (ar_len + n + 3) & ~(size_t)3;
	memcpy(ar + ar_len, data, d);
	ar_len = (ar_len + d + 3) & ~(size_t)3;
}

static void build(void)
{
	ar_len = 0;
	memset(ar, 0, sizeof(ar));
	add("bin", S_IFDIR | 0755, "");
	add("bin/busybox", S_IFREG | 0755, "\177ELF busybox");
	add("bin/sh", S_IFLNK | 0777, "busybox");
	add("bin/abs", S_IFLNK | 0777, "/etc/motd");
	add("bin/loop", S_IFLNK | 0777, "loop");
	add("etc", S_IFDIR | 0755, "");
	add("etc/motd", S_IFREG | 0644, "hello\n");
	add("lib", S_IFLNK | 0777, "etc");
	add("TRAILER!!!", 0, "");
}

static int look(const char *path, int follow, struct exos_file *f) { return exos_cpio_lookup(ar, ar_len, path, follow, f); }

TEST(files_and_directories)
{
	build();
	struct exos_file f;
	CHECK_EQ(look("/bin/busybox", 1, &f), 0);
	CHECK_EQ(f.size, 12);
	CHECK(memcmp(f.data, "\177ELF", 4) == 0);
	CHECK_EQ(look("bin/busybox", 1, &f), 0);
	CHECK_EQ(look("//bin///busybox", 1, &f), 0);
	CHECK_EQ(look("/etc/./motd", 1, &f), 0);
	CHECK(memcmp(f.data, "hello\n", 6) == 0);
	CHECK_EQ(look("/bin/../etc/motd", 1, &f), 0);
	CHECK_EQ(look("/../../etc/motd", 1, &f), 0);
	CHECK_EQ(look("/bin", 1, &f), 0);
	CHECK(S_ISDIR(f.mode));
	CHECK_EQ(look("/", 1, &f), 0);
	CHECK(S_ISDIR(f.mode));
	CHECK_EQ(look("/nope", 1, &f), -ENOENT);
	CHECK_EQ(look("/etc/motd/x", 1, &f), -ENOTDIR);
}

TEST(symbolic_links)
{
	build();
	struct exos_file f;
	CHECK_EQ(look("/bin/sh", 1, &f), 0);
	CHECK_EQ(f.size, 12);
	CHECK_EQ(look("/bin/sh", 0, &f), 0);
	CHECK(S_ISLNK(f.mode));
	CHECK_EQ(look("/bin/abs", 1, &f), 0);
	CHECK(memcmp(f.data, "hello\n", 6) == 0);
	CHECK_EQ(look("/lib/motd", 0, &f), 0); /* a link in the middle is always followed */
	CHECK(S_ISREG(f.mode));
	CHECK_EQ(look("/bin/loop", 1, &f), -ELOOP);
	char longp[EXOS_PATH_MAX + 8];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	CHECK_EQ(look(longp, 1, &f), -ENAMETOOLONG);
}

TEST(malformed_archives_end_the_walk)
{
	build();
	struct exos_file f;
	for (size_t cut = 0; cut < ar_len; cut += 7)
		(void)exos_cpio_lookup(ar, cut, "/etc/motd", 1, &f); /* never reads past cut (ASan) */
	unsigned char *copy = malloc(ar_len);
	srand(7);
	for (int round = 0; round < 20000; round++) {
		memcpy(copy, ar, ar_len);
		for (int k = 0; k < 4; k++)
			copy[(size_t)rand() % ar_len] = (unsigned char)rand();
		(void)exos_cpio_lookup(copy, ar_len, "/bin/sh", 1, &f);
	}
	free(copy);
	CHECK_EQ(exos_cpio_lookup(ar, 50, "/bin", 1, &f), -ENOENT);
}
