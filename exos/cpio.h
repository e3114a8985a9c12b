/*
 * Reading the boot archive: a cpio archive in the "newc" format (what
 * `cpio -H newc` writes), as the kernel maps it at EXO_BOOTFS_VA. Pure
 * logic on a byte range, no system calls, so it builds on the host for its
 * unit test (tests/host/test_exos_cpio.c). A malformed archive is never read
 * past its end: a bad header ends the walk as if the archive ended there.
 */
#ifndef EXOS_CPIO_H
#define EXOS_CPIO_H

#include <stddef.h>
#include <stdint.h>

struct exos_file {
	const unsigned char *data; /* the contents, inside the archive */
	uint64_t size;
	uint32_t mode;             /* st_mode: type and permission bits */
	uint32_t ino;
};

#define EXOS_PATH_MAX 4096
#define EXOS_SYMLOOP_MAX 8

/*
 * Find path in the archive [ar, ar + size). Absolute or relative paths are
 * both taken from the archive's root; "." and ".." are resolved, and
 * symbolic links are followed (the last component only when follow_last).
 * Returns 0 and fills *out, or -ENOENT, -ENOTDIR (a component before the last
 * is not a directory), -ELOOP (more than EXOS_SYMLOOP_MAX links),
 * -ENAMETOOLONG.
 */
int exos_cpio_lookup(const void *ar, size_t size, const char *path, int follow_last, struct exos_file *out);
/* As exos_cpio_lookup, and the path it resolved to (no leading '/', "" for the root) in resolved[EXOS_PATH_MAX]. */
int exos_cpio_resolve(const void *ar, size_t size, const char *path, int follow_last, struct exos_file *out,
		      char *resolved);
/*
 * Walk the archive: the entry at *off (start with 0), advancing *off past
 * it. Its name (no leading "./") and file. 0, or -1 at the end.
 */
int exos_cpio_next(const void *ar, size_t size, size_t *off, const char **name, struct exos_file *out);

#endif
