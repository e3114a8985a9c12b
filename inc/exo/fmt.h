/*
 * A small printf-style formatter shared by the kernel and libexo (the
 * foundation's user runtime, used before musl arrives). Supports
 * %c %s %d %i %u %x %X %p %% with flags '-', '0', a width, and the length
 * modifiers l, ll, z. Output goes through a callback so it needs no buffer.
 */
#ifndef EXO_FMT_H
#define EXO_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_putc_fn)(void *ctx, char c);

/* Format fmt with ap, calling putc for each character. Returns the count. */
int fmt_vformat(fmt_putc_fn putc, void *ctx, const char *fmt, va_list ap);

/* snprintf semantics: always NUL-terminates when size > 0; returns the full length. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
