/*
 * ExOS virtual memory through the Linux calls, normal and error paths:
 * demand-zero pages (a mapping costs no memory until touched), munmap gives
 * pages back, mprotect keeps contents, MAP_FIXED and MAP_FIXED_NOREPLACE,
 * mremap (shrink, grow in place, move without copying), brk, a stack that
 * grows, and the errors Linux gives. Memory use is read from the kernel's
 * exposed count of pages charged to this environment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <exo/lib.h>

#include "expect.h"

static long usage(void) { return (long)EXO_ENV_INFO->usage; }

static void *map(void *addr, size_t len, int prot, int flags)
{
	return mmap(addr, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

static void test_demand_zero(void)
{
	long u0 = usage();
	size_t len = 64 << 20; /* 64 MiB: far more than could be given eagerly */
	unsigned char *p = map(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	expect(p != MAP_FAILED, "mmap 64 MiB");
	expect(usage() - u0 < 4, "a mapping costs nothing until touched");
	long u1 = usage();
	for (int i = 0; i < 10; i++)
		p[(size_t)i * (len / 10)] = (unsigned char)(i + 1);
	long used = usage() - u1;
	expect(used >= 10 && used <= 32, "ten touches cost ten pages (and a few page tables)");
	expect(p[len / 10 + 1] == 0 && p[len - 1] == 0, "untouched bytes read as zero");
	expect(p[len / 10] == 2, "a written byte stays");
	long u2 = usage();
	expect(munmap(p, len) == 0, "munmap");
	expect(u2 - usage() >= 10, "munmap gave the pages back (the page tables stay, as the kernel keeps them)");
}

static void test_protect(void)
{
	char *p = map(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	strcpy(p + 4096, "kept");
	expect(mprotect(p + 4096, 4096, PROT_NONE) == 0, "mprotect the middle page PROT_NONE");
	expect(mprotect(p + 4096, 4096, PROT_READ) == 0, "and back to read-only");
	expect(strcmp(p + 4096, "kept") == 0, "contents survive PROT_NONE");
	expect(mprotect(p, 3 * 4096, PROT_READ | PROT_WRITE) == 0, "whole range read-write again");
	p[4096] = 'K';
	expect(p[4096] == 'K' && p[0] == 0, "writable again");
	expect(mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) == -1 && errno == EACCES, "W+X: EACCES");
	/* musl's mprotect() rounds the start down itself: ask ExOS directly. */
	expect(syscall(SYS_mprotect, p + 1, 4096, PROT_READ) == -1 && errno == EINVAL, "unaligned mprotect: EINVAL");
	expect(mprotect(p, 4096, 0x80) == -1 && errno == EINVAL, "unknown prot bits: EINVAL");
	munmap(p + 4096, 4096);
	expect(mprotect(p, 3 * 4096, PROT_READ) == -1 && errno == ENOMEM, "mprotect over a hole: ENOMEM");
	munmap(p, 3 * 4096);
}

static void test_fixed(void)
{
	char *p = map(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	memset(p, 'a', 4 * 4096);
	char *q = map(p + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED);
	expect(q == p + 4096 && q[0] == 0 && p[0] == 'a' && p[2 * 4096] == 'a', "MAP_FIXED replaces one page");
	expect(map(p, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE) == MAP_FAILED && errno == EEXIST,
	      "MAP_FIXED_NOREPLACE over a mapping: EEXIST");
	expect(map(p + 1, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED) == MAP_FAILED && errno == EINVAL,
	      "unaligned MAP_FIXED: EINVAL");
	expect(map((void *)0x7F0000000000UL, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED) == MAP_FAILED && errno == ENOMEM,
	      "MAP_FIXED outside the program's part of the address space: ENOMEM");
	munmap(p, 4 * 4096);
}

static void test_errors(void)
{
	expect(map(NULL, 0, PROT_READ, MAP_PRIVATE) == MAP_FAILED && errno == EINVAL, "length 0: EINVAL");
	expect(map(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE) == MAP_FAILED && errno == EACCES,
	      "W+X: EACCES (exo maps nothing writable and executable)");
	expect(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED && errno == EBADF, "no file: EBADF");
	expect(map(NULL, 4096, PROT_READ, 0) == MAP_FAILED && errno == EINVAL, "neither private nor shared: EINVAL");
	expect(map(NULL, 1UL << 47, PROT_READ, MAP_PRIVATE) == MAP_FAILED && errno == ENOMEM, "128 TiB: ENOMEM");
	expect(munmap((void *)0x10001, 4096) == -1 && errno == EINVAL, "unaligned munmap: EINVAL");
	expect(munmap((void *)0x10000000000UL, 0) == -1 && errno == EINVAL, "munmap of 0 bytes: EINVAL");
	expect(munmap((void *)0x10000000000UL, 4096) == 0, "munmap of nothing mapped: 0");
}

static void test_mremap(void)
{
	char *p = map(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	for (int i = 0; i < 8; i++)
		p[i * 4096] = (char)('A' + i);
	expect(mremap(p, 8 * 4096, 4 * 4096, 0) == p, "shrink in place");
	char *q = mremap(p, 4 * 4096, 6 * 4096, 0);
	expect(q == p && p[3 * 4096] == 'D' && p[5 * 4096] == 0, "grow in place: old pages kept, new ones zero");
	char *blocker = map(p + 6 * 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED);
	expect(blocker == p + 6 * 4096, "a mapping right after it");
	expect(mremap(p, 6 * 4096, 16 * 4096, 0) == MAP_FAILED && errno == ENOMEM, "cannot grow in place: ENOMEM");
	long u0 = usage();
	char *m = mremap(p, 6 * 4096, 16 * 4096, MREMAP_MAYMOVE);
	expect(m != MAP_FAILED && m != p, "MREMAP_MAYMOVE moves it");
	expect(m[0] == 'A' && m[2 * 4096] == 'C' && m[15 * 4096] == 0, "moved pages keep their contents");
	expect(usage() - u0 < 4, "moving rebinds the pages: no copies");
	expect(mremap(p, 4096, 4096, 0) == MAP_FAILED && errno == EFAULT, "the old place is unmapped: EFAULT");
	expect(mremap(m, 4096, 4096, 0x40) == MAP_FAILED && errno == EINVAL, "unknown flags: EINVAL");
	munmap(m, 16 * 4096);
	munmap(blocker, 4096);
}

static void test_shared(void)
{
	long u0 = usage();
	char *s = map(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED);
	expect(s != MAP_FAILED && usage() - u0 >= 4, "MAP_SHARED pages exist from the start");
	strcpy(s, "shared");
	expect(strcmp(s, "shared") == 0, "shared mapping writable");
	munmap(s, 4 * 4096);
}

/* musl's brk() and sbrk(n != 0) refuse to move the break; malloc and other libraries call SYS_brk themselves. */
static char *brk_to(char *addr) { return (char *)syscall(SYS_brk, addr); }

static void test_brk(void)
{
	char *b0 = brk_to(0);
	expect(brk_to(b0 + 3 * 4096) == b0 + 3 * 4096, "brk grows");
	memset(b0, 'x', 3 * 4096);
	expect(brk_to(b0 + 4096) == b0 + 4096, "brk shrinks");
	expect(brk_to(b0 + 2 * 4096) == b0 + 2 * 4096 && b0[4096] == 0 && b0[0] == 'x',
	       "memory given back returns zeroed; the rest stays");
	expect(brk_to(b0 + (2UL << 30)) == b0 + 2 * 4096, "a break beyond the limit is refused (break unchanged)");
	brk_to(b0);
}

static int deep(int n)
{
	volatile char pad[4000];
	pad[0] = (char)n;
	return n == 0 ? pad[0] : deep(n - 1) + pad[0] - (char)n;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_demand_zero();
	test_protect();
	test_fixed();
	test_errors();
	test_mremap();
	test_shared();
	test_brk();
	long u0 = usage();
	expect(deep(512) == 0, "recursion 2 MiB deep: the stack grows");
	expect(usage() - u0 >= 400, "the stack got its pages on demand");
	printf(failures ? "vm: FAIL (%d)\n" : "vm: PASS\n", failures);
	return failures != 0;
}
