/* Multiboot v1/v2 information parsing; see bootinfo.h. */
#include "bootinfo.h"

struct reader {
	boot_phys_fn phys;
	void *ctx;
};

static int read_bytes(const struct reader *r, uint64_t pa, void *dst, uint64_t len)
{
	const unsigned char *src = r->phys(r->ctx, pa, len);
	if (!src)
		return -1;
	for (uint64_t i = 0; i < len; i++)
		((unsigned char *)dst)[i] = src[i];
	return 0;
}

static uint32_t rd32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Copy a NUL-terminated string from loader memory, truncating to the buffer and to limit bytes. */
static int read_string_max(const struct reader *r, uint64_t pa, char *dst, size_t size, uint64_t limit)
{
	size_t i;
	for (i = 0; i + 1 < size && i < limit; i++) {
		const char *c = r->phys(r->ctx, pa + i, 1);
		if (!c)
			return -1;
		if (!*c)
			break;
		dst[i] = *c;
	}
	dst[i] = '\0';
	return 0;
}

static int read_string(const struct reader *r, uint64_t pa, char *dst, size_t size)
{
	return read_string_max(r, pa, dst, size, UINT64_MAX);
}

static void add_ram(struct bootinfo *bi, uint64_t base, uint64_t len)
{
	if (len == 0 || base + len < base)
		return;
	if (bi->nram == BOOT_MAX_RANGES) {
		bi->truncated = 1;
		return;
	}
	bi->ram[bi->nram++] = (struct boot_range){base, base + len};
}

static struct boot_module *add_module(struct bootinfo *bi, uint64_t start, uint64_t end)
{
	if (end < start)
		return NULL;
	if (bi->nmod == BOOT_MAX_MODULES) {
		bi->truncated = 1;
		return NULL;
	}
	struct boot_module *m = &bi->mod[bi->nmod++];
	m->start = start;
	m->end = end;
	m->cmdline[0] = '\0';
	return m;
}

#define MB1_FLAG_MEM 0x001
#define MB1_FLAG_CMDLINE 0x004
#define MB1_FLAG_MODS 0x008
#define MB1_FLAG_MMAP 0x040
#define MMAP_TYPE_RAM 1

static int parse_mb1_mmap(struct bootinfo *bi, const struct reader *r, uint64_t addr, uint32_t length)
{
	uint64_t end = addr + length;
	while (addr + 24 <= end) {
		unsigned char e[24];
		if (read_bytes(r, addr, e, sizeof(e)) < 0)
			return -1;
		uint32_t size = rd32(e);
		if (size < 20)
			return -1;
		if (rd32(e + 20) == MMAP_TYPE_RAM)
			add_ram(bi, rd64(e + 4), rd64(e + 12));
		addr += (uint64_t)size + 4;
	}
	return 0;
}

static int parse_mb1(struct bootinfo *bi, const struct reader *r, uint64_t info)
{
	unsigned char h[88];
	if (read_bytes(r, info, h, sizeof(h)) < 0)
		return -1;
	uint32_t flags = rd32(h);
	bi->info_size = sizeof(h);
	if (flags & MB1_FLAG_CMDLINE && read_string(r, rd32(h + 16), bi->cmdline, sizeof(bi->cmdline)) < 0)
		return -1;
	if (flags & MB1_FLAG_MODS) {
		uint32_t count = rd32(h + 20), addr = rd32(h + 24);
		for (uint32_t i = 0; i < count; i++) {
			unsigned char m[16];
			if (read_bytes(r, addr + 16ull * i, m, sizeof(m)) < 0)
				return -1;
			struct boot_module *mod = add_module(bi, rd32(m), rd32(m + 4));
			if (!mod)
				continue;
			if (read_string(r, rd32(m + 8), mod->cmdline, sizeof(mod->cmdline)) < 0)
				return -1;
		}
	}
	if (flags & MB1_FLAG_MMAP)
		return parse_mb1_mmap(bi, r, rd32(h + 48), rd32(h + 44));
	if (flags & MB1_FLAG_MEM) { /* no map: lower memory and memory above 1 MiB */
		add_ram(bi, 0, (uint64_t)rd32(h + 4) * 1024);
		add_ram(bi, 0x100000, (uint64_t)rd32(h + 8) * 1024);
		return 0;
	}
	return -1; /* no memory information at all */
}

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

static int parse_mb2_mmap(struct bootinfo *bi, const struct reader *r, uint64_t tag, uint32_t size)
{
	unsigned char h[16];
	if (size < 16 || read_bytes(r, tag, h, sizeof(h)) < 0)
		return -1;
	uint32_t esize = rd32(h + 8);
	if (esize < 24)
		return -1;
	for (uint64_t off = 16; off + esize <= size; off += esize) {
		unsigned char e[24];
		if (read_bytes(r, tag + off, e, sizeof(e)) < 0)
			return -1;
		if (rd32(e + 16) == MMAP_TYPE_RAM)
			add_ram(bi, rd64(e), rd64(e + 8));
	}
	return 0;
}

static int parse_mb2_tag(struct bootinfo *bi, const struct reader *r, uint64_t tag, uint32_t type, uint32_t size)
{
	unsigned char m[16];

	switch (type) {
	case MB2_TAG_CMDLINE: /* the string stays inside its tag */
		return read_string_max(r, tag + 8, bi->cmdline, sizeof(bi->cmdline), size - 8);
	case MB2_TAG_MODULE: {
		if (size < 17 || read_bytes(r, tag, m, sizeof(m)) < 0)
			return -1;
		struct boot_module *mod = add_module(bi, rd32(m + 8), rd32(m + 12));
		return mod ? read_string_max(r, tag + 16, mod->cmdline, sizeof(mod->cmdline), size - 16) : 0;
	}
	case MB2_TAG_MMAP:
		return parse_mb2_mmap(bi, r, tag, size);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (!bi->rsdp_pa || type == MB2_TAG_ACPI_NEW)
			bi->rsdp_pa = tag + 8;
		return 0;
	default:
		return 0; /* tags we do not use */
	}
}

static int parse_mb2(struct bootinfo *bi, const struct reader *r, uint64_t info)
{
	unsigned char h[8];
	if (read_bytes(r, info, h, sizeof(h)) < 0)
		return -1;
	uint32_t total = rd32(h);
	if (total < 16 || info & 7)
		return -1;
	bi->info_size = total;
	for (uint64_t off = 8; off + 8 <= total;) {
		unsigned char t[8];
		if (read_bytes(r, info + off, t, sizeof(t)) < 0)
			return -1;
		uint32_t type = rd32(t), size = rd32(t + 4);
		if (type == MB2_TAG_END)
			return bi->nram > 0 ? 0 : -1;
		if (size < 8 || off + size > total)
			return -1;
		if (parse_mb2_tag(bi, r, info + off, type, size) < 0)
			return -1;
		off += (size + 7) & ~7u;
	}
	return -1; /* no end tag */
}

int bootinfo_parse(struct bootinfo *bi, uint32_t magic, uint64_t info_pa, boot_phys_fn phys, void *ctx)
{
	struct reader r = {phys, ctx};

	*bi = (struct bootinfo){0};
	bi->info_pa = info_pa;
	if (magic == MB1_BOOT_MAGIC) {
		bi->protocol = 1;
		return parse_mb1(bi, &r, info_pa);
	}
	if (magic == MB2_BOOT_MAGIC) {
		bi->protocol = 2;
		return parse_mb2(bi, &r, info_pa);
	}
	return -1;
}
