/*
 * An ordinary C program, built for exo unchanged by tools/exo-cc against
 * exo's musl and ExOS: stdio, malloc, string functions, snprintf with %f,
 * qsort, strtod, setjmp/longjmp, time and clock_gettime, and an exit status. It checks its own results and ends with one summary
 * line; with an argument N it exits with status N (after the checks pass).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;
static jmp_buf env;

static int by_value(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void jump_back(int v) { longjmp(env, v); }

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAILED: %s\n", what);
		failures++;
	}
}

int main(int argc, char **argv)
{
	printf("hello from musl on exo: %s, argc %d\n", argv[0], argc);

	check(strlen("exokernel") == 9, "strlen");

	char buf[64];
	int n = snprintf(buf, sizeof buf, "%f %.3f %e", 3.14159265358979, 2.0 / 3.0, 12345.678);
	check(n == (int)strlen(buf) && strcmp(buf, "3.141593 0.667 1.234568e+04") == 0, "snprintf %f %.3f %e");

	/* Many small blocks (brk-backed metadata, mmap-backed groups) and one large one (its own mmap). */
	char *small[200];
	for (int i = 0; i < 200; i++) {
		small[i] = malloc(16 + (size_t)i);
		check(small[i] != NULL, "malloc small");
		if (small[i])
			snprintf(small[i], 16, "block %d", i);
	}
	check(small[199] && strcmp(small[199], "block 199") == 0, "small blocks keep their contents");
	for (int i = 0; i < 200; i += 2)
		free(small[i]);
	size_t big_len = 1 << 20;
	unsigned char *big = malloc(big_len);
	check(big != NULL, "malloc 1 MiB");
	if (big) {
		memset(big, 0xA5, big_len);
		check(big[0] == 0xA5 && big[big_len - 1] == 0xA5, "1 MiB block writable");
		free(big);
	}
	for (int i = 1; i < 200; i += 2)
		free(small[i]);

	int v[] = {42, -7, 19, 0, 3, 3, 100, -50};
	qsort(v, sizeof(v) / sizeof(v[0]), sizeof(v[0]), by_value);
	int sorted = 1;
	for (size_t i = 1; i < sizeof(v) / sizeof(v[0]); i++)
		sorted &= v[i - 1] <= v[i];
	check(sorted && v[0] == -50 && v[7] == 100, "qsort");
	char *end;
	double d = strtod("  -1.25e3xyz", &end);
	check(d == -1250.0 && strcmp(end, "xyz") == 0, "strtod");
	volatile int jumped = 0;
	int got = setjmp(env);
	if (got == 0) {
		jumped = 1;
		jump_back(7);
	}
	check(got == 7 && jumped == 1, "setjmp/longjmp");
	struct timespec t0, t1;
	time_t now = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (volatile int i = 0; i < 100000; i++)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	check(now != (time_t)-1 && (t1.tv_sec > t0.tv_sec || (t1.tv_sec == t0.tv_sec && t1.tv_nsec > t0.tv_nsec)),
	      "time and clock_gettime move forward");

	puts("puts: ok");
	printf("musl hello: %s (pi %s, strlen %zu)\n", failures ? "FAIL" : "PASS", buf, strlen(buf));
	if (failures)
		return 1;
	return argc > 1 ? atoi(argv[1]) : 0;
}
