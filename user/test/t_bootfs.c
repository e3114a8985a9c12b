/*
 * The boot archive at EXO_BOOTFS_VA: the kernel maps the second boot module
 * there (read-only, in every environment) and says its length in
 * exo_info.bootfs_size. This reads it as a library OS would: a cpio "newc"
 * archive of rootfs/, the musl programs and busybox (mk/bootfs.mk).
 *
 *   t_bootfs        the archive is there and well formed, with known contents; then a
 *                   spawned environment reads the same bytes (its "ok:" line is what
 *                   tests/qemu.list looks for in bootfs.every-env)
 *   t_bootfs raw    booted with some other file as the archive: the kernel maps any bytes
 *   t_bootfs none   booted without one (or with an empty one): bootfs_size is 0
 */
#include <stdbool.h>
#include <exo/lib.h>

#define NEWC_HEADER 110 /* "070701" and thirteen 8-digit hex fields */
#define MODE_TYPE 0170000
#define MODE_DIR 0040000
#define MODE_REG 0100000
#define MODE_LNK 0120000
#define PAD4(x) (((x) + 3) & ~(uint64_t)3)

struct entry {
	const char *name;
	uint32_t mode;
	const uint8_t *data;
	uint32_t size;
};

static const uint8_t *archive = (const uint8_t *)EXO_BOOTFS_VA;

static bool hex8(const uint8_t *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return false;
		*v = *v << 4 | (uint32_t)d;
	}
	return true;
}

/* The entry at *off, bounds-checked against the archive's size; *off moves past it. False if malformed. */
static bool read_entry(uint64_t *off, struct entry *e)
{
	uint64_t size = exo_info->bootfs_size;
	uint32_t f[13];
	if (*off + NEWC_HEADER > size || memcmp(archive + *off, "070701", 6))
		return false;
	for (int i = 0; i < 13; i++)
		if (!hex8(archive + *off + 6 + 8 * i, &f[i]))
			return false;
	uint64_t name = *off + NEWC_HEADER, namesize = f[11];
	uint64_t data = PAD4(name + namesize);
	if (namesize == 0 || data + f[6] > size || archive[name + namesize - 1] != '\0')
		return false;
	e->name = (const char *)archive + name;
	e->mode = f[1];
	e->data = archive + data;
	e->size = f[6];
	*off = PAD4(data + f[6]);
	return true;
}

static struct entry hostname, hello, busybox, sh;
static const char *dirs[64];
static int ndirs;

/* Every parent directory of name came earlier in the archive. */
static bool parents_before(const char *name)
{
	for (const char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t n = (size_t)(slash - name);
		int i = 0;
		while (i < ndirs && !(strlen(dirs[i]) == n && !strncmp(dirs[i], name, n)))
			i++;
		if (i == ndirs)
			return false;
	}
	return true;
}

static void note(const struct entry *e)
{
	if ((e->mode & MODE_TYPE) == MODE_DIR && ndirs < 64)
		dirs[ndirs++] = e->name;
	struct entry *known[] = {&hostname, &hello, &busybox, &sh};
	const char *names[] = {"etc/hostname", "bin/hello", "bin/busybox", "bin/sh"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(e->name, names[i]))
			*known[i] = *e;
}

/* Walk the whole archive; true when every entry is well formed and the trailer ends it exactly. */
static bool walk(int *entries, bool *ordered, bool *relative)
{
	uint64_t off = 0;
	struct entry e;
	*entries = 0;
	*ordered = *relative = true;
	while (read_entry(&off, &e)) {
		if (!strcmp(e.name, "TRAILER!!!"))
			return off == exo_info->bootfs_size;
		++*entries;
		*relative &= e.name[0] != '/';
		*ordered &= parents_before(e.name);
		note(&e);
	}
	return false;
}

static void check_contents(void)
{
	int entries;
	bool ordered, relative;
	check(walk(&entries, &ordered, &relative), "every entry is well formed and TRAILER!!! ends the archive");
	printf("t_bootfs: %d entries in %lu bytes\n", entries, (unsigned long)exo_info->bootfs_size);
	check(relative, "no name starts with '/'");
	check(ordered, "every directory comes before what it holds");
	check((hostname.mode & MODE_TYPE) == MODE_REG && hostname.size == 4 && !memcmp(hostname.data, "exo\n", 4),
	      "etc/hostname (from rootfs/) holds \"exo\\n\"");
	check((hello.mode & MODE_TYPE) == MODE_REG && hello.size > 64 && !memcmp(hello.data, "\177ELF", 4),
	      "bin/hello (musl hello) is an ELF file");
	if (busybox.name) {
		check(!memcmp(busybox.data, "\177ELF", 4), "bin/busybox is an ELF file");
		check((sh.mode & MODE_TYPE) == MODE_LNK && sh.size == 7 && !memcmp(sh.data, "busybox", 7),
		      "bin/sh is a symbolic link to busybox");
	}
}

static uint64_t checksum(void)
{
	uint64_t sum = 0;
	for (uint64_t off = 0; off < exo_info->bootfs_size; off++)
		sum = sum * 31 + archive[off];
	return sum;
}

/* In another environment (another address space): the same archive at the same address. */
static int other_env(long parent_sum)
{
	check(checksum() == (uint64_t)parent_sum, "another environment reads the same archive");
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t size = exo_info->bootfs_size;
	if (argc > 1 && !strcmp(argv[1], "none")) {
		check(size == 0, "booted without an archive: bootfs_size is 0");
		test_finish();
	}
	check(size > 0 && size <= EXO_BOOTFS_MAX, "exo_info.bootfs_size says there is an archive");
	if (size == 0)
		test_finish();
	bool zero = true;
	for (uint64_t off = size; off % PAGE_SIZE; off++)
		zero &= archive[off] == 0;
	check(zero, "the rest of the archive's last page reads as zeros");
	if (argc > 1 && !strcmp(argv[1], "raw"))
		test_finish();
	check(!memcmp(archive, "070701", 6), "the archive starts with the newc magic");
	check_contents();
	check(sys_env_set_quota(EXO_CAP_SELF, 512) == 0, "lower our own quota to make room for another's");
	long env = exo_spawn(other_env, (long)checksum(), 64);
	check(env > 0, "spawned an environment to read it too");
	if (env > 0)
		exo_wait(env);
	test_finish();
}
