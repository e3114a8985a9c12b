/* Host tests for the formatter shared by the kernel and libexo (lib/fmt.c). */
#define HTEST_SUITE "host.fmt"
#include "htest.h"

#include <limits.h>
#include <stddef.h>

#include <exo/fmt.h>

/* Format into a roomy buffer; check both the text and the returned length. */
#define CHECK_FMT(want, ...)                                                                            \
	do {                                                                                            \
		char buf_[256];                                                                         \
		int n_ = fmt_snprintf(buf_, sizeof(buf_), __VA_ARGS__);                                 \
		CHECKF(strcmp(buf_, (want)) == 0, "fmt_snprintf(%s) gave \"%s\", want \"%s\"",          \
		       #__VA_ARGS__, buf_, (want));                                                     \
		CHECKF(n_ == (int)strlen(want), "fmt_snprintf(%s) returned %d, want %zu", #__VA_ARGS__, \
		       n_, strlen(want));                                                               \
	} while (0)

/* Without the format attribute: for formats the compiler would (rightly) warn about. */
static int raw_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

TEST(plain_text_and_percent)
{
	CHECK_FMT("", "%s", "");
	CHECK_FMT("hello, world", "hello, world");
	CHECK_FMT("100%", "100%%");
	CHECK_FMT("%%", "%%%%");
	CHECK_FMT("a%b", "a%%b");

	char buf[8];
	CHECK_EQ(raw_snprintf(buf, sizeof(buf), ""), 0);
	CHECK_STR(buf, "");
}

TEST(signed_decimal)
{
	CHECK_FMT("0", "%d", 0);
	CHECK_FMT("1", "%d", 1);
	CHECK_FMT("-1", "%d", -1);
	CHECK_FMT("12345", "%d", 12345);
	CHECK_FMT("2147483647", "%d", INT_MAX);
	CHECK_FMT("-2147483648", "%d", INT_MIN);
	CHECK_FMT("-42", "%i", -42);
	CHECK_FMT("2147483647 -2147483648", "%i %i", INT_MAX, INT_MIN);
	CHECK_FMT("[7][-7]", "[%d][%i]", 7, -7);
}

TEST(unsigned_and_hex)
{
	CHECK_FMT("0", "%u", 0u);
	CHECK_FMT("4294967295", "%u", UINT_MAX);
	CHECK_FMT("0", "%x", 0u);
	CHECK_FMT("deadbeef", "%x", 0xdeadbeefu);
	CHECK_FMT("DEADBEEF", "%X", 0xdeadbeefu);
	CHECK_FMT("abcdef AB12", "%x %X", 0xabcdefu, 0xab12u);
	CHECK_FMT("ffffffff", "%x", UINT_MAX);
	CHECK_FMT("ffffffff", "%x", -1); /* an int read as unsigned */
	CHECK_FMT("4294967295", "%u", -1);
}

TEST(length_modifiers)
{
	CHECK_FMT("9223372036854775807", "%ld", LONG_MAX);
	CHECK_FMT("-9223372036854775808", "%ld", LONG_MIN);
	CHECK_FMT("-9223372036854775808", "%lld", LLONG_MIN);
	CHECK_FMT("-9223372036854775808", "%li", LONG_MIN);
	CHECK_FMT("18446744073709551615", "%lu", ULONG_MAX);
	CHECK_FMT("18446744073709551615", "%llu", ULLONG_MAX);
	CHECK_FMT("ffffffffffffffff", "%lx", ULONG_MAX);
	CHECK_FMT("FFFFFFFF80000000", "%llX", 0xFFFFFFFF80000000ull);
	CHECK_FMT("123456789abc", "%lx", 0x123456789abcul);
	CHECK_FMT("4294967296", "%lu", 1ul << 32);
	CHECK_FMT("18446744073709551615", "%zu", (size_t)-1);
	CHECK_FMT("1000", "%zx", (size_t)4096);
	CHECK_FMT("-5", "%zd", (ptrdiff_t)-5);
	/* A 64-bit argument after a 32-bit one: the va_list stays in step. */
	CHECK_FMT("1 2 3", "%d %lu %d", 1, 2ul, 3);
	CHECK_FMT("-1 -1", "%d %ld", -1, -1l);
}

TEST(pointer)
{
	CHECK_FMT("0x1234", "%p", (void *)0x1234);
	CHECK_FMT("0xffffffff80000000", "%p", (void *)0xffffffff80000000ul);
	CHECK_FMT("0xdeadbeefcafe", "%p", (void *)0xdeadbeefcafeul);
	CHECK_FMT("[0x10]", "[%p]", (void *)16);
}

/* The width of %p counts the whole conversion, "0x" included, and the padding goes outside it. */
TEST(pointer_width)
{
	CHECK_FMT("    0x1234", "%10p", (void *)0x1234);
	CHECK_FMT("0x1234    |", "%-10p|", (void *)0x1234);
	CHECK_FMT("0x1234", "%4p", (void *)0x1234);
}

TEST(strings_and_chars)
{
	const char *volatile null = NULL; /* opaque to the compiler's format checks */
	CHECK_FMT("abc", "%s", "abc");
	CHECK_FMT("(null)", "%s", null);
	CHECK_FMT("[(null)]", "[%s]", null);
	CHECK_FMT("x", "%c", 'x');
	CHECK_FMT("a-b", "%c%c%c", 'a', '-', 'b');
	CHECK_FMT("say \"hi\" 3", "say \"%s\" %d", "hi", 3);

	/* %c of NUL emits a NUL and counts it. */
	char buf[8];
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	CHECK(buf[0] == 'a' && buf[1] == '\0' && buf[2] == 'b' && buf[3] == '\0');
}

TEST(width_and_flags)
{
	CHECK_FMT("   42", "%5d", 42);
	CHECK_FMT("42   |", "%-5d|", 42);
	CHECK_FMT("00042", "%05d", 42);
	CHECK_FMT("  -42", "%5d", -42);
	CHECK_FMT("-0042", "%05d", -42);
	CHECK_FMT("-42  |", "%-5d|", -42);
	CHECK_FMT("12345", "%3d", 12345);   /* narrower than the number */
	CHECK_FMT("-12345", "%06d", -12345); /* exactly wide enough */
	CHECK_FMT("-12345", "%03d", -12345);
	CHECK_FMT("0000beef", "%08x", 0xbeefu);
	CHECK_FMT("0000BEEF", "%08X", 0xbeefu);
	CHECK_FMT("beef    |", "%-8x|", 0xbeefu);
	CHECK_FMT("00000000deadbeef", "%016lx", 0xdeadbeeful);
	CHECK_FMT("0000000000000000", "%016lx", 0ul);
	CHECK_FMT("-0000000000000000001", "%020ld", -1l);
	CHECK_FMT("-9223372036854775808", "%020ld", LONG_MIN);
	CHECK_FMT("  18446744073709551615", "%22lu", ULONG_MAX);
	CHECK_FMT("       abc", "%10s", "abc");
	CHECK_FMT("abc       |", "%-10s|", "abc");
	CHECK_FMT("abcdef", "%3s", "abcdef");
	CHECK_FMT("  x", "%3c", 'x');
	CHECK_FMT("x  |", "%-3c|", 'x');
	CHECK_FMT("0", "%0d", 0);
	CHECK_FMT(" 0", "%2u", 0u);
	CHECK_FMT("   1|2   |00003", "%4d|%-4d|%05d", 1, 2, 3);
	char buf[64];
	/* '-' wins over '0', in either order (flags the compiler would warn about). */
	CHECK_EQ(raw_snprintf(buf, sizeof(buf), "%-05d|%0-5d|", 42, -42), 12);
	CHECK_STR(buf, "42   |-42  |");
	/* A width wider than any number buffer. */
	CHECK_EQ(raw_snprintf(buf, sizeof(buf), "%40d", 7), 40);
	CHECK_EQ(strspn(buf, " "), 39);
	CHECK_EQ(buf[39], '7');
}

TEST(unknown_and_incomplete_conversions)
{
	static const struct {
		const char *fmt, *want;
	} cases[] = {
		{"abc%", "abc"},     {"abc%-", "abc"}, {"abc%05", "abc"}, {"abc%l", "abc"},
		{"abc%lz", "abc"},   {"%q", "%q"},     {"x%yz", "x%yz"},  {"%5q", "%q"},
	};
	for (int i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		/* An exact-size heap copy: ASan catches any read past the terminating NUL. */
		size_t len = strlen(cases[i].fmt) + 1;
		char *fmt = malloc(len), buf[32];
		memcpy(fmt, cases[i].fmt, len);
		int n = raw_snprintf(buf, sizeof(buf), fmt);
		free(fmt);
		CHECKF(strcmp(buf, cases[i].want) == 0, "\"%s\" gave \"%s\", want \"%s\"", cases[i].fmt, buf,
		       cases[i].want);
		CHECKF(n == (int)strlen(cases[i].want), "\"%s\" returned %d", cases[i].fmt, n);
	}
}

TEST(truncation)
{
	char buf[32];

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(fmt_snprintf(buf, 5, "hello world"), 11); /* the full length */
	CHECK_STR(buf, "hell");
	CHECK_EQ(buf[5], 'Z'); /* nothing written past size */

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(fmt_snprintf(buf, 4, "%d", -123456), 7);
	CHECK_STR(buf, "-12");

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(fmt_snprintf(buf, 1, "abc%d", 5), 4);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(buf[1], 'Z');

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(fmt_snprintf(buf, 6, "%s", "hello"), 5); /* exact fit */
	CHECK_STR(buf, "hello");
	CHECK_EQ(buf[6], 'Z');
	CHECK_EQ(fmt_snprintf(buf, 5, "%s", "hello"), 5); /* one short */
	CHECK_STR(buf, "hell");

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(fmt_snprintf(buf, 8, "%20s|", "x"), 21); /* truncated inside the padding */
	CHECK_STR(buf, "       ");
	CHECK_EQ(buf[8], 'Z');

	/* On the heap with an exact size, so that ASan sees a write one past the end. */
	for (size_t size = 1; size <= 24; size++) {
		const char *want = "key=00abcdef;-7  !";
		char *h = malloc(size), copy[32];
		int n = fmt_snprintf(h, size, "%s=%08lx;%-4d!", "key", 0xabcdeful, -7);
		snprintf(copy, sizeof(copy), "%s", h);
		free(h);
		CHECKF(n == 18, "size %zu: returned %d", size, n);
		CHECKF(strlen(copy) == (size - 1 < 18 ? size - 1 : 18), "size %zu: strlen %zu", size, strlen(copy));
		CHECKF(strncmp(copy, want, size - 1) == 0, "size %zu: \"%s\"", size, copy);
	}
}

TEST(size_zero)
{
	char buf[4] = {'Z', 'Z', 'Z', 'Z'};

	CHECK_EQ(fmt_snprintf(buf, 0, "hello %d", 42), 8);
	CHECK(buf[0] == 'Z' && buf[3] == 'Z'); /* untouched */
	CHECK_EQ(fmt_snprintf(NULL, 0, "%s/%lu", "abc", ULONG_MAX), 24);
	CHECK_EQ(raw_snprintf(NULL, 0, ""), 0);
}

static void count_putc(void *ctx, char c)
{
	struct {
		int n;
		char s[64];
	} *k = ctx;
	if (k->n < (int)sizeof(k->s) - 1)
		k->s[k->n] = c;
	k->n++;
}

static int vformat_into(void *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vformat(count_putc, ctx, fmt, ap);
	va_end(ap);
	return n;
}

TEST(vformat_callback)
{
	struct {
		int n;
		char s[64];
	} k;
	memset(&k, 0, sizeof(k));
	int n = vformat_into(&k, "<%5s|%-3d|%x|%p|%%>", "ab", 7, 255u, (void *)0x20);
	CHECK_STR(k.s, "<   ab|7  |ff|0x20|%>");
	CHECK_EQ(n, k.n); /* the count is exactly the characters emitted */
	CHECK_EQ(n, (int)strlen("<   ab|7  |ff|0x20|%>"));
}

/* Differential test against the C library's snprintf for the conversions both define alike. */
TEST(random_vs_libc)
{
	static const char *const ifmt[] = {"%d", "%i", "%5d", "%-7d|", "%012d", "%1d", "%-1i|"};
	static const char *const ufmt[] = {"%u", "%x", "%X", "%08x", "%-9X|", "%10u", "%03u"};
	static const char *const lfmt[] = {"%ld", "%lli", "%020ld", "%-22ld|", "%zd", "%3ld"};
	static const char *const ulfmt[] = {"%lu", "%lx", "%llX", "%016lx", "%-18llx|", "%zu", "%zx", "%25lu"};
	static const char *const sfmt[] = {"%s", "%12s", "%-12s|", "%1s"};
	static const char *const words[] = {"", "a", "exo", "exokernel", "0123456789abcdefghij"};
	struct htest_rng r = {htest_seed(0xF0A7ull)};
	char want[128], got[128];

	for (int i = 0; i < 50000; i++) {
		uint64_t v = htest_rand(&r) >> htest_below(&r, 64); /* all magnitudes */
		const char *f;
		int nw, ng;
		switch (htest_below(&r, 6)) {
		case 0:
			f = ifmt[htest_below(&r, sizeof(ifmt) / sizeof(ifmt[0]))];
			nw = snprintf(want, sizeof(want), f, (int)v);
			ng = fmt_snprintf(got, sizeof(got), f, (int)v);
			break;
		case 1:
			f = ufmt[htest_below(&r, sizeof(ufmt) / sizeof(ufmt[0]))];
			nw = snprintf(want, sizeof(want), f, (unsigned)v);
			ng = fmt_snprintf(got, sizeof(got), f, (unsigned)v);
			break;
		case 2:
			f = lfmt[htest_below(&r, sizeof(lfmt) / sizeof(lfmt[0]))];
			nw = snprintf(want, sizeof(want), f, (long)v);
			ng = fmt_snprintf(got, sizeof(got), f, (long)v);
			break;
		case 3:
			f = ulfmt[htest_below(&r, sizeof(ulfmt) / sizeof(ulfmt[0]))];
			nw = snprintf(want, sizeof(want), f, (unsigned long)v);
			ng = fmt_snprintf(got, sizeof(got), f, (unsigned long)v);
			break;
		case 4:
			f = sfmt[htest_below(&r, sizeof(sfmt) / sizeof(sfmt[0]))];
			nw = snprintf(want, sizeof(want), f, words[v % 5]);
			ng = fmt_snprintf(got, sizeof(got), f, words[v % 5]);
			break;
		default: { /* truncation: a small buffer */
			size_t size = htest_below(&r, 12);
			f = "%d:%s:%lx";
			memset(want, 'Z', sizeof(want));
			memset(got, 'Z', sizeof(got));
			nw = snprintf(want, size, f, (int)v, words[v % 5], (unsigned long)v);
			ng = fmt_snprintf(got, size, f, (int)v, words[v % 5], (unsigned long)v);
			CHECKF(memcmp(want, got, sizeof(want)) == 0, "\"%s\" with size %zu: buffers differ", f, size);
			want[0] = got[0] = '\0';
			break;
		}
		}
		CHECKF(strcmp(want, got) == 0 && nw == ng, "\"%s\" of 0x%llx: got \"%s\" (%d), libc \"%s\" (%d)", f,
		       (unsigned long long)v, got, ng, want, nw);
	}
}
