/*
 * Host tests for the Multiboot v1/v2 information parser (kern/bootinfo.c).
 * The structures are built in a staging area that stands for physical memory
 * (physical address = offset); each parse runs on an exact-size heap copy, so
 * a read past the "memory" is a NULL from the phys function, and any byte read
 * past what the phys function granted is an ASan error.
 *
 * Layouts follow the Multiboot specification 0.6.96 (v1) and 2.0 (v2).
 */
#define HTEST_SUITE "host.bootinfo"
#include "htest.h"

#include "bootinfo.h"

#define MEM_CAP 0x10000

static unsigned char stage[MEM_CAP];
static struct bootinfo bi;

struct mem {
	const unsigned char *base;
	uint64_t size;
	/* Multiboot2: every structure read (len > 1; strings are read bytewise) must lie in [win_lo, win_hi). */
	uint64_t win_lo, win_hi;
	uint64_t stray;
};

static const void *phys(void *ctx, uint64_t pa, uint64_t len)
{
	struct mem *m = ctx;
	if (m->win_hi && len > 1 && (pa < m->win_lo || pa > m->win_hi || len > m->win_hi - pa))
		m->stray++;
	if (pa > m->size || len > m->size - pa)
		return NULL;
	return m->base + pa;
}

static uint64_t last_stray; /* structure reads outside total_size in the last v2 parse */

/* Parse the first `size` bytes of the staging area as physical memory. */
static int parse_sized(uint32_t magic, uint64_t info_pa, size_t size)
{
	unsigned char *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, stage, size);
	struct mem m = {copy, size, 0, 0, 0};
	if (magic == MB2_BOOT_MAGIC && info_pa <= size && size - info_pa >= 8) {
		uint64_t total = stage[info_pa] | stage[info_pa + 1] << 8 | stage[info_pa + 2] << 16 |
				 (uint64_t)stage[info_pa + 3] << 24;
		m.win_lo = info_pa;
		m.win_hi = info_pa + (total < 8 ? 8 : total);
	}
	memset(&bi, 0x5A, sizeof(bi)); /* bootinfo_parse must clear everything */
	int r = bootinfo_parse(&bi, magic, info_pa, phys, &m);
	free(copy);
	last_stray = m.stray;
	return r;
}

static void w32(uint64_t pa, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		stage[pa + (uint64_t)i] = (unsigned char)(v >> 8 * i);
}
static void w64(uint64_t pa, uint64_t v)
{
	w32(pa, (uint32_t)v);
	w32(pa + 4, (uint32_t)(v >> 32));
}
static void wstr(uint64_t pa, const char *s)
{
	memcpy(stage + pa, s, strlen(s) + 1);
}

static void reset_stage(void)
{
	memset(stage, 0xEE, sizeof(stage)); /* garbage everywhere the structures do not say otherwise */
}

static int has_ram(uint64_t start, uint64_t end)
{
	for (int i = 0; i < bi.nram; i++)
		if (bi.ram[i].start == start && bi.ram[i].end == end)
			return 1;
	return 0;
}

/* ---------------- Multiboot v1 ---------------- */

/* struct multiboot_info field offsets */
#define MB1_FLAGS 0
#define MB1_MEM_LOWER 4
#define MB1_MEM_UPPER 8
#define MB1_CMDLINE 16
#define MB1_MODS_COUNT 20
#define MB1_MODS_ADDR 24
#define MB1_MMAP_LENGTH 44
#define MB1_MMAP_ADDR 48
#define MB1_INFO_SIZE 116 /* up to and including the framebuffer fields */

#define F_MEM 0x001
#define F_CMDLINE 0x004
#define F_MODS 0x008
#define F_MMAP 0x040

#define INFO1 0x100ull
#define CMD1 0x200ull
#define MODS1 0x400ull
#define MODSTR1 0x600ull
#define MMAP1 0x1000ull

static void mb1_info(uint32_t flags)
{
	memset(stage + INFO1, 0, MB1_INFO_SIZE);
	w32(INFO1 + MB1_FLAGS, flags);
}

/* One memory map entry: its `size` field (bytes after itself) then base, length, type. */
static uint64_t mb1_mmap_entry(uint64_t pa, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
	w32(pa, size);
	w64(pa + 4, base);
	w64(pa + 12, len);
	w32(pa + 20, type);
	return pa + 4 + size;
}

static void mb1_module(int i, uint32_t start, uint32_t end, uint32_t str_pa, const char *str)
{
	uint64_t e = MODS1 + 16 * (uint64_t)i;
	w32(e, start);
	w32(e + 4, end);
	w32(e + 8, str_pa);
	w32(e + 12, 0);
	if (str)
		wstr(str_pa, str);
}

/* A full v1 structure: memory map with RAM and other entries, command line, two modules. */
static void mb1_full(void)
{
	reset_stage();
	mb1_info(F_MEM | F_CMDLINE | F_MODS | F_MMAP);
	w32(INFO1 + MB1_MEM_LOWER, 639);
	w32(INFO1 + MB1_MEM_UPPER, 0x1234); /* ignored: the map wins */
	w32(INFO1 + MB1_CMDLINE, CMD1);
	wstr(CMD1, "/boot/exo console=com1 verbose");
	w32(INFO1 + MB1_MODS_COUNT, 2);
	w32(INFO1 + MB1_MODS_ADDR, MODS1);
	mb1_module(0, 0x200000, 0x212345, MODSTR1, "init --root");
	mb1_module(1, 0x300000, 0x300000, MODSTR1 + 0x40, "");

	uint64_t e = MMAP1;
	e = mb1_mmap_entry(e, 20, 0, 0x9FC00, 1);
	e = mb1_mmap_entry(e, 20, 0x9FC00, 0x400, 2);
	e = mb1_mmap_entry(e, 20, 0xF0000, 0x10000, 2);
	e = mb1_mmap_entry(e, 24, 0x100000, 0x7EE0000, 1); /* a longer entry: the next is 28 bytes on */
	e = mb1_mmap_entry(e, 20, 0x7FE0000, 0x10000, 3);  /* ACPI reclaimable */
	e = mb1_mmap_entry(e, 20, 0x7FF0000, 0x10000, 4);  /* ACPI NVS */
	e = mb1_mmap_entry(e, 20, 0xFFFC0000, 0x40000, 2);
	e = mb1_mmap_entry(e, 20, 0x100000000ull, 0x40000000, 1);
	e = mb1_mmap_entry(e, 20, 0x140000000ull, 0x1000, 5); /* bad RAM */
	w32(INFO1 + MB1_MMAP_LENGTH, (uint32_t)(e - MMAP1));
	w32(INFO1 + MB1_MMAP_ADDR, MMAP1);
}

#define MB1_FULL_END (MMAP1 + 9 * 24 + 4)

TEST(mb1_mmap_cmdline_modules)
{
	mb1_full();
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, MB1_FULL_END), 0);
	CHECK_EQ(bi.protocol, 1);
	CHECK_EQ(bi.info_pa, INFO1);
	CHECK(bi.info_size >= MB1_MMAP_ADDR + 4 && bi.info_size <= MB1_INFO_SIZE);
	CHECK_STR(bi.cmdline, "/boot/exo console=com1 verbose");
	CHECK_EQ(bi.nram, 3); /* only type 1 entries */
	CHECK_EQ(bi.ram[0].start, 0);
	CHECK_EQ(bi.ram[0].end, 0x9FC00);
	CHECK_EQ(bi.ram[1].start, 0x100000);
	CHECK_EQ(bi.ram[1].end, 0x7FE0000);
	CHECK_EQ(bi.ram[2].start, 0x100000000ull);
	CHECK_EQ(bi.ram[2].end, 0x140000000ull);
	CHECK_EQ(bi.nmod, 2);
	CHECK_EQ(bi.mod[0].start, 0x200000);
	CHECK_EQ(bi.mod[0].end, 0x212345);
	CHECK_STR(bi.mod[0].cmdline, "init --root");
	CHECK_EQ(bi.mod[1].start, 0x300000);
	CHECK_EQ(bi.mod[1].end, 0x300000);
	CHECK_STR(bi.mod[1].cmdline, "");
	CHECK_EQ(bi.rsdp_pa, 0);
	CHECK_EQ(bi.truncated, 0);
}

TEST(mb1_mem_lower_upper_only)
{
	reset_stage();
	mb1_info(F_MEM);
	w32(INFO1 + MB1_MEM_LOWER, 639);
	w32(INFO1 + MB1_MEM_UPPER, 0x3FC00); /* KiB above 1 MiB */
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, 0x1000), 0);
	CHECK_EQ(bi.protocol, 1);
	CHECK_EQ(bi.nram, 2);
	CHECK_EQ(bi.ram[0].start, 0);
	CHECK_EQ(bi.ram[0].end, 639 * 1024);
	CHECK_EQ(bi.ram[1].start, 0x100000);
	CHECK_EQ(bi.ram[1].end, 0x100000 + 0x3FC00ull * 1024);
	CHECK_EQ(bi.nmod, 0);
	CHECK_STR(bi.cmdline, "");
	CHECK_EQ(bi.truncated, 0);
}

TEST(mb1_fields_without_their_flag_are_ignored)
{
	reset_stage();
	mb1_info(F_MEM);
	w32(INFO1 + MB1_MEM_UPPER, 1024);
	w32(INFO1 + MB1_CMDLINE, 0xFFFFFFF0u); /* garbage pointers: their flags are clear */
	w32(INFO1 + MB1_MODS_COUNT, 0xFFFFFFFFu);
	w32(INFO1 + MB1_MODS_ADDR, 0xFFFFFFF0u);
	w32(INFO1 + MB1_MMAP_LENGTH, 0xFFFFFFFFu);
	w32(INFO1 + MB1_MMAP_ADDR, 0xFFFFFFF0u);
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, 0x1000), 0);
	CHECK_EQ(bi.nram, 1); /* mem_lower 0 adds nothing */
	CHECK_EQ(bi.ram[0].end, 0x100000 + 1024 * 1024);
	CHECK_EQ(bi.nmod, 0);
	CHECK_STR(bi.cmdline, "");
}

TEST(mb1_no_memory_information)
{
	mb1_full();
	w32(INFO1 + MB1_FLAGS, F_CMDLINE | F_MODS);
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, MB1_FULL_END), -1);
}

TEST(mb1_long_strings_truncated)
{
	char s[400];
	mb1_full();
	memset(s, 'c', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	wstr(CMD1, s);
	s[0] = 'm';
	wstr(MODSTR1 + 0x40, s); /* module 1's string, also 399 bytes */
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, MB1_FULL_END), 0);
	CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	CHECK(strncmp(bi.cmdline, s + 1, BOOT_CMDLINE_MAX - 2) == 0);
	CHECK_EQ(strlen(bi.mod[1].cmdline), BOOT_CMDLINE_MAX - 1);
	CHECK_EQ(bi.mod[1].cmdline[0], 'm');
	CHECK_STR(bi.mod[0].cmdline, "init --root");
}

TEST(mb1_more_modules_than_kept)
{
	const int n = BOOT_MAX_MODULES + 4;
	char name[16];
	mb1_full();
	w32(INFO1 + MB1_MODS_COUNT, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "mod%d", i);
		mb1_module(i, 0x200000u + 0x10000u * (uint32_t)i, 0x200100u + 0x10000u * (uint32_t)i,
			   (uint32_t)(MODSTR1 + 16 * (uint64_t)i), name);
	}
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, MB1_FULL_END), 0);
	CHECK_EQ(bi.nmod, BOOT_MAX_MODULES);
	CHECK_EQ(bi.truncated, 1);
	for (int i = 0; i < BOOT_MAX_MODULES; i++) {
		snprintf(name, sizeof(name), "mod%d", i);
		CHECK_EQ(bi.mod[i].start, 0x200000u + 0x10000u * (uint32_t)i);
		CHECK_EQ(bi.mod[i].end, 0x200100u + 0x10000u * (uint32_t)i);
		CHECK_STR(bi.mod[i].cmdline, name);
	}
	CHECK_EQ(bi.nram, 3);
}

TEST(mb1_more_ram_ranges_than_kept)
{
	const int n = BOOT_MAX_RANGES + 6;
	mb1_full();
	uint64_t e = MMAP1;
	for (int i = 0; i < n; i++)
		e = mb1_mmap_entry(e, 20, 0x100000ull * (uint64_t)(i + 1), 0x80000, 1);
	w32(INFO1 + MB1_MMAP_LENGTH, (uint32_t)(e - MMAP1));
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, e), 0);
	CHECK_EQ(bi.nram, BOOT_MAX_RANGES);
	CHECK_EQ(bi.truncated, 1);
	CHECK_EQ(bi.ram[BOOT_MAX_RANGES - 1].start, 0x100000ull * BOOT_MAX_RANGES);
}

TEST(mb1_empty_and_wrapping_ranges_skipped)
{
	mb1_full();
	uint64_t e = MMAP1;
	e = mb1_mmap_entry(e, 20, 0x100000, 0, 1);                      /* empty */
	e = mb1_mmap_entry(e, 20, 0xFFFFFFFFFFFFF000ull, 0x2000, 1);    /* wraps past 2^64 */
	e = mb1_mmap_entry(e, 20, 0x200000, 0x100000, 1);
	w32(INFO1 + MB1_MMAP_LENGTH, (uint32_t)(e - MMAP1));
	mb1_module(1, 0x300000, 0x2FFFFF, MODSTR1 + 0x40, "backwards"); /* end before start */
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, MB1_FULL_END), 0);
	CHECK_EQ(bi.nram, 1);
	CHECK(has_ram(0x200000, 0x300000));
	CHECK_EQ(bi.nmod, 1);
	CHECK_EQ(bi.truncated, 0);
}

TEST(mb1_trailing_partial_mmap_entry_ignored)
{
	mb1_full();
	/* mmap_length cuts the last entry short, before its type: it is not used. */
	w32(INFO1 + MB1_MMAP_LENGTH, 8 * 24 + 4 + 20);
	w32(MMAP1 + 8 * 24 + 4 + 20, 1); /* the type, past mmap_length, says RAM */
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, MB1_FULL_END), 0);
	CHECK_EQ(bi.nram, 3);
}

TEST(mb1_malformed)
{
	static const struct {
		const char *what;
		int n;
	} cases[] = {
		{"info structure runs off memory", 0},
		{"info address near 2^64", 1},
		{"mmap entry size < 20", 2},
		{"mmap entry size 0", 3},
		{"mmap runs off memory", 4},
		{"mmap address beyond memory", 5},
		{"cmdline runs off memory", 6},
		{"cmdline pointer beyond memory", 7},
		{"module string runs off memory", 8},
		{"module table runs off memory", 9},
		{"huge module count", 10},
		{"module string pointer beyond memory", 11},
	};

	for (int c = 0; c < (int)(sizeof(cases) / sizeof(cases[0])); c++) {
		uint64_t info = INFO1, size = MB1_FULL_END;
		mb1_full();
		switch (c) {
		case 0: /* the structure is the last thing in memory, cut short */
			memcpy(stage + 0x2000, stage + INFO1, 64);
			info = 0x2000;
			size = 0x2000 + 64;
			break;
		case 1:
			info = UINT64_MAX - 15;
			break;
		case 2:
			w32(MMAP1 + 24, 19);
			break;
		case 3:
			w32(MMAP1, 0);
			break;
		case 4:
			size = MB1_FULL_END - 1;
			break;
		case 5:
			w32(INFO1 + MB1_MMAP_ADDR, 0xFFFFFF00u);
			break;
		case 6: /* no NUL before the end of memory */
			size = MB1_FULL_END + 8;
			memset(stage + MB1_FULL_END, 'x', 8);
			w32(INFO1 + MB1_CMDLINE, (uint32_t)MB1_FULL_END);
			break;
		case 7:
			w32(INFO1 + MB1_CMDLINE, 0xFFFFFFFFu);
			break;
		case 8:
			size = MB1_FULL_END + 8;
			memset(stage + MB1_FULL_END, 'x', 8);
			w32(MODS1 + 16 + 8, (uint32_t)MB1_FULL_END);
			break;
		case 9: /* the second entry is half outside memory */
			memcpy(stage + MB1_FULL_END, stage + MODS1, 24);
			size = MB1_FULL_END + 24;
			w32(INFO1 + MB1_MODS_ADDR, (uint32_t)MB1_FULL_END);
			break;
		case 10:
			w32(INFO1 + MB1_MODS_COUNT, 0xFFFFFFFFu);
			break;
		case 11:
			w32(MODS1 + 8, 0xFFFFFFFFu);
			break;
		}
		int r = parse_sized(MB1_BOOT_MAGIC, info, size);
		CHECKF(r == -1, "%s: bootinfo_parse returned %d, want -1", cases[c].what, r);
	}
}

/* ---------------- Multiboot v2 ---------------- */

#define INFO2 0x1000ull

#define T_END 0
#define T_CMDLINE 1
#define T_LOADER 2
#define T_MODULE 3
#define T_MEMINFO 4
#define T_MMAP 6
#define T_ACPI_OLD 14
#define T_ACPI_NEW 15
#define T_LOAD_BASE 21

/* Tag payload under construction. */
struct payload {
	unsigned char b[4096];
	size_t n;
};
static void p32(struct payload *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p->b[p->n++] = (unsigned char)(v >> 8 * i);
}
static void p64(struct payload *p, uint64_t v)
{
	p32(p, (uint32_t)v);
	p32(p, (uint32_t)(v >> 32));
}
static void pstr(struct payload *p, const char *s)
{
	size_t len = strlen(s) + 1;
	memcpy(p->b + p->n, s, len);
	p->n += len;
}

static uint64_t mb2_pos; /* where the next tag goes */

static void mb2_begin(void)
{
	reset_stage();
	mb2_pos = INFO2 + 8;
}

/* Append a tag; returns its address. Padding to 8 bytes is filled with garbage. */
static uint64_t mb2_tag(uint32_t type, const void *payload, size_t len)
{
	uint64_t at = mb2_pos;
	w32(at, type);
	w32(at + 4, (uint32_t)(8 + len));
	if (len)
		memcpy(stage + at + 8, payload, len);
	mb2_pos = (at + 8 + len + 7) & ~7ull;
	return at;
}

static uint64_t mb2_tag_str(uint32_t type, const char *s)
{
	return mb2_tag(type, s, strlen(s) + 1);
}

static uint64_t mb2_module(uint32_t start, uint32_t end, const char *s)
{
	struct payload p = {.n = 0};
	p32(&p, start);
	p32(&p, end);
	pstr(&p, s);
	return mb2_tag(T_MODULE, p.b, p.n);
}

struct range_type {
	uint64_t base, len;
	uint32_t type;
};

static uint64_t mb2_mmap(const struct range_type *r, int n, uint32_t esize)
{
	struct payload p = {.n = 0};
	p32(&p, esize);
	p32(&p, 0); /* entry_version */
	for (int i = 0; i < n; i++) {
		size_t e = p.n;
		p64(&p, r[i].base);
		p64(&p, r[i].len);
		p32(&p, r[i].type);
		p32(&p, 0);
		while (p.n < e + esize)
			p.b[p.n++] = 0xEE;
	}
	return mb2_tag(T_MMAP, p.b, p.n);
}

/* Close with the end tag and write total_size; returns the end of the structure. */
static uint64_t mb2_end(void)
{
	mb2_tag(T_END, NULL, 0);
	w32(INFO2, (uint32_t)(mb2_pos - INFO2));
	w32(INFO2 + 4, 0);
	return mb2_pos;
}

static const struct range_type std_map[] = {
	{0, 0x9FC00, 1},
	{0x9FC00, 0x400, 2},
	{0x100000, 0x7EE0000, 1},
	{0x7FE0000, 0x20000, 3},
	{0x100000000ull, 0x80000000ull, 1},
};
#define STD_MAP_N 5

static uint64_t acpi_tag;

/* A full v2 structure; returns its end. */
static uint64_t mb2_full(void)
{
	struct payload p = {.n = 0};
	mb2_begin();
	p32(&p, 0x100000);
	mb2_tag(T_LOAD_BASE, p.b, p.n);
	mb2_tag_str(T_CMDLINE, "exo.elf -v");
	mb2_tag_str(T_LOADER, "GRUB 2.06");
	mb2_module(0x200000, 0x234567, "init --root");
	mb2_module(0x300000, 0x301000, "");
	p.n = 0;
	p32(&p, 639);
	p32(&p, 0x1FC00);
	mb2_tag(T_MEMINFO, p.b, p.n);
	mb2_mmap(std_map, STD_MAP_N, 24);
	char rsdp[36] = "RSD PTR ";
	acpi_tag = mb2_tag(T_ACPI_NEW, rsdp, sizeof(rsdp));
	return mb2_end();
}

TEST(mb2_cmdline_modules_mmap_acpi)
{
	uint64_t end = mb2_full();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	CHECK_EQ(bi.protocol, 2);
	CHECK_EQ(bi.info_pa, INFO2);
	CHECK_EQ(bi.info_size, end - INFO2);
	CHECK_STR(bi.cmdline, "exo.elf -v");
	CHECK_EQ(bi.nmod, 2);
	CHECK_EQ(bi.mod[0].start, 0x200000);
	CHECK_EQ(bi.mod[0].end, 0x234567);
	CHECK_STR(bi.mod[0].cmdline, "init --root");
	CHECK_EQ(bi.mod[1].start, 0x300000);
	CHECK_EQ(bi.mod[1].end, 0x301000);
	CHECK_STR(bi.mod[1].cmdline, "");
	CHECK_EQ(bi.nram, 3);
	CHECK(has_ram(0, 0x9FC00));
	CHECK(has_ram(0x100000, 0x7FE0000));
	CHECK(has_ram(0x100000000ull, 0x180000000ull));
	CHECK_EQ(bi.rsdp_pa, acpi_tag + 8);
	CHECK_EQ(bi.truncated, 0);
	CHECK_EQ(last_stray, 0);
}

TEST(mb2_acpi_new_preferred)
{
	char rsdp[20] = "RSD PTR ";
	uint64_t t_old, t_new, end;

	mb2_begin(); /* old then new */
	mb2_mmap(std_map, STD_MAP_N, 24);
	t_old = mb2_tag(T_ACPI_OLD, rsdp, sizeof(rsdp));
	t_new = mb2_tag(T_ACPI_NEW, rsdp, sizeof(rsdp));
	end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	CHECK_EQ(bi.rsdp_pa, t_new + 8);

	mb2_begin(); /* new then old */
	mb2_mmap(std_map, STD_MAP_N, 24);
	t_new = mb2_tag(T_ACPI_NEW, rsdp, sizeof(rsdp));
	t_old = mb2_tag(T_ACPI_OLD, rsdp, sizeof(rsdp));
	end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	CHECK_EQ(bi.rsdp_pa, t_new + 8);

	mb2_begin(); /* old only */
	t_old = mb2_tag(T_ACPI_OLD, rsdp, sizeof(rsdp));
	mb2_mmap(std_map, STD_MAP_N, 24);
	end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	CHECK_EQ(bi.rsdp_pa, t_old + 8);

	mb2_begin(); /* none */
	mb2_mmap(std_map, STD_MAP_N, 24);
	end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	CHECK_EQ(bi.rsdp_pa, 0);
}

TEST(mb2_mmap_larger_entries)
{
	mb2_begin();
	uint64_t t = mb2_mmap(std_map, STD_MAP_N, 32);
	/* Grow the tag by 28 bytes: a partial sixth entry (24 bytes of fields, but not a whole 32-byte
	 * entry) that must be ignored. */
	w32(t + 4, 16 + STD_MAP_N * 32 + 28);
	w64(t + 16 + STD_MAP_N * 32, 0x200000000ull);
	w64(t + 16 + STD_MAP_N * 32 + 8, 0x1000);
	w32(t + 16 + STD_MAP_N * 32 + 16, 1);
	w32(t + 16 + STD_MAP_N * 32 + 20, 0);
	mb2_pos = (t + 16 + STD_MAP_N * 32 + 28 + 7) & ~7ull;
	uint64_t end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	CHECK_EQ(bi.nram, 3);
	CHECK(has_ram(0x100000000ull, 0x180000000ull));
}

TEST(mb2_more_modules_than_kept)
{
	char name[16];
	mb2_begin();
	for (int i = 0; i < BOOT_MAX_MODULES + 2; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		mb2_module(0x400000u + 0x1000u * (uint32_t)i, 0x400800u + 0x1000u * (uint32_t)i, name);
	}
	mb2_mmap(std_map, STD_MAP_N, 24);
	uint64_t end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	CHECK_EQ(bi.nmod, BOOT_MAX_MODULES);
	CHECK_EQ(bi.truncated, 1);
	CHECK_STR(bi.mod[BOOT_MAX_MODULES - 1].cmdline, "m15");
	CHECK_EQ(bi.mod[BOOT_MAX_MODULES - 1].start, 0x400000u + 0x1000u * (BOOT_MAX_MODULES - 1));
	CHECK_EQ(bi.nram, 3);
}

TEST(mb2_more_ram_ranges_than_kept)
{
	struct range_type map[BOOT_MAX_RANGES + 5];
	for (int i = 0; i < BOOT_MAX_RANGES + 5; i++)
		map[i] = (struct range_type){0x100000ull * (uint64_t)(i + 1), 0x80000, 1};
	mb2_begin();
	mb2_mmap(map, BOOT_MAX_RANGES + 5, 24);
	uint64_t end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	CHECK_EQ(bi.nram, BOOT_MAX_RANGES);
	CHECK_EQ(bi.truncated, 1);
}

TEST(mb2_without_ram)
{
	static const struct range_type reserved[] = {{0, 0x100000, 2}, {0x100000, 0, 1}};
	mb2_begin();
	mb2_tag_str(T_CMDLINE, "no map");
	uint64_t end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), -1);

	mb2_begin();
	mb2_mmap(reserved, 2, 24);
	end = mb2_end();
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), -1);
}

TEST(bad_magic)
{
	uint64_t end = mb2_full();
	CHECK_EQ(parse_sized(0, INFO2, end), -1);
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC + 1, INFO2, end), -1);
	CHECK_EQ(parse_sized(0x1BADB002u, INFO2, end), -1); /* the v1 header magic, not the boot magic */
	CHECK_EQ(parse_sized(0xE85250D6u, INFO2, end), -1); /* the v2 header magic */
	CHECK_EQ(parse_sized(MB2_BOOT_MAGIC, INFO2, end), 0);
	mb1_full();
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC ^ 1, INFO1, MB1_FULL_END), -1);
	CHECK_EQ(parse_sized(MB1_BOOT_MAGIC, INFO1, MB1_FULL_END), 0);
}

TEST(mb2_malformed)
{
	static const char *const what[] = {
		"info not 8-aligned",
		"total_size < 16",
		"total_size 0",
		"tag size < 8",
		"tag size 0",
		"tag size beyond total_size",
		"no end tag within total_size",
		"total_size beyond memory, no end tag",
		"mmap entry_size < 24",
		"mmap entry_size 0",
		"mmap tag shorter than its header",
		"module tag without room for a string",
		"cmdline runs off memory",
		"module string runs off memory",
		"info address beyond memory",
		"info address near 2^64",
		"mmap tag runs off memory",
	};
	struct payload p;

	for (int c = 0; c < (int)(sizeof(what) / sizeof(what[0])); c++) {
		uint64_t end = mb2_full(), info = INFO2, size = end;
		uint64_t first = INFO2 + 8; /* the first tag (load base address, size 12) */
		switch (c) {
		case 0:
			memmove(stage + INFO2 + 4, stage + INFO2, end - INFO2);
			info = INFO2 + 4;
			size = end + 4;
			break;
		case 1:
			w32(INFO2, 8);
			break;
		case 2:
			w32(INFO2, 0);
			break;
		case 3: /* an empty tag claiming 7 bytes: rounding up would still find the next tag */
			mb2_begin();
			w32(mb2_tag(99, NULL, 0) + 4, 7);
			mb2_mmap(std_map, STD_MAP_N, 24);
			end = size = mb2_end();
			break;
		case 4:
			w32(first + 4, 0);
			break;
		case 5: { /* the map tag runs past total_size (memory goes on) */
			mb2_begin();
			mb2_tag_str(T_CMDLINE, "x");
			uint64_t t = mb2_mmap(std_map, STD_MAP_N, 24);
			end = mb2_end();
			w32(INFO2, (uint32_t)(t + 16 + 24 - INFO2));
			break;
		}
		case 6:
			w32(INFO2, (uint32_t)(end - 8 - INFO2)); /* total stops before the end tag */
			break;
		case 7:
			w32(INFO2, 0x7FFFFFF0u);
			w32(end - 8, 99); /* the end tag becomes an unknown tag */
			break;
		case 8:
		case 9: {
			mb2_begin();
			uint64_t t = mb2_mmap(std_map, STD_MAP_N, 24);
			w32(t + 8, c == 8 ? 23 : 0);
			end = size = mb2_end();
			break;
		}
		case 10: /* a 12-byte map tag (entry_size only), then a good one */
			mb2_begin();
			p.n = 0;
			p32(&p, 24);
			mb2_tag(T_MMAP, p.b, p.n);
			mb2_mmap(std_map, STD_MAP_N, 24);
			end = size = mb2_end();
			break;
		case 11: /* a 16-byte module tag: the fields but not even the string's NUL */
			mb2_begin();
			mb2_mmap(std_map, STD_MAP_N, 24);
			p.n = 0;
			p32(&p, 0x200000);
			p32(&p, 0x201000);
			mb2_tag(T_MODULE, p.b, p.n);
			mb2_mmap(std_map, STD_MAP_N, 24);
			end = size = mb2_end();
			break;
		case 12: /* cmdline as the last thing in memory, without its NUL, and no end tag */
		case 13:
			mb2_begin();
			mb2_mmap(std_map, STD_MAP_N, 24);
			if (c == 12) {
				mb2_tag(T_CMDLINE, "hello", 5);
			} else {
				p.n = 0;
				p32(&p, 0x200000);
				p32(&p, 0x201000);
				memcpy(p.b + p.n, "modname", 7);
				p.n += 7;
				mb2_tag(T_MODULE, p.b, p.n);
			}
			size = mb2_pos - (c == 12 ? 3 : 1); /* memory ends right after the string bytes */
			w32(INFO2, (uint32_t)(size - INFO2));
			break;
		case 14:
			info = end + 8;
			break;
		case 15:
			info = UINT64_MAX - 7;
			break;
		case 16:
			mb2_begin();
			mb2_mmap(std_map, STD_MAP_N, 24);
			size = mb2_pos - 4; /* total says the tag fits, memory ends 4 bytes short */
			w32(INFO2, (uint32_t)(mb2_pos - INFO2));
			break;
		}
		int r = parse_sized(MB2_BOOT_MAGIC, info, size);
		CHECKF(r == -1, "%s: bootinfo_parse returned %d, want -1", what[c], r);
		CHECKF(last_stray == 0, "%s: %llu reads outside total_size", what[c], (unsigned long long)last_stray);
	}
}

/*
 * A string tag whose bytes hold no NUL is malformed. The parser must not take
 * the padding and the next tag as part of the string: it either refuses the
 * structure or stops at the end of the tag.
 */
TEST(mb2_unterminated_string_stays_in_its_tag)
{
	struct payload p = {.n = 0};

	mb2_begin();
	mb2_tag(T_CMDLINE, "hello", 5); /* size 13, no NUL; padding and the next tag follow */
	mb2_mmap(std_map, STD_MAP_N, 24);
	uint64_t end = mb2_end();
	int r = parse_sized(MB2_BOOT_MAGIC, INFO2, end);
	CHECKF(r == -1 || strcmp(bi.cmdline, "hello") == 0,
	       "cmdline tag \"hello\" without NUL: returned %d and a %zu-byte cmdline (bytes of the next tag)", r,
	       strlen(bi.cmdline));

	mb2_begin();
	p32(&p, 0x200000);
	p32(&p, 0x201000);
	memcpy(p.b + p.n, "modname", 7);
	p.n += 7;
	mb2_tag(T_MODULE, p.b, p.n); /* size 23, no NUL */
	mb2_mmap(std_map, STD_MAP_N, 24);
	end = mb2_end();
	r = parse_sized(MB2_BOOT_MAGIC, INFO2, end);
	CHECKF(r == -1 || (bi.nmod == 1 && strcmp(bi.mod[0].cmdline, "modname") == 0),
	       "module tag \"modname\" without NUL: returned %d and a %zu-byte string (bytes of the next tag)", r,
	       bi.nmod == 1 ? strlen(bi.mod[0].cmdline) : 0);
}

/* ---------------- fuzzing ---------------- */

/* NULL when a successful parse produced a sane bootinfo, else what is wrong. */
static const char *bootinfo_violation(int protocol)
{
	if (bi.protocol != protocol)
		return "wrong protocol";
	if (bi.nram < 0 || bi.nram > BOOT_MAX_RANGES)
		return "nram out of range";
	if (bi.nmod < 0 || bi.nmod > BOOT_MAX_MODULES)
		return "nmod out of range";
	for (int i = 0; i < bi.nram; i++)
		if (bi.ram[i].start >= bi.ram[i].end)
			return "empty or backwards RAM range";
	for (int i = 0; i < bi.nmod; i++) {
		if (bi.mod[i].start > bi.mod[i].end)
			return "backwards module";
		if (strnlen(bi.mod[i].cmdline, BOOT_CMDLINE_MAX) == BOOT_CMDLINE_MAX)
			return "module string not terminated";
	}
	if (strnlen(bi.cmdline, BOOT_CMDLINE_MAX) == BOOT_CMDLINE_MAX)
		return "cmdline not terminated";
	if (protocol == 2 && bi.nram == 0)
		return "v2 accepted without RAM";
	if (bi.truncated != 0 && bi.truncated != 1)
		return "truncated not a flag";
	return NULL;
}

static void fuzz(uint32_t magic, uint64_t info, uint64_t end, struct htest_rng *r, int iters)
{
	unsigned char base[MEM_CAP];
	int accepted = 0;

	memcpy(base, stage, end);
	for (int iter = 0; iter < iters; iter++) {
		uint64_t size = end;
		memcpy(stage, base, end);
		int nmut = 1 + (int)htest_below(r, 4);
		for (int m = 0; m < nmut; m++) {
			uint64_t kind = htest_below(r, 10);
			if (kind < 7) { /* a byte, mostly in the info structure's first 256 bytes */
				uint64_t at = htest_below(r, 3) ? info + htest_below(r, 256) : htest_below(r, end);
				stage[at < end ? at : end - 1] = (unsigned char)htest_rand(r);
			} else if (kind < 9) { /* a small or large 32-bit value at an aligned offset */
				uint64_t at = info + 4 * htest_below(r, 64);
				if (at + 4 <= end)
					w32(at, htest_below(r, 2) ? (uint32_t)htest_below(r, 64) : (uint32_t)htest_rand(r));
			} else {
				size = info + htest_below(r, end - info + 1);
			}
		}
		int rc = parse_sized(magic, info, size);
		CHECKF(rc == 0 || rc == -1, "iteration %d: result %d", iter, rc);
		CHECKF(last_stray == 0, "iteration %d: %llu reads outside total_size", iter,
		       (unsigned long long)last_stray);
		if (rc == 0) {
			accepted++;
			const char *why = bootinfo_violation(magic == MB1_BOOT_MAGIC ? 1 : 2);
			CHECKF(!why, "iteration %d: %s", iter, why);
		}
	}
	CHECKF(accepted > iters / 20, "only %d of %d mutated structures accepted", accepted, iters);
	fprintf(stderr, "# %s.%s: %d of %d mutated structures accepted\n", HTEST_SUITE, htest_current, accepted,
		iters);
}

TEST(fuzz_mb1)
{
	struct htest_rng r = {htest_seed(0xB0071ull)};
	mb1_full();
	fuzz(MB1_BOOT_MAGIC, INFO1, MB1_FULL_END, &r, 5000);
}

TEST(fuzz_mb2)
{
	struct htest_rng r = {htest_seed(0xB0072ull)};
	uint64_t end = mb2_full();
	fuzz(MB2_BOOT_MAGIC, INFO2, end, &r, 5000);
}
