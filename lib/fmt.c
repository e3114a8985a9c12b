/* The formatter behind kprintf and libexo's printf; see inc/exo/fmt.h. */
#include <exo/fmt.h>
#include <stdint.h>

struct spec {
	int left;   /* '-' */
	int zero;   /* '0' */
	int width;
	int longs;  /* number of 'l' (z counts as one) */
};

static int emit_padded(fmt_putc_fn putc, void *ctx, const char *s, int len, const struct spec *sp)
{
	int pad = sp->width > len ? sp->width - len : 0;
	int n = 0;
	char padc = sp->zero && !sp->left ? '0' : ' ';

	if (!sp->left)
		for (; pad > 0; pad--, n++)
			putc(ctx, padc);
	for (int i = 0; i < len; i++, n++)
		putc(ctx, s[i]);
	for (; pad > 0; pad--, n++)
		putc(ctx, ' ');
	return n;
}

/* Write v in the given base into the end of buf; returns the start. */
static char *utoa(char *end, uint64_t v, unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return p;
}

static int emit_number(fmt_putc_fn putc, void *ctx, uint64_t v, int negative, unsigned base, int upper,
		       const struct spec *sp)
{
	char buf[24];
	char *end = buf + sizeof(buf);
	char *p = utoa(end, v, base, upper);
	int n = 0;

	if (negative) {
		if (sp->zero && !sp->left) { /* sign goes before the zero padding */
			putc(ctx, '-');
			struct spec rest = *sp;
			rest.width = sp->width > 0 ? sp->width - 1 : 0;
			return 1 + emit_padded(putc, ctx, p, (int)(end - p), &rest);
		}
		*--p = '-';
	}
	n += emit_padded(putc, ctx, p, (int)(end - p), sp);
	return n;
}

static uint64_t take_unsigned(va_list *ap, int longs)
{
	if (longs >= 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t take_signed(va_list *ap, int longs)
{
	if (longs >= 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

int fmt_vformat(fmt_putc_fn putc, void *ctx, const char *fmt, va_list ap0)
{
	va_list ap;
	int n = 0;

	va_copy(ap, ap0);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			putc(ctx, *f);
			n++;
			continue;
		}
		struct spec sp = {0, 0, 0, 0};
		for (f++; *f == '-' || *f == '0'; f++)
			*(*f == '-' ? &sp.left : &sp.zero) = 1;
		for (; *f >= '0' && *f <= '9'; f++)
			sp.width = sp.width * 10 + (*f - '0');
		for (; *f == 'l' || *f == 'z'; f++)
			sp.longs++;
		switch (*f) {
		case 'c': {
			char c = (char)va_arg(ap, int);
			n += emit_padded(putc, ctx, &c, 1, &sp);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;
			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			n += emit_padded(putc, ctx, s, len, &sp);
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = take_signed(&ap, sp.longs);
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
			n += emit_number(putc, ctx, mag, v < 0, 10, 0, &sp);
			break;
		}
		case 'u':
			n += emit_number(putc, ctx, take_unsigned(&ap, sp.longs), 0, 10, 0, &sp);
			break;
		case 'x':
		case 'X':
			n += emit_number(putc, ctx, take_unsigned(&ap, sp.longs), 0, 16, *f == 'X', &sp);
			break;
		case 'p': {
			char buf[20];
			char *end = buf + sizeof(buf);
			char *p = utoa(end, (uintptr_t)va_arg(ap, void *), 16, 0);
			*--p = 'x';
			*--p = '0';
			struct spec ps = sp;
			ps.zero = 0; /* "0x" leads; zero padding would land after it */
			n += emit_padded(putc, ctx, p, (int)(end - p), &ps);
			break;
		}
		case '%':
			putc(ctx, '%');
			n++;
			break;
		case '\0':
			f--; /* a lone '%' at the end: stop */
			break;
		default: /* unknown conversion: print it as is */
			putc(ctx, '%');
			putc(ctx, *f);
			n += 2;
			break;
		}
	}
	va_end(ap);
	return n;
}

struct sbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void sbuf_putc(void *ctx, char c)
{
	struct sbuf *sb = ctx;
	if (sb->len + 1 < sb->size)
		sb->buf[sb->len] = c;
	sb->len++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sbuf sb = {buf, size, 0};
	fmt_vformat(sbuf_putc, &sb, fmt, ap);
	if (size > 0)
		buf[sb.len < size ? sb.len : size - 1] = '\0';
	return (int)sb.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
