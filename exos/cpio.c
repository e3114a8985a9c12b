/* The boot archive's reader (cpio.h): newc headers, path resolution, symbolic links. */
#include "cpio.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define HDR 110 /* "070701" and 13 fields of 8 hexadecimal digits */

struct entry {
	const char *name; /* NUL-terminated, inside the archive */
	struct exos_file f;
};

static int hex8(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		unsigned c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static size_t align4(size_t x) { return (x + 3) & ~(size_t)3; }

/* The entry at *off; advances *off past it. 0, or -1 at the end (trailer) or on a malformed header. */
static int next_entry(const unsigned char *ar, size_t size, size_t *off, struct entry *e)
{
	size_t at = *off;
	uint32_t field[13];
	if (at > size || size - at < HDR || memcmp(ar + at, "070701", 6) != 0)
		return -1;
	for (int i = 0; i < 13; i++)
		if (hex8(ar + at + 6 + 8 * i, &field[i]) < 0)
			return -1;
	uint32_t namesize = field[11], filesize = field[6];
	if (namesize == 0 || namesize > size - at - HDR)
		return -1;
	const char *name = (const char *)ar + at + HDR;
	if (name[namesize - 1] != '\0')
		return -1;
	size_t data = align4(at + HDR + namesize);
	if (data > size || filesize > size - data)
		return -1;
	if (strcmp(name, "TRAILER!!!") == 0)
		return -1;
	e->name = name;
	e->f = (struct exos_file){ar + data, filesize, field[1], field[0]};
	*off = align4(data + filesize);
	return 0;
}

/* The entry named exactly name (no leading slash; "" is the root). */
static int find(const unsigned char *ar, size_t size, const char *name, struct exos_file *out)
{
	if (name[0] == '\0') {
		*out = (struct exos_file){NULL, 0, S_IFDIR | 0755, 0};
		return 0;
	}
	struct entry e;
	for (size_t off = 0; next_entry(ar, size, &off, &e) == 0;) {
		const char *n = e.name;
		if (n[0] == '.' && n[1] == '/')
			n += 2;
		if (strcmp(n, name) == 0) {
			*out = e.f;
			return 0;
		}
	}
	return -ENOENT;
}

/* Append component c (length n) to the resolved path p (length *len). */
static int push(char *p, size_t *len, const char *c, size_t n)
{
	if (*len + (*len ? 1 : 0) + n + 1 > EXOS_PATH_MAX)
		return -ENAMETOOLONG;
	if (*len)
		p[(*len)++] = '/';
	memcpy(p + *len, c, n);
	*len += n;
	p[*len] = '\0';
	return 0;
}

static void pop(char *p, size_t *len)
{
	while (*len > 0 && p[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--;
	p[*len] = '\0';
}

int exos_cpio_next(const void *ar, size_t size, size_t *off, const char **name, struct exos_file *out)
{
	struct entry e;
	if (next_entry(ar, size, off, &e) < 0)
		return -1;
	*name = e.name[0] == '.' && e.name[1] == '/' ? e.name + 2 : e.name;
	*out = e.f;
	return 0;
}

int exos_cpio_lookup(const void *archive, size_t size, const char *path, int follow_last, struct exos_file *out)
{
	return exos_cpio_resolve(archive, size, path, follow_last, out, NULL);
}

int exos_cpio_resolve(const void *archive, size_t size, const char *path, int follow_last, struct exos_file *out,
		      char *resolved)
{
	static char todo[2][EXOS_PATH_MAX]; /* what is left to resolve, and its next version */
	char done[EXOS_PATH_MAX];
	const unsigned char *ar = archive;
	size_t len = 0, plen = strlen(path);
	int cur = 0, links = 0;
	if (plen >= EXOS_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(todo[cur], path, plen + 1);
	done[0] = '\0';
	struct exos_file f = {NULL, 0, S_IFDIR | 0755, 0};
	const char *p = todo[cur];
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		const char *end = p;
		while (*end && *end != '/')
			end++;
		size_t n = (size_t)(end - p);
		int last = *end == '\0' || end[strspn(end, "/")] == '\0';
		if (!S_ISDIR(f.mode))
			return -ENOTDIR;
		if (n == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			pop(done, &len);
			p = end;
			f = (struct exos_file){NULL, 0, S_IFDIR | 0755, 0};
			continue;
		}
		size_t mark = len;
		int err = push(done, &len, p, n);
		if (err == 0)
			err = find(ar, size, done, &f);
		if (err < 0)
			return err;
		if (S_ISLNK(f.mode) && (!last || follow_last)) {
			if (++links > EXOS_SYMLOOP_MAX)
				return -ELOOP;
			/* The rest becomes: the link's target, then what followed the link. */
			size_t tl = f.size, rl = strlen(end);
			if (tl + rl + 1 > EXOS_PATH_MAX)
				return -ENAMETOOLONG;
			char *next = todo[!cur];
			memcpy(next, f.data, tl);
			memcpy(next + tl, end, rl + 1);
			cur = !cur;
			p = todo[cur];
			len = p[0] == '/' ? 0 : mark; /* an absolute target starts again at the root */
			done[len] = '\0';
			f = (struct exos_file){NULL, 0, S_IFDIR | 0755, 0};
			continue;
		}
		p = end;
	}
	*out = f;
	if (resolved)
		memcpy(resolved, done, len + 1);
	return 0;
}
