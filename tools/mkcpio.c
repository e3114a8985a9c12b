/*
 * mkcpio: write a cpio archive in the "newc" format (what Linux unpacks as
 * its initramfs, and what exo's boot archive is). Entries come from the
 * command line, in order:
 *
 *   mkcpio OUT DIRECTIVE...
 *
 *   dir NAME              a directory, mode 0755
 *   nod NAME MAJOR MINOR  a character device node, mode 0600 (needs no root: it is only archive data)
 *   file NAME SOURCE      a regular file with SOURCE's contents, mode 0755
 *   slink NAME TARGET     a symbolic link to TARGET (taken as it is; relative targets are
 *                         relative to NAME's directory), mode 0777
 *   tree NAME SOURCE      SOURCE's contents, recursively, under NAME ("." for the top of the
 *                         archive): directories 0755, regular files 0755 if SOURCE's copy is
 *                         executable by its owner and 0644 if not, symbolic links as they are;
 *                         each directory's entries sorted by name; other file types are an error
 *   list FILE             the directives in FILE, one a line, words separated by blanks (so no
 *                         blank in a name); empty lines and lines starting with '#' are skipped
 *
 * NAME is the path inside the archive: no leading or trailing '/', no empty,
 * "." or ".." component. A directory is always written before what it
 * contains: a NAME whose parent directories are not in the archive yet gets
 * them first (mode 0755). A directory named twice is written once; any other
 * name given twice is an error. Owner root, modification time 0, inode
 * numbers in order: the same inputs always give the same bytes.
 *
 * newc: each entry is the magic "070701", thirteen 8-digit hex fields (ino,
 * mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
 * rdevminor, namesize including the NUL, check = 0), the name and its NUL,
 * padded to a multiple of 4 bytes from the start of the header; then the
 * data, padded to 4. The archive ends with an entry named "TRAILER!!!".
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static FILE *out;
static unsigned long offset; /* bytes written so far */
static unsigned ino = 1;

/* Every name written so far, and whether it is a directory (for duplicates and parents). */
static struct written {
	char *name;
	int is_dir;
} * written;
static size_t nwritten, written_cap;

/* Print "mkcpio: " and the message (%m: errno's text, as when die was called), and fail. */
__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	fputs("mkcpio: ", stderr);
	errno = saved;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void put(const void *p, size_t n)
{
	if (fwrite(p, 1, n, out) != n)
		die("write: %m");
	offset += n;
}

static void pad4(void)
{
	static const char zeros[4];
	put(zeros, (4 - offset % 4) % 4);
}

static void header(const char *name, unsigned mode, unsigned rmaj, unsigned rmin, size_t size)
{
	char hdr[6 + 13 * 8 + 1];
	if (size > 0xFFFFFFFFu)
		die("%s is too large for newc (4 GiB)", name);
	unsigned fields[13] = {ino++, mode, 0,    0,    S_ISDIR(mode) ? 2 : 1,      0, (unsigned)size,
			       0,     0,    rmaj, rmin, (unsigned)strlen(name) + 1, 0};
	memcpy(hdr, "070701", 6);
	for (int i = 0; i < 13; i++)
		for (int d = 0; d < 8; d++)
			hdr[6 + i * 8 + d] = "0123456789ABCDEF"[(fields[i] >> (28 - 4 * d)) & 0xF];
	put(hdr, 6 + 13 * 8);
	put(name, strlen(name) + 1);
	pad4();
}

static void raw_entry(const char *name, unsigned mode, unsigned rmaj, unsigned rmin, const void *data, size_t size)
{
	header(name, mode, rmaj, rmin, size);
	if (size)
		put(data, size);
	pad4();
}

static struct written *find_written(const char *name)
{
	for (size_t i = 0; i < nwritten; i++)
		if (!strcmp(written[i].name, name))
			return &written[i];
	return NULL;
}

static void remember(const char *name, int is_dir)
{
	if (nwritten == written_cap) {
		written_cap = written_cap ? 2 * written_cap : 256;
		written = realloc(written, written_cap * sizeof(*written));
	}
	if (!written || !(written[nwritten].name = strdup(name)))
		die("out of memory");
	written[nwritten++].is_dir = is_dir;
}

static void check_name(const char *name)
{
	const char *p = name;
	if (!*name || *name == '/')
		die("bad name '%s': empty or starting with '/'", name);
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			die("bad name '%s': an empty, '.' or '..' component", name);
		if (!p[n])
			return;
		p += n + 1;
	}
}

/* Write the parent directories of name that are not in the archive yet, outermost first. */
static void parents(const char *name)
{
	char dir[PATH_MAX];
	for (const char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t n = (size_t)(slash - name);
		if (n >= sizeof(dir))
			die("name too long: %s", name);
		memcpy(dir, name, n);
		dir[n] = '\0';
		struct written *w = find_written(dir);
		if (w && !w->is_dir)
			die("%s: %s is not a directory", name, dir);
		if (!w) {
			raw_entry(dir, S_IFDIR | 0755, 0, 0, NULL, 0);
			remember(dir, 1);
		}
	}
}

/* One archive entry, after its parents; a directory written before is not written again. */
static void entry(const char *name, unsigned mode, unsigned rmaj, unsigned rmin, const void *data, size_t size)
{
	check_name(name);
	struct written *w = find_written(name);
	if (w && w->is_dir && S_ISDIR(mode))
		return;
	if (w)
		die("%s is in the archive twice", name);
	parents(name);
	raw_entry(name, mode, rmaj, rmin, data, size);
	remember(name, S_ISDIR(mode));
}

static void *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %m", path);
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf || ferror(f))
		die("cannot read %s", path);
	fclose(f);
	*size = n;
	return buf;
}

static void file_entry(const char *name, const char *source, unsigned perm)
{
	size_t size;
	void *data = slurp(source, &size);
	entry(name, S_IFREG | perm, 0, 0, data, size);
	free(data);
}

static void slink_entry(const char *name, const char *target)
{
	if (!*target)
		die("%s: empty link target", name);
	entry(name, S_IFLNK | 0777, 0, 0, target, strlen(target));
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in directory path except "." and "..", sorted; *n says how many. */
static char **sorted_dir(const char *path, size_t *n)
{
	DIR *d = opendir(path);
	if (!d)
		die("%s: %m", path);
	char **names = NULL;
	size_t cap = 0;
	*n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*names))))
			die("out of memory");
		if (!(names[(*n)++] = strdup(de->d_name)))
			die("out of memory");
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), compare_names);
	return names;
}

static void tree(const char *name, const char *source);

/* One thing found in a tree: name is its archive name, source its path on this machine. */
static void tree_item(const char *name, const char *source)
{
	struct stat st;
	if (lstat(source, &st) < 0)
		die("%s: %m", source);
	if (S_ISDIR(st.st_mode)) {
		entry(name, S_IFDIR | 0755, 0, 0, NULL, 0);
		tree(name, source);
	} else if (S_ISREG(st.st_mode)) {
		file_entry(name, source, st.st_mode & S_IXUSR ? 0755 : 0644);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(source, target, sizeof(target) - 1);
		if (n < 0)
			die("%s: %m", source);
		target[n] = '\0';
		slink_entry(name, target);
	} else {
		die("%s: not a directory, regular file or symbolic link", source);
	}
}

static void tree(const char *name, const char *source)
{
	size_t n;
	char **names = sorted_dir(source, &n);
	for (size_t i = 0; i < n; i++) {
		char child[PATH_MAX], child_source[PATH_MAX];
		int a = strcmp(name, ".") ? snprintf(child, sizeof(child), "%s/%s", name, names[i])
					  : snprintf(child, sizeof(child), "%s", names[i]);
		int b = snprintf(child_source, sizeof(child_source), "%s/%s", source, names[i]);
		if (a < 0 || (size_t)a >= sizeof(child) || b < 0 || (size_t)b >= sizeof(child_source))
			die("path too long under %s", source);
		tree_item(child, child_source);
		free(names[i]);
	}
	free(names);
}

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: mkcpio OUT [dir NAME | nod NAME MAJOR MINOR | file NAME SOURCE | slink NAME TARGET |\n"
			"                   tree NAME SOURCE | list FILE]...\n");
	exit(2);
}

static void list(const char *path);

/* Carry out the directive at argv[0] (argc words are left); returns how many words it took. */
static int directive(int argc, char **argv)
{
	const char *kind = argv[0];
	if (!strcmp(kind, "dir") && argc >= 2) {
		entry(argv[1], S_IFDIR | 0755, 0, 0, NULL, 0);
		return 2;
	} else if (!strcmp(kind, "nod") && argc >= 4) {
		entry(argv[1], S_IFCHR | 0600, (unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]), NULL, 0);
		return 4;
	} else if (!strcmp(kind, "file") && argc >= 3) {
		file_entry(argv[1], argv[2], 0755);
		return 3;
	} else if (!strcmp(kind, "slink") && argc >= 3) {
		slink_entry(argv[1], argv[2]);
		return 3;
	} else if (!strcmp(kind, "tree") && argc >= 3) {
		if (strcmp(argv[1], "."))
			entry(argv[1], S_IFDIR | 0755, 0, 0, NULL, 0);
		tree(argv[1], argv[2]);
		return 3;
	} else if (!strcmp(kind, "list") && argc >= 2) {
		list(argv[1]);
		return 2;
	}
	usage();
}

static void list(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("%s: %m", path);
	char line[3 * PATH_MAX];
	for (unsigned lineno = 1; fgets(line, sizeof(line), f); lineno++) {
		char *words[8]; /* more words than this is never one directive */
		int n = 0;
		for (char *w = strtok(line, " \t\r\n"); w && n < 8; w = strtok(NULL, " \t\r\n"))
			words[n++] = w;
		if (n == 0 || words[0][0] == '#')
			continue;
		if (directive(n, words) != n)
			die("%s:%u: not one directive", path, lineno);
	}
	if (ferror(f))
		die("cannot read %s", path);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	out = fopen(argv[1], "wb");
	if (!out)
		die("%s: %m", argv[1]);
	for (int i = 2; i < argc;)
		i += directive(argc - i, argv + i);
	raw_entry("TRAILER!!!", 0, 0, 0, NULL, 0);
	if (fclose(out) != 0)
		die("close: %m");
	return 0;
}
