/* Host tests for ELF64 validation (lib/elf.c): images are built in memory. */
#define HTEST_SUITE "host.elf"
#include "htest.h"

#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exo/memlayout.h>
#include <exo/elf.h>

#define PG 4096ull
/* The user window kern/env.c passes: everything below the first stack's guard page. */
#define UMIN USER_MIN
#define UMAX (EXO_BOOTSTACK_TOP - EXO_BOOTSTACK_PAGES * PAGE_SIZE - PAGE_SIZE)

/* ELF64 header and program header field offsets. */
#define E_TYPE 16
#define E_MACHINE 18
#define E_VERSION 20
#define E_ENTRY 24
#define E_PHOFF 32
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define PH(i) (64 + 56 * (size_t)(i))
#define P_TYPE 0
#define P_FLAGS 4
#define P_OFFSET 8
#define P_VADDR 16
#define P_FILESZ 32
#define P_MEMSZ 40

#define PT_LOAD 1
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551u
#define PF_X 1
#define PF_W 2
#define PF_R 4

#define IMG_CAP 0x8000

/* ---- a small ELF builder ---- */

struct seg_spec {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

static unsigned char img[IMG_CAP];
static size_t img_size;

static void put16(size_t off, uint64_t v)
{
	for (int i = 0; i < 2; i++)
		img[off + i] = (unsigned char)(v >> 8 * i);
}
static void put32(size_t off, uint64_t v)
{
	for (int i = 0; i < 4; i++)
		img[off + i] = (unsigned char)(v >> 8 * i);
}
static void put64(size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		img[off + i] = (unsigned char)(v >> 8 * i);
}

/* An ET_EXEC x86-64 image of `size` bytes: ehdr, phdrs right after it, and each segment's file bytes. */
static void build(const struct seg_spec *s, int n, uint64_t entry, size_t size)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\177ELF", 4);
	img[4] = 2; /* ELFCLASS64 */
	img[5] = 1; /* ELFDATA2LSB */
	img[6] = 1; /* EV_CURRENT */
	put16(E_TYPE, 2);
	put16(E_MACHINE, 62);
	put32(E_VERSION, 1);
	put64(E_ENTRY, entry);
	put64(E_PHOFF, 64);
	put16(52, 64); /* e_ehsize */
	put16(E_PHENTSIZE, 56);
	put16(E_PHNUM, (uint64_t)n);
	put16(58, 64); /* e_shentsize */
	for (int i = 0; i < n; i++) {
		put32(PH(i) + P_TYPE, s[i].type);
		put32(PH(i) + P_FLAGS, s[i].flags);
		put64(PH(i) + P_OFFSET, s[i].offset);
		put64(PH(i) + P_VADDR, s[i].vaddr);
		put64(PH(i) + 24, s[i].vaddr); /* p_paddr */
		put64(PH(i) + P_FILESZ, s[i].filesz);
		put64(PH(i) + P_MEMSZ, s[i].memsz);
		put64(PH(i) + 48, PG); /* p_align */
		for (uint64_t b = 0; b < s[i].filesz && s[i].offset + b < size && s[i].offset >= PH(n); b++)
			img[s[i].offset + b] = (unsigned char)(0x90 + i);
	}
	img_size = size;
}

/* The reference image: RX text and RW data (with bss), entry in the text. */
#define TEXT_OFF 0x1000ull
#define TEXT_VA 0x401000ull
#define TEXT_SZ 0x234ull
#define DATA_OFF 0x2000ull
#define DATA_VA 0x402000ull
#define DATA_FSZ 0x100ull
#define DATA_MSZ 0x3000ull
#define ENTRY (TEXT_VA + 0x10)
#define VALID_SIZE 0x2100ull

static const struct seg_spec valid_segs[2] = {
	{PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_VA, TEXT_SZ, TEXT_SZ},
	{PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_VA, DATA_FSZ, DATA_MSZ},
};

static void make_valid(void)
{
	build(valid_segs, 2, ENTRY, VALID_SIZE);
}

/* Run elf_plan on an exact-size heap copy, so that ASan sees any read past the image. */
static int plan_of(const unsigned char *src, size_t size, struct elf_plan *plan)
{
	unsigned char *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, src, size);
	memset(plan, 0xCC, sizeof(*plan));
	int r = elf_plan(size ? copy : copy + 1, size, UMIN, UMAX, plan);
	free(copy);
	return r;
}

static int run(void)
{
	struct elf_plan plan;
	return plan_of(img, img_size, &plan);
}

/* Start from the valid image, apply the mutation statements, expect `want`. */
#define EXPECT_PLAN(want, ...)                                                                          \
	do {                                                                                            \
		make_valid();                                                                           \
		__VA_ARGS__;                                                                            \
		int r_ = run();                                                                         \
		CHECKF(r_ == (want), "after { %s }: got %d (%s), want %d (%s)", #__VA_ARGS__, r_,        \
		       elf_strerror(r_), (want), elf_strerror(want));                                   \
	} while (0)

/* ---- the plan's invariants ---- */

static char why[200];

static __attribute__((format(printf, 2, 3))) const char *bad(int seg, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(why, sizeof(why), "segment %d: ", seg);
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - (size_t)n, fmt, ap);
	va_end(ap);
	return why;
}

/* NULL when plan is a sound plan for an image of `size` bytes, else what is wrong. */
static const char *plan_violation(const struct elf_plan *p, size_t size)
{
	int exec_entry = 0;

	if (p->nseg < 1 || p->nseg > ELF_MAX_SEGMENTS)
		return "segment count out of range";
	for (int i = 0; i < p->nseg; i++) {
		const struct elf_segment *s = &p->seg[i];
#define BAD(...) return bad(i, __VA_ARGS__)
		if (s->vaddr < UMIN || s->vaddr >= UMAX)
			BAD("vaddr 0x%llx outside user space", (unsigned long long)s->vaddr);
		if (s->memsz == 0 || s->memsz > UMAX - s->vaddr)
			BAD("memsz 0x%llx at 0x%llx leaves user space", (unsigned long long)s->memsz,
			    (unsigned long long)s->vaddr);
		if (s->offset > size || s->filesz > size - s->offset)
			BAD("file bytes [0x%llx, +0x%llx) beyond image of 0x%zx", (unsigned long long)s->offset,
			    (unsigned long long)s->filesz, size);
		if (s->filesz > s->memsz)
			BAD("filesz > memsz");
		if ((s->flags & ELF_SEG_W) && (s->flags & ELF_SEG_X))
			BAD("writable and executable");
		if (s->flags & ~7u)
			BAD("unknown flag bits 0x%x", s->flags);
		if ((s->vaddr - s->offset) % PG)
			BAD("vaddr and offset not congruent modulo the page size");
		for (int j = 0; j < i; j++) {
			const struct elf_segment *o = &p->seg[j];
			if (s->vaddr / PG <= (o->vaddr + o->memsz - 1) / PG &&
			    o->vaddr / PG <= (s->vaddr + s->memsz - 1) / PG)
				BAD("shares a page with segment %d", j);
		}
#undef BAD
		if ((s->flags & ELF_SEG_X) && p->entry >= s->vaddr && p->entry - s->vaddr < s->memsz)
			exec_entry = 1;
	}
	return exec_entry ? NULL : "entry not in an executable segment";
}

/* ---- valid images ---- */

TEST(valid_two_segments)
{
	struct elf_plan p;

	make_valid();
	CHECK_EQ(plan_of(img, img_size, &p), ELF_OK);
	CHECK_EQ(p.entry, ENTRY);
	CHECK_EQ(p.nseg, 2);
	CHECK_EQ(p.seg[0].vaddr, TEXT_VA);
	CHECK_EQ(p.seg[0].memsz, TEXT_SZ);
	CHECK_EQ(p.seg[0].offset, TEXT_OFF);
	CHECK_EQ(p.seg[0].filesz, TEXT_SZ);
	CHECK_EQ(p.seg[0].flags, ELF_SEG_R | ELF_SEG_X);
	CHECK_EQ(p.seg[1].vaddr, DATA_VA);
	CHECK_EQ(p.seg[1].memsz, DATA_MSZ);
	CHECK_EQ(p.seg[1].offset, DATA_OFF);
	CHECK_EQ(p.seg[1].filesz, DATA_FSZ);
	CHECK_EQ(p.seg[1].flags, ELF_SEG_R | ELF_SEG_W);
	const char *why = plan_violation(&p, img_size);
	CHECKF(!why, "%s", why);
}

TEST(valid_variants)
{
	/* Text at offset 0 covering the headers, as linkers lay it out. */
	static const struct seg_spec hdr_text[] = {
		{PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x800, 0x800},
		{PT_LOAD, PF_R, 0x1000, 0x401000, 0x10, 0x10},
	};
	build(hdr_text, 2, 0x400200, 0x1010);
	CHECK_EQ(run(), ELF_OK);

	/* text at the very bottom ... */
	EXPECT_PLAN(ELF_OK, put64(PH(0) + P_VADDR, UMIN), put64(E_ENTRY, UMIN));
	/* ... data ending exactly at the top of the window */
	EXPECT_PLAN(ELF_OK, put64(PH(1) + P_VADDR, UMAX - DATA_MSZ));
	/* entry on the text's first and last byte */
	EXPECT_PLAN(ELF_OK, put64(E_ENTRY, TEXT_VA));
	EXPECT_PLAN(ELF_OK, put64(E_ENTRY, TEXT_VA + TEXT_SZ - 1));
	/* unaligned vaddr congruent with its offset */
	EXPECT_PLAN(ELF_OK, put64(PH(0) + P_OFFSET, TEXT_OFF + 0x10), put64(PH(0) + P_VADDR, TEXT_VA + 0x10),
		    put64(PH(0) + P_FILESZ, TEXT_SZ - 0x10), put64(PH(0) + P_MEMSZ, TEXT_SZ - 0x10));
	/* segments in adjacent pages, and in reverse order */
	EXPECT_PLAN(ELF_OK, put64(PH(1) + P_VADDR, TEXT_VA - DATA_MSZ));
	/* bss only: no file bytes at all */
	EXPECT_PLAN(ELF_OK, put64(PH(1) + P_FILESZ, 0));
	/* unknown flag bits are dropped */
	EXPECT_PLAN(ELF_OK, put32(PH(1) + P_FLAGS, 0xFF000000u | PF_R | PF_W));
	/* an empty PT_LOAD is skipped, whatever its other fields */
	EXPECT_PLAN(ELF_OK, put64(PH(1) + P_MEMSZ, 0), put64(PH(1) + P_VADDR, 0), put64(PH(1) + P_OFFSET, ~0ull));
	/* other program headers are ignored, whatever their contents */
	EXPECT_PLAN(ELF_OK, put32(PH(1) + P_TYPE, PT_GNU_STACK), put32(PH(1) + P_FLAGS, 7),
		    put64(PH(1) + P_OFFSET, ~0ull), put64(PH(1) + P_FILESZ, ~0ull));

	struct elf_plan p;
	make_valid();
	put32(PH(1) + P_FLAGS, 0xFF000000u | PF_R | PF_W);
	CHECK_EQ(plan_of(img, img_size, &p), ELF_OK);
	CHECK_EQ(p.seg[1].flags, ELF_SEG_R | ELF_SEG_W);
	make_valid();
	put64(PH(1) + P_MEMSZ, 0);
	CHECK_EQ(plan_of(img, img_size, &p), ELF_OK);
	CHECK_EQ(p.nseg, 1);
}

/* ---- one mutation per error ---- */

TEST(err_short)
{
	EXPECT_PLAN(ELF_E_SHORT, img_size = 0);
	EXPECT_PLAN(ELF_E_SHORT, img_size = 1);
	EXPECT_PLAN(ELF_E_SHORT, img_size = 63);
	EXPECT_PLAN(ELF_E_PHDR, img_size = 64); /* a whole header, but no room for the table */
}

TEST(err_magic)
{
	for (int i = 0; i < 4; i++)
		EXPECT_PLAN(ELF_E_MAGIC, img[i] ^= 0x20);
	EXPECT_PLAN(ELF_E_MAGIC, img[4] = 1); /* ELFCLASS32 */
	EXPECT_PLAN(ELF_E_MAGIC, img[4] = 0);
	EXPECT_PLAN(ELF_E_MAGIC, img[4] = 3);
	EXPECT_PLAN(ELF_E_MAGIC, img[5] = 2); /* big-endian */
	EXPECT_PLAN(ELF_E_MAGIC, img[5] = 0);
	EXPECT_PLAN(ELF_E_MAGIC, img[6] = 0); /* EI_VERSION */
	EXPECT_PLAN(ELF_E_MAGIC, img[6] = 2);
}

TEST(err_type)
{
	EXPECT_PLAN(ELF_E_TYPE, put16(E_TYPE, 3)); /* ET_DYN */
	EXPECT_PLAN(ELF_E_TYPE, put16(E_TYPE, 1)); /* ET_REL */
	EXPECT_PLAN(ELF_E_TYPE, put16(E_TYPE, 4)); /* ET_CORE */
	EXPECT_PLAN(ELF_E_TYPE, put16(E_TYPE, 0x102));
	EXPECT_PLAN(ELF_E_TYPE, put16(E_MACHINE, 3));    /* EM_386 */
	EXPECT_PLAN(ELF_E_TYPE, put16(E_MACHINE, 0xB7)); /* EM_AARCH64 */
	EXPECT_PLAN(ELF_E_TYPE, put16(E_MACHINE, 62 + 0x100));
}

TEST(err_phdr)
{
	EXPECT_PLAN(ELF_E_PHDR, put16(E_PHENTSIZE, 64));
	EXPECT_PLAN(ELF_E_PHDR, put16(E_PHENTSIZE, 55));
	EXPECT_PLAN(ELF_E_PHDR, put16(E_PHENTSIZE, 0));
	EXPECT_PLAN(ELF_E_PHDR, put64(E_PHOFF, VALID_SIZE + 1));           /* beyond the image */
	EXPECT_PLAN(ELF_E_PHDR, put64(E_PHOFF, VALID_SIZE));               /* at its end */
	EXPECT_PLAN(ELF_E_PHDR, put64(E_PHOFF, VALID_SIZE - 2 * 56 + 1)); /* one byte too few */
	EXPECT_PLAN(ELF_E_PHDR, put64(E_PHOFF, ~0ull));
	EXPECT_PLAN(ELF_E_PHDR, put64(E_PHOFF, ~0ull - 55)); /* phoff + table wraps */
	EXPECT_PLAN(ELF_E_PHDR, put16(E_PHNUM, 0xFFFF));     /* more entries than the image holds */
	EXPECT_PLAN(ELF_E_PHDR, put16(E_PHNUM, (VALID_SIZE - 64) / 56 + 1));
	/* The table may end exactly at the end of the image. */
	EXPECT_PLAN(ELF_OK, memcpy(img + VALID_SIZE - 2 * 56, img + 64, 2 * 56),
		    put64(E_PHOFF, VALID_SIZE - 2 * 56), put64(PH(1) + P_FILESZ, DATA_FSZ - 2 * 56));
}

TEST(err_segment)
{
	/* filesz > memsz */
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(0) + P_MEMSZ, TEXT_SZ - 1));
	/* file bytes beyond the image */
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_FILESZ, DATA_FSZ + 1));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_OFFSET, VALID_SIZE + PG), put64(PH(1) + P_FILESZ, 0));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_OFFSET, ~0ull - 0xF)); /* offset + filesz wraps */
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_FILESZ, ~0ull), put64(PH(1) + P_MEMSZ, ~0ull));
	/* below user_min */
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(0) + P_VADDR, 0), put64(E_ENTRY, 0x10));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_VADDR, UMIN - PG));
	/* vaddr + memsz wraps or passes user_max */
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_VADDR, 0xFFFFFFFFFFFFF000ull));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_MEMSZ, ~0ull));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_MEMSZ, 0 - DATA_VA)); /* ends exactly at 2^64 */
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_VADDR, UMAX - DATA_MSZ + PG));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_VADDR, UMAX), put64(PH(1) + P_MEMSZ, 1),
		    put64(PH(1) + P_FILESZ, 0));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_VADDR, USER_TOP));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_VADDR, KERNEL_BASE));
	/* vaddr and offset not congruent modulo the page size */
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(0) + P_VADDR, TEXT_VA + 1));
	EXPECT_PLAN(ELF_E_SEGMENT, put64(PH(1) + P_OFFSET, DATA_OFF - 8));
}

TEST(err_wx)
{
	EXPECT_PLAN(ELF_E_WX, put32(PH(0) + P_FLAGS, PF_R | PF_W | PF_X));
	EXPECT_PLAN(ELF_E_WX, put32(PH(0) + P_FLAGS, PF_W | PF_X));
	EXPECT_PLAN(ELF_E_WX, put32(PH(1) + P_FLAGS, PF_R | PF_W | PF_X));
}

TEST(err_overlap)
{
	EXPECT_PLAN(ELF_E_OVERLAP, put64(PH(1) + P_VADDR, TEXT_VA)); /* same start */
	/* data in the second half of the text's page (offset kept congruent) */
	EXPECT_PLAN(ELF_E_OVERLAP, put64(PH(1) + P_OFFSET, TEXT_OFF + 0x800),
		    put64(PH(1) + P_VADDR, TEXT_VA + 0x800));
	/* data below the text, its last byte on the text's first page */
	EXPECT_PLAN(ELF_E_OVERLAP, put64(PH(1) + P_VADDR, TEXT_VA - DATA_MSZ + 1),
		    put64(PH(1) + P_OFFSET, DATA_OFF + 1 - PG));
	/* data starting on the text's page ... */
	EXPECT_PLAN(ELF_E_OVERLAP, put64(PH(1) + P_VADDR, TEXT_VA + 0xFF8), put64(PH(1) + P_OFFSET, 0xFF8));
	/* ... and one covering the text entirely */
	EXPECT_PLAN(ELF_E_OVERLAP, put64(PH(1) + P_VADDR, TEXT_VA - PG), put64(PH(1) + P_MEMSZ, 3 * PG));
	/* the same segment twice */
	EXPECT_PLAN(ELF_E_OVERLAP, memcpy(img + PH(1), img + PH(0), 56));
}

TEST(err_entry)
{
	EXPECT_PLAN(ELF_E_ENTRY, put64(E_ENTRY, DATA_VA));           /* in the data */
	EXPECT_PLAN(ELF_E_ENTRY, put64(E_ENTRY, TEXT_VA + TEXT_SZ)); /* one past the text */
	EXPECT_PLAN(ELF_E_ENTRY, put64(E_ENTRY, TEXT_VA - 1));
	EXPECT_PLAN(ELF_E_ENTRY, put64(E_ENTRY, 0));
	EXPECT_PLAN(ELF_E_ENTRY, put64(E_ENTRY, ~0ull));
	EXPECT_PLAN(ELF_E_ENTRY, put32(PH(0) + P_FLAGS, PF_R)); /* no executable segment at all */
}

/* n one-page loadable segments, the first RX with the entry; the others R. */
static void build_many(int n)
{
	struct seg_spec s[ELF_MAX_SEGMENTS + 4];
	for (int i = 0; i < n; i++)
		s[i] = (struct seg_spec){PT_LOAD, i ? PF_R : PF_R | PF_X, 0, 0x400000 + PG * (uint64_t)i, 0, PG};
	s[0].offset = 0x1000;
	s[0].vaddr = 0x400000;
	s[0].filesz = 0x10;
	build(s, n, 0x400000, 0x1010);
}

TEST(err_toomany)
{
	build_many(ELF_MAX_SEGMENTS);
	CHECK_EQ(run(), ELF_OK);
	build_many(ELF_MAX_SEGMENTS + 1);
	CHECK_EQ(run(), ELF_E_TOOMANY);
	build_many(ELF_MAX_SEGMENTS + 4);
	CHECK_EQ(run(), ELF_E_TOOMANY);
	/* Segments that are not loaded do not count. */
	build_many(ELF_MAX_SEGMENTS + 2);
	put32(PH(3) + P_TYPE, PT_NOTE);
	put64(PH(7) + P_MEMSZ, 0);
	CHECK_EQ(run(), ELF_OK);
}

TEST(err_empty)
{
	EXPECT_PLAN(ELF_E_EMPTY, put32(PH(0) + P_TYPE, PT_NOTE), put32(PH(1) + P_TYPE, PT_NOTE));
	EXPECT_PLAN(ELF_E_EMPTY, put16(E_PHNUM, 0));
	EXPECT_PLAN(ELF_E_EMPTY, put64(PH(0) + P_MEMSZ, 0), put64(PH(0) + P_FILESZ, 0),
		    put64(PH(1) + P_MEMSZ, 0), put64(PH(1) + P_FILESZ, 0));
}

TEST(strerror)
{
	for (int e = ELF_E_EMPTY; e <= ELF_OK; e++) {
		const char *m = elf_strerror(e);
		CHECKF(m && *m && strcmp(m, "unknown error") != 0, "elf_strerror(%d) = \"%s\"", e, m ? m : "");
		for (int f = ELF_E_EMPTY; f < e; f++)
			CHECKF(strcmp(m, elf_strerror(f)) != 0, "codes %d and %d share a message", e, f);
	}
	CHECK_STR(elf_strerror(ELF_E_EMPTY - 1), "unknown error");
	CHECK_STR(elf_strerror(1), "unknown error");
	CHECK_STR(elf_strerror(INT_MAX), "unknown error");
	CHECK_STR(elf_strerror(INT_MIN + 1), "unknown error");
}

/* elf_strerror takes any int; INT_MIN must not overflow. Run in a child: UBSan halts on error. */
TEST(strerror_int_min)
{
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		volatile int e = INT_MIN;
		const char *m = elf_strerror(e);
		_exit(m && strcmp(m, "unknown error") == 0 ? 0 : 3);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "elf_strerror(INT_MIN) failed in a child (status 0x%x): -err overflows int, see the UBSan "
	       "report on stderr",
	       status);
}

/* ---- fuzzing ---- */

static uint64_t interesting64(struct htest_rng *r, size_t size)
{
	const uint64_t v[] = {0, 1, 55, 56, 64, PG - 1, PG, size - 1, size, size + 1, UMIN - 1, UMIN, UMAX - 1,
			      UMAX, UMAX + 1, TEXT_VA, DATA_VA, 1ull << 47, 1ull << 63, ~0ull, ~0ull - PG + 1};
	return v[htest_below(r, sizeof(v) / sizeof(v[0]))] + (htest_below(r, 4) == 0 ? htest_below(r, 16) : 0);
}

TEST(fuzz_mutations)
{
	static const struct seg_spec three[] = {
		{PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x300, 0x300},
		{PT_LOAD, PF_R, 0x1000, 0x401000, 0x80, 0x80},
		{PT_LOAD, PF_R | PF_W, 0x1080, 0x403080, 0x80, 0x2000},
	};
	unsigned char base[2][IMG_CAP];
	size_t base_size[2];
	int base_ph[2];
	struct htest_rng r = {htest_seed(0xE1F5EEDull)};
	int accepted = 0;

	make_valid();
	memcpy(base[0], img, IMG_CAP);
	base_size[0] = img_size;
	base_ph[0] = 2;
	build(three, 3, 0x400100, 0x1100);
	memcpy(base[1], img, IMG_CAP);
	base_size[1] = img_size;
	base_ph[1] = 3;

	for (int iter = 0; iter < 20000; iter++) {
		int b = (int)htest_below(&r, 2);
		size_t size = base_size[b], hdr = PH(base_ph[b]);
		memcpy(img, base[b], size);
		int nmut = 1 + (int)htest_below(&r, 6);
		for (int m = 0; m < nmut; m++) {
			uint64_t kind = htest_below(&r, 10);
			if (kind < 6) { /* a random byte, mostly in the headers */
				size_t at = htest_below(&r, 4) ? htest_below(&r, hdr) : htest_below(&r, size);
				img[at] = (unsigned char)htest_rand(&r);
			} else if (kind < 9) { /* an interesting value in a 64-bit header field */
				size_t at = 24 + 8 * htest_below(&r, 2); /* e_entry or e_phoff */
				if (kind != 6) {
					size_t ph = PH(htest_below(&r, (uint64_t)base_ph[b]));
					at = ph + 8 * htest_below(&r, 7); /* type/flags, offset ... align */
				}
				uint64_t v = interesting64(&r, size);
				for (int i = 0; i < 8; i++)
					img[at + (size_t)i] = (unsigned char)(v >> 8 * i);
			} else { /* truncate */
				size = htest_below(&r, size + 1);
			}
		}
		struct elf_plan p;
		int rc = plan_of(img, size, &p);
		CHECKF(rc <= ELF_OK && rc >= ELF_E_EMPTY, "iteration %d: unknown result %d", iter, rc);
		if (rc == ELF_OK) {
			accepted++;
			const char *why = plan_violation(&p, size);
			CHECKF(!why, "iteration %d (image %d, size 0x%zx): accepted plan violates: %s", iter, b, size,
			       why);
		}
	}
	/* The mutations must leave some images valid, or the invariants were never exercised. */
	CHECKF(accepted > 100, "only %d of 20000 mutated images accepted", accepted);
	fprintf(stderr, "# %s.fuzz_mutations: %d of 20000 mutated images accepted\n", HTEST_SUITE, accepted);
}
