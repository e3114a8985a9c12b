/*
 * htest: a tiny framework for the host unit tests (one tests/host/<name>.c per binary).
 *
 * Protocol (tools that run the tests rely on it):
 *  - every case prints exactly one line on stdout:
 *        PASS <id>
 *        FAIL <id>: <file>:<line>: <reason>
 *    where <id> is HTEST_SUITE "." <case name>, e.g. host.pmem.alloc_until_empty;
 *  - the program exits 0 iff no case failed;
 *  - anything else (seeds, notes) goes to stderr, each line starting with '#'.
 * A case that trips ASan/UBSan (errors are fatal) or runs longer than
 * HTEST_TIMEOUT seconds (default 120) prints its FAIL line and ends the
 * program with status 1; the sanitizer's report is on stderr.
 *
 * Use:
 *     #define HTEST_SUITE "host.pmem"
 *     #include "htest.h"
 *     TEST(alloc_until_empty) { CHECK(x > 0); CHECK_EQ(n, 3); }
 * main() is provided: `./test_pmem` runs every case in file order,
 * `./test_pmem WORD` only those whose id contains WORD.
 *
 * The CHECK macros `return` from the enclosing void function on failure, so
 * only the first failure of a case is reported. Helpers called from a case may
 * use them too; the case then says BAIL_IF_FAILED() after the call.
 * Randomized cases take their seed from htest_seed(), which prints it and lets
 * HTEST_SEED=<number> in the environment override it.
 */
#ifndef HTEST_H
#define HTEST_H

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HTEST_SUITE
#error "define HTEST_SUITE (e.g. \"host.pmem\") before including htest.h"
#endif

#define HTEST_MAX_CASES 256

struct htest_case {
	const char *name;
	int line;
	void (*fn)(void);
};

static struct htest_case htest_cases[HTEST_MAX_CASES];
static int htest_ncases;
static const char *htest_current;   /* name of the running case */
static char htest_reason[1024];     /* its first failure; empty while it passes */

static inline void htest_register(const char *name, int line, void (*fn)(void))
{
	if (htest_ncases == HTEST_MAX_CASES) {
		fprintf(stderr, "# htest: more than %d cases\n", HTEST_MAX_CASES);
		abort();
	}
	htest_cases[htest_ncases++] = (struct htest_case){name, line, fn};
}

/* Define and register a case; the body follows as a block. */
#define TEST(name)                                                                                      \
	static void htest_case_##name(void);                                                            \
	__attribute__((constructor)) static void htest_register_##name(void)                            \
	{                                                                                               \
		htest_register(#name, __LINE__, htest_case_##name);                                     \
	}                                                                                               \
	static void htest_case_##name(void)

/* Record a failure (only the first one of a case is kept). */
static inline __attribute__((format(printf, 3, 4))) void htest_fail(const char *file, int line,
								     const char *fmt, ...)
{
	if (htest_reason[0])
		return;
	int n = snprintf(htest_reason, sizeof(htest_reason), "%s:%d: ", file, line);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(htest_reason))
		vsnprintf(htest_reason + n, sizeof(htest_reason) - (size_t)n, fmt, ap);
	va_end(ap);
	for (char *p = htest_reason; *p; p++) /* the reason must stay on one line */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

#define HTEST_FAILED() (htest_reason[0] != '\0')
#define BAIL_IF_FAILED()                                                                                \
	do {                                                                                            \
		if (HTEST_FAILED())                                                                     \
			return;                                                                         \
	} while (0)

#define FAILF(...)                                                                                      \
	do {                                                                                            \
		htest_fail(__FILE__, __LINE__, __VA_ARGS__);                                            \
		return;                                                                                 \
	} while (0)

#define CHECK(cond)                                                                                     \
	do {                                                                                            \
		if (!(cond))                                                                            \
			FAILF("CHECK(%s)", #cond);                                                      \
	} while (0)

/* CHECK with a printf-style reason. */
#define CHECKF(cond, ...)                                                                               \
	do {                                                                                            \
		if (!(cond))                                                                            \
			FAILF(__VA_ARGS__);                                                             \
	} while (0)

/* Integer (or pointer) equality; both sides are compared as 64-bit values. */
#define CHECK_EQ(got, want)                                                                             \
	do {                                                                                            \
		unsigned long long got_ = (unsigned long long)(got);                                    \
		unsigned long long want_ = (unsigned long long)(want);                                  \
		if (got_ != want_)                                                                      \
			FAILF("%s == %s: got %lld (0x%llx), want %lld (0x%llx)", #got, #want,           \
			      (long long)got_, got_, (long long)want_, want_);                          \
	} while (0)

#define CHECK_STR(got, want)                                                                            \
	do {                                                                                            \
		const char *got_ = (got), *want_ = (want);                                              \
		if (!got_ || !want_ || strcmp(got_, want_) != 0)                                        \
			FAILF("%s == %s: got \"%s\", want \"%s\"", #got, #want, got_ ? got_ : "(NULL)", \
			      want_ ? want_ : "(NULL)");                                                \
	} while (0)

/* A small deterministic generator (splitmix64). */
struct htest_rng {
	uint64_t s;
};

static inline uint64_t htest_rand(struct htest_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform-enough value in [0, n); n > 0. */
static inline uint64_t htest_below(struct htest_rng *r, uint64_t n)
{
	return htest_rand(r) % n;
}

/* The seed for a randomized case: HTEST_SEED from the environment, else def. Printed on stderr. */
static inline uint64_t htest_seed(uint64_t def)
{
	const char *e = getenv("HTEST_SEED");
	uint64_t seed = e && *e ? strtoull(e, NULL, 0) : def;
	fprintf(stderr, "# %s.%s: seed 0x%llx\n", HTEST_SUITE, htest_current, (unsigned long long)seed);
	return seed;
}

/* Make UBSan errors fatal so that they cannot pass unnoticed. */
const char *__ubsan_default_options(void);
__attribute__((used)) const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:print_stacktrace=1";
}

/* When a case dies (sanitizer error) or hangs, still print its FAIL line. */
static char htest_id[256];
static pid_t htest_pid;

static void htest_die_line(const char *why)
{
	static volatile sig_atomic_t said; /* once: a sanitizer may die and then abort */
	if (getpid() != htest_pid || said) /* in a child a case forked, the case itself reports */
		return;
	said = 1;
	const char *parts[] = {"FAIL ", htest_id, why};
	for (int i = 0; i < 3; i++)
		if (write(1, parts[i], strlen(parts[i])) < 0)
			return;
}

static void htest_on_signal(int sig)
{
	htest_die_line(sig == SIGALRM ? ": timed out\n" : ": aborted (sanitizer error?), see stderr\n");
	_exit(1);
}

#if defined(__SANITIZE_ADDRESS__)
#define HTEST_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HTEST_SANITIZER 1
#endif
#endif
#ifdef HTEST_SANITIZER
void __sanitizer_set_death_callback(void (*callback)(void));
static void htest_on_death(void)
{
	htest_die_line(": sanitizer error, see its report on stderr\n");
}
#endif

static int htest_by_line(const void *a, const void *b)
{
	const struct htest_case *x = a, *y = b;
	return (x->line > y->line) - (x->line < y->line);
}

int main(int argc, char **argv)
{
	const char *t = getenv("HTEST_TIMEOUT");
	unsigned timeout = t && *t ? (unsigned)strtoul(t, NULL, 0) : 120;
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	htest_pid = getpid();
	signal(SIGALRM, htest_on_signal);
	signal(SIGABRT, htest_on_signal); /* UBSan errors end in abort() */
#ifdef HTEST_SANITIZER
	__sanitizer_set_death_callback(htest_on_death);
#endif
	qsort(htest_cases, (size_t)htest_ncases, sizeof(htest_cases[0]), htest_by_line);
	for (int i = 0; i < htest_ncases; i++) {
		snprintf(htest_id, sizeof(htest_id), "%s.%s", HTEST_SUITE, htest_cases[i].name);
		if (argc > 1 && !strstr(htest_id, argv[1]))
			continue;
		htest_current = htest_cases[i].name;
		htest_reason[0] = '\0';
		alarm(timeout);
		htest_cases[i].fn();
		alarm(0);
		if (HTEST_FAILED()) {
			printf("FAIL %s: %s\n", htest_id, htest_reason);
			failed++;
		} else {
			printf("PASS %s\n", htest_id);
		}
	}
	fflush(stdout);
	return failed ? 1 : 0;
}

#endif
