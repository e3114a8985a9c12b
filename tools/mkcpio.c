/*
 * mkcpio: write a cpio archive in the "newc" format (what Linux unpacks as
 * its initramfs). Entries come from the command line, in order:
 *
 *   mkcpio OUT  dir NAME | nod NAME MAJOR MINOR | file NAME SOURCE ...
 *
 *   dir NAME              a directory, mode 0755
 *   nod NAME MAJOR MINOR  a character device node, mode 0600 (needs no root: it is only archive data)
 *   file NAME SOURCE      a regular file with SOURCE's contents, mode 0755
 *
 * NAME is the path inside the archive, without a leading '/'. Owner root,
 * modification time 0, inode numbers in order: the same inputs always give
 * the same bytes.
 *
 * newc: each entry is the magic "070701", thirteen 8-digit hex fields (ino,
 * mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
 * rdevminor, namesize including the NUL, check = 0), the name and its NUL,
 * padded to a multiple of 4 bytes from the start of the header; then the
 * data, padded to 4. The archive ends with an entry named "TRAILER!!!".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static FILE *out;
static unsigned long offset; /* bytes written so far */
static unsigned ino = 1;

static void put(const void *p, size_t n)
{
	if (fwrite(p, 1, n, out) != n) {
		perror("mkcpio: write");
		exit(1);
	}
	offset += n;
}

static void pad4(void)
{
	static const char zeros[4];
	put(zeros, (4 - offset % 4) % 4);
}

static void entry(const char *name, unsigned mode, unsigned rmaj, unsigned rmin, const void *data, size_t size)
{
	char hdr[6 + 13 * 8 + 1];
	if (size > 0xFFFFFFFFu) {
		fprintf(stderr, "mkcpio: %s is too large for newc (4 GiB)\n", name);
		exit(1);
	}
	unsigned fields[13] = {ino++, mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0, (unsigned)size, 0, 0, rmaj, rmin,
			       (unsigned)strlen(name) + 1, 0};
	memcpy(hdr, "070701", 6);
	for (int i = 0; i < 13; i++)
		for (int d = 0; d < 8; d++)
			hdr[6 + i * 8 + d] = "0123456789ABCDEF"[(fields[i] >> (28 - 4 * d)) & 0xF];
	put(hdr, 6 + 13 * 8);
	put(name, strlen(name) + 1);
	pad4();
	if (size)
		put(data, size);
	pad4();
}

static void *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf || ferror(f)) {
		fprintf(stderr, "mkcpio: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*size = n;
	return buf;
}

static void usage(void)
{
	fprintf(stderr, "usage: mkcpio OUT [dir NAME | nod NAME MAJOR MINOR | file NAME SOURCE]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	out = fopen(argv[1], "wb");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 2; i < argc;) {
		const char *kind = argv[i];
		if (!strcmp(kind, "dir") && i + 1 < argc) {
			entry(argv[i + 1], S_IFDIR | 0755, 0, 0, NULL, 0);
			i += 2;
		} else if (!strcmp(kind, "nod") && i + 3 < argc) {
			entry(argv[i + 1], S_IFCHR | 0600, (unsigned)atoi(argv[i + 2]), (unsigned)atoi(argv[i + 3]), NULL,
			      0);
			i += 4;
		} else if (!strcmp(kind, "file") && i + 2 < argc) {
			size_t size;
			void *data = slurp(argv[i + 2], &size);
			entry(argv[i + 1], S_IFREG | 0755, 0, 0, data, size);
			free(data);
			i += 3;
		} else {
			usage();
		}
	}
	entry("TRAILER!!!", 0, 0, 0, NULL, 0);
	if (fclose(out) != 0) {
		perror("mkcpio: close");
		return 1;
	}
	return 0;
}
