/*
 * libexo: the small runtime for programs that talk to the exo kernel
 * directly (the foundation's tests and demos, before ExOS and musl).
 * A program defines int main(int argc, char **argv); crt0 splits the boot
 * command line into argv and calls exit(main(...)).
 */
#ifndef EXO_LIB_H
#define EXO_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <exo/info.h>
#include <exo/kcall.h>
#include <exo/memlayout.h>
#include <exo/string.h>

/* The read-only kernel information page. */
#define exo_info ((const volatile struct exo_info *)EXO_INFO_VA)

/* TSC at this program's first instruction. */
extern uint64_t exo_first_tsc;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s);
__attribute__((noreturn)) void exit(int status);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Tests: print a check's result; count failures for test_finish. */
void check(int ok, const char *what);
__attribute__((noreturn)) void test_finish(void);

#endif
