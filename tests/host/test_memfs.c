/* Host tests for the file server's store (exos/memfs.c), compiled in directly. */
#define HTEST_SUITE "host.memfs"
#include "htest.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "../../exos/memfs.c"

static int64_t clock_now;
static int64_t fake_now(void) { return clock_now += 1000; }
static void *block_alloc(void) { return malloc(MEMFS_BLOCK); }
static void block_free(void *b) { free(b); }

static struct memfs fs;

static void fresh(uint64_t max_blocks)
{
	memfs_destroy(&fs);
	memfs_init(&fs, max_blocks, 1000, block_alloc, block_free, fake_now);
}

static struct mnode *create(const char *path)
{
	struct mnode *n = NULL;
	if (memfs_open(&fs, NULL, path, O_CREAT | O_RDWR, 0644, &n) < 0)
		return NULL;
	memfs_release(&fs, n);
	return n;
}

static long put(const char *path, const char *text)
{
	struct mnode *n;
	int err = memfs_open(&fs, NULL, path, O_CREAT | O_WRONLY | O_TRUNC, 0644, &n);
	if (err < 0)
		return err;
	long r = memfs_write(&fs, n, 0, text, strlen(text));
	memfs_release(&fs, n);
	return r;
}

static const char *get(const char *path)
{
	static char buf[256];
	struct mnode *n;
	if (memfs_lookup(&fs, NULL, path, 1, &n) < 0)
		return "(none)";
	long r = memfs_read(&fs, n, 0, buf, sizeof(buf) - 1);
	buf[r < 0 ? 0 : r] = '\0';
	return buf;
}

TEST(write_read_holes)
{
	fresh(100);
	struct mnode *n = create("/f");
	CHECK(n != NULL);
	CHECK_EQ(memfs_write(&fs, n, 10000, "abc", 3), 3);
	CHECK_EQ(n->size, 10003);
	char buf[16];
	CHECK_EQ(memfs_read(&fs, n, 9998, buf, 16), 5);
	CHECK(buf[0] == 0 && buf[1] == 0 && !memcmp(buf + 2, "abc", 3));
	CHECK_EQ(fs.used_blocks, 1); /* the hole holds no block */
	CHECK_EQ(memfs_read(&fs, n, 20000, buf, 16), 0);
	CHECK_EQ(memfs_truncate(&fs, n, 10001), 0);
	CHECK_EQ(memfs_read(&fs, n, 10000, buf, 16), 1);
	CHECK_EQ(memfs_truncate(&fs, n, 0), 0);
	CHECK_EQ(fs.used_blocks, 0);
}

TEST(archive_copy_on_write)
{
	fresh(100);
	static const char data[] = "from the archive";
	CHECK_EQ(memfs_add_archive_file(&fs, "/etc/motd", S_IFREG | 0644, data, sizeof(data) - 1), 0);
	CHECK(!strcmp(get("/etc/motd"), data));
	CHECK_EQ(fs.used_blocks, 0);
	struct mnode *n;
	CHECK_EQ(memfs_lookup(&fs, NULL, "/etc/motd", 1, &n), 0);
	CHECK_EQ(memfs_write(&fs, n, 0, "FROM", 4), 4);
	CHECK(!strcmp(get("/etc/motd"), "FROM the archive"));
	CHECK(!strcmp(data, "from the archive")); /* the archive itself is untouched */
	CHECK_EQ(fs.used_blocks, 1);
	CHECK_EQ(memfs_add_archive_file(&fs, "/etc/short", S_IFREG | 0644, data, sizeof(data) - 1), 0);
	CHECK_EQ(memfs_lookup(&fs, NULL, "/etc/short", 1, &n), 0);
	CHECK_EQ(memfs_truncate(&fs, n, 4), 0);
	CHECK(!strcmp(get("/etc/short"), "from"));
}

TEST(open_flags)
{
	fresh(100);
	struct mnode *n;
	CHECK_EQ(memfs_open(&fs, NULL, "/nope", O_RDONLY, 0, &n), -ENOENT);
	CHECK_EQ(memfs_open(&fs, NULL, "/a", O_CREAT | O_EXCL | O_WRONLY, 0600, &n), 0);
	memfs_release(&fs, n);
	CHECK_EQ(memfs_open(&fs, NULL, "/a", O_CREAT | O_EXCL | O_WRONLY, 0600, &n), -EEXIST);
	CHECK_EQ(memfs_open(&fs, NULL, "/a", O_RDONLY | O_DIRECTORY, 0, &n), -ENOTDIR);
	CHECK_EQ(memfs_open(&fs, NULL, "/", O_WRONLY, 0, &n), -EISDIR);
	CHECK_EQ(memfs_open(&fs, NULL, "/a/", O_RDONLY, 0, &n), -ENOTDIR);
	CHECK_EQ(memfs_open(&fs, NULL, "/d/x", O_CREAT | O_WRONLY, 0600, &n), -ENOENT);
	CHECK_EQ(memfs_open(&fs, NULL, "/a/x", O_CREAT | O_WRONLY, 0600, &n), -ENOTDIR);
	CHECK_EQ(memfs_open(&fs, NULL, "", O_RDONLY, 0, &n), -ENOENT);
	CHECK_EQ(put("/a", "hello"), 5);
	CHECK_EQ(memfs_open(&fs, NULL, "/a", O_WRONLY | O_TRUNC, 0, &n), 0);
	CHECK_EQ(n->size, 0);
	memfs_release(&fs, n);
	char big[MEMFS_NAME_MAX + 3];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(memfs_open(&fs, NULL, big, O_CREAT | O_WRONLY, 0600, &n), -ENAMETOOLONG);
}

TEST(directories)
{
	fresh(100);
	CHECK_EQ(memfs_mkdir(&fs, NULL, "/d", 0755), 0);
	CHECK_EQ(memfs_mkdir(&fs, NULL, "/d", 0755), -EEXIST);
	CHECK_EQ(memfs_mkdir(&fs, NULL, "/d/e/", 0755), 0);
	CHECK(create("/d/e/f") != NULL);
	struct mnode *d;
	CHECK_EQ(memfs_lookup(&fs, NULL, "/d", 1, &d), 0);
	CHECK_EQ(d->nlink, 3);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/d/e", 1), -ENOTEMPTY);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/d/e", 0), -EISDIR);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/d/e/f", 1), -ENOTDIR);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/d/e/f", 0), 0);
	CHECK_EQ(memfs_unlink(&fs, d, "e/.", 1), -EINVAL);
	CHECK_EQ(memfs_unlink(&fs, d, "e", 1), 0);
	CHECK_EQ(d->nlink, 2);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/", 1), -EBUSY);
	CHECK_EQ(fs.nodes, 2); /* the root and /d */
}

TEST(removed_while_open)
{
	fresh(100);
	CHECK_EQ(put("/f", "still here"), 10);
	struct mnode *n;
	CHECK_EQ(memfs_open(&fs, NULL, "/f", O_RDONLY, 0, &n), 0);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/f", 0), 0);
	char buf[16] = {0};
	CHECK_EQ(memfs_read(&fs, n, 0, buf, sizeof(buf)), 10);
	CHECK_EQ(fs.nodes, 2);
	memfs_release(&fs, n);
	CHECK_EQ(fs.nodes, 1);
	CHECK_EQ(fs.used_blocks, 0);
	/* A working directory that is removed: nothing can be made in it. */
	CHECK_EQ(memfs_mkdir(&fs, NULL, "/w", 0755), 0);
	CHECK_EQ(memfs_open(&fs, NULL, "/w", O_RDONLY, 0, &n), 0);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/w", 1), 0);
	struct mnode *x;
	CHECK_EQ(memfs_open(&fs, n, "new", O_CREAT | O_WRONLY, 0600, &x), -ENOENT);
	char path[64];
	CHECK_EQ(memfs_dir_path(n, path, sizeof(path)), -ENOENT);
	memfs_release(&fs, n);
}

TEST(rename)
{
	fresh(100);
	CHECK_EQ(put("/a", "A"), 1);
	CHECK_EQ(put("/b", "B"), 1);
	CHECK_EQ(memfs_rename(&fs, NULL, "/a", NULL, "/b"), 0);
	CHECK(!strcmp(get("/b"), "A"));
	CHECK(!strcmp(get("/a"), "(none)"));
	CHECK_EQ(memfs_mkdir(&fs, NULL, "/d", 0755), 0);
	CHECK_EQ(memfs_mkdir(&fs, NULL, "/d/sub", 0755), 0);
	CHECK_EQ(memfs_rename(&fs, NULL, "/d", NULL, "/d/sub/x"), -EINVAL);
	CHECK_EQ(memfs_rename(&fs, NULL, "/b", NULL, "/d"), -EISDIR);
	CHECK_EQ(memfs_rename(&fs, NULL, "/d/sub", NULL, "/b"), -ENOTDIR);
	CHECK_EQ(memfs_rename(&fs, NULL, "/nope", NULL, "/x"), -ENOENT);
	CHECK_EQ(memfs_rename(&fs, NULL, "/b", NULL, "/d/sub/b"), 0);
	CHECK(!strcmp(get("/d/sub/b"), "A"));
	CHECK_EQ(memfs_rename(&fs, NULL, "/d/sub", NULL, "/moved"), 0);
	struct mnode *m, *d;
	CHECK_EQ(memfs_lookup(&fs, NULL, "/moved", 1, &m), 0);
	CHECK_EQ(memfs_lookup(&fs, NULL, "/d", 1, &d), 0);
	CHECK_EQ(d->nlink, 2);
	CHECK(m->parent == fs.root);
	char path[64];
	CHECK_EQ(memfs_dir_path(m, path, sizeof(path)), 6);
	CHECK(!strcmp(path, "/moved"));
	CHECK_EQ(memfs_dir_path(fs.root, path, sizeof(path)), 1);
	CHECK(!strcmp(path, "/"));
	CHECK_EQ(memfs_dir_path(m, path, 3), -ERANGE);
	CHECK_EQ(memfs_rename(&fs, NULL, "/moved", NULL, "/d"), 0); /* over an empty directory */
	CHECK(!strcmp(get("/d/b"), "A"));
}

TEST(symlinks)
{
	fresh(100);
	CHECK_EQ(put("/target", "T"), 1);
	CHECK_EQ(memfs_symlink(&fs, "target", NULL, "/l"), 0);
	CHECK(!strcmp(get("/l"), "T"));
	char buf[32];
	CHECK_EQ(memfs_readlink(&fs, NULL, "/l", buf, sizeof(buf)), 6);
	CHECK_EQ(memfs_readlink(&fs, NULL, "/target", buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(memfs_symlink(&fs, "loop2", NULL, "/loop1"), 0);
	CHECK_EQ(memfs_symlink(&fs, "loop1", NULL, "/loop2"), 0);
	struct mnode *n;
	CHECK_EQ(memfs_lookup(&fs, NULL, "/loop1", 1, &n), -ELOOP);
	CHECK_EQ(memfs_lookup(&fs, NULL, "/loop1", 0, &n), 0);
	CHECK_EQ(memfs_open(&fs, NULL, "/l", O_RDONLY | O_NOFOLLOW, 0, &n), -ELOOP);
	CHECK_EQ(memfs_mkdir(&fs, NULL, "/dir", 0755), 0);
	CHECK_EQ(memfs_symlink(&fs, "/dir", NULL, "/dl"), 0);
	CHECK(create("/dl/inside") != NULL);
	CHECK(!strcmp(get("/dir/inside"), ""));
	CHECK_EQ(memfs_symlink(&fs, "x", NULL, "/l"), -EEXIST);
	CHECK_EQ(memfs_symlink(&fs, "", NULL, "/e"), -ENOENT);
}

struct listing {
	char names[64][32];
	int n, room;
};

static int collect(void *ctx, uint32_t ino, const char *name, unsigned type, uint64_t next)
{
	(void)ino, (void)type, (void)next;
	struct listing *l = ctx;
	if (l->n >= l->room)
		return 0;
	snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", name);
	return 1;
}

TEST(listing_survives_removal)
{
	fresh(100);
	char p[32];
	for (int i = 0; i < 10; i++) {
		snprintf(p, sizeof(p), "/f%d", i);
		CHECK(create(p) != NULL);
	}
	uint64_t pos = 0;
	struct listing l = {.room = 5};
	memfs_readdir(fs.root, &pos, collect, &l);
	CHECK_EQ(l.n, 5); /* ".", "..", f0, f1, f2 */
	for (int i = 0; i < 3; i++) { /* remove what was listed, as rm -r does */
		snprintf(p, sizeof(p), "/f%d", i);
		CHECK_EQ(memfs_unlink(&fs, NULL, p, 0), 0);
	}
	l.room = 64;
	memfs_readdir(fs.root, &pos, collect, &l);
	CHECK_EQ(l.n, 12);
	CHECK(!strcmp(l.names[5], "f3") && !strcmp(l.names[11], "f9"));
}

TEST(enospc_and_back)
{
	fresh(8);
	static char chunk[MEMFS_BLOCK];
	memset(chunk, 'z', sizeof(chunk));
	struct mnode *n = create("/big");
	long total = 0, r;
	while ((r = memfs_write(&fs, n, (uint64_t)total, chunk, sizeof(chunk))) > 0)
		total += r;
	CHECK_EQ(r, -ENOSPC);
	CHECK_EQ(total, 8 * MEMFS_BLOCK);
	struct mnode *m = create("/other");
	CHECK_EQ(memfs_write(&fs, m, 0, "x", 1), -ENOSPC);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/big", 0), 0);
	CHECK_EQ(fs.used_blocks, 0);
	CHECK_EQ(memfs_write(&fs, m, 0, "x", 1), 1);
	CHECK_EQ(memfs_write(&fs, m, MEMFS_FILE_MAX, "x", 1), -EFBIG);
}

TEST(hard_links)
{
	fresh(100);
	CHECK_EQ(put("/a", "shared"), 6);
	CHECK_EQ(memfs_link(&fs, NULL, "/a", NULL, "/b"), 0);
	CHECK_EQ(memfs_link(&fs, NULL, "/a", NULL, "/b"), -EEXIST);
	CHECK_EQ(memfs_link(&fs, NULL, "/", NULL, "/c"), -EPERM);
	CHECK_EQ(memfs_unlink(&fs, NULL, "/a", 0), 0);
	CHECK(!strcmp(get("/b"), "shared"));
	CHECK_EQ(memfs_rename(&fs, NULL, "/b", NULL, "/b"), 0);
}

/* Random operations on a small tree: the sanitizers watch, the counts must come back to zero. */
TEST(random_operations)
{
	fresh(64);
	uint64_t seed = htest_seed(20261129);
	static const char *names[] = {"/a", "/b", "/d/a", "/d/b", "/d", "/d/e", "/d/e/a", "/l"};
	char buf[9000];
	memset(buf, 'r', sizeof(buf));
	for (int i = 0; i < 20000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		const char *p = names[(seed >> 33) % 8], *q = names[(seed >> 40) % 8];
		struct mnode *n;
		switch ((seed >> 50) % 8) {
		case 0:
			if (memfs_open(&fs, NULL, p, O_CREAT | O_RDWR, 0644, &n) == 0) {
				memfs_write(&fs, n, (seed >> 20) % 20000, buf, (seed >> 8) % sizeof(buf));
				memfs_release(&fs, n);
			}
			break;
		case 1:
			memfs_mkdir(&fs, NULL, p, 0755);
			break;
		case 2:
			memfs_unlink(&fs, NULL, p, (int)(seed & 1));
			break;
		case 3:
			memfs_rename(&fs, NULL, p, NULL, q);
			break;
		case 4:
			memfs_symlink(&fs, q, NULL, p);
			break;
		case 5:
			if (memfs_lookup(&fs, NULL, p, 1, &n) == 0 && S_ISREG(n->mode))
				memfs_truncate(&fs, n, (seed >> 12) % 30000);
			break;
		case 6:
			memfs_link(&fs, NULL, p, NULL, q);
			break;
		default:
			if (memfs_lookup(&fs, NULL, p, 1, &n) == 0 && S_ISREG(n->mode))
				memfs_read(&fs, n, 0, buf, sizeof(buf));
			break;
		}
		CHECK(fs.used_blocks <= fs.max_blocks);
	}
	memfs_destroy(&fs);
	CHECK_EQ(fs.nodes, 0);
	CHECK_EQ(fs.used_blocks, 0);
}
