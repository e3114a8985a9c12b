/* ELF64 validation; see <exo/elf.h>. Every offset and size is checked for overflow. */
#include <exo/elf.h>

#define PG 4096ULL

#define PT_LOAD 1
#define ET_EXEC 2
#define EM_X86_64 62
#define EHDR_SIZE 64
#define PHDR_SIZE 56

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static int check_header(const unsigned char *h, size_t size)
{
	if (size < EHDR_SIZE)
		return ELF_E_SHORT;
	if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F' || h[4] != 2 /* 64-bit */ ||
	    h[5] != 1 /* little-endian */ || h[6] != 1 /* version */)
		return ELF_E_MAGIC;
	if (rd16(h + 16) != ET_EXEC || rd16(h + 18) != EM_X86_64)
		return ELF_E_TYPE;
	return ELF_OK;
}

/* Check one PT_LOAD and append it to the plan. */
static int add_segment(const unsigned char *ph, size_t size, uint64_t umin, uint64_t umax, struct elf_plan *plan)
{
	struct elf_segment s = {
		.flags = rd32(ph + 4) & 7,
		.offset = rd64(ph + 8),
		.vaddr = rd64(ph + 16),
		.filesz = rd64(ph + 32),
		.memsz = rd64(ph + 40),
	};

	if (s.memsz == 0)
		return ELF_OK; /* nothing to load */
	if (s.filesz > s.memsz || s.offset > size || s.filesz > size - s.offset)
		return ELF_E_SEGMENT;
	if (s.vaddr < umin || s.vaddr >= umax || s.memsz > umax - s.vaddr)
		return ELF_E_SEGMENT;
	if ((s.vaddr - s.offset) % PG != 0)
		return ELF_E_SEGMENT;
	if ((s.flags & ELF_SEG_W) && (s.flags & ELF_SEG_X))
		return ELF_E_WX;
	if (plan->nseg == ELF_MAX_SEGMENTS)
		return ELF_E_TOOMANY;
	for (int i = 0; i < plan->nseg; i++) {
		const struct elf_segment *o = &plan->seg[i];
		uint64_t a0 = s.vaddr / PG, a1 = (s.vaddr + s.memsz - 1) / PG;
		uint64_t b0 = o->vaddr / PG, b1 = (o->vaddr + o->memsz - 1) / PG;
		if (a0 <= b1 && b0 <= a1)
			return ELF_E_OVERLAP;
	}
	plan->seg[plan->nseg++] = s;
	return ELF_OK;
}

int elf_plan(const void *img, size_t size, uint64_t umin, uint64_t umax, struct elf_plan *plan)
{
	const unsigned char *h = img;
	int err = check_header(h, size);
	if (err)
		return err;

	uint64_t phoff = rd64(h + 32);
	uint16_t phentsize = rd16(h + 54), phnum = rd16(h + 56);
	if (phentsize != PHDR_SIZE || phoff > size || (uint64_t)phnum * PHDR_SIZE > size - phoff)
		return ELF_E_PHDR;

	plan->nseg = 0;
	plan->entry = rd64(h + 24);
	for (uint16_t i = 0; i < phnum; i++) {
		const unsigned char *ph = h + phoff + (uint64_t)i * PHDR_SIZE;
		if (rd32(ph) != PT_LOAD)
			continue;
		if ((err = add_segment(ph, size, umin, umax, plan)))
			return err;
	}
	if (plan->nseg == 0)
		return ELF_E_EMPTY;
	for (int i = 0; i < plan->nseg; i++) {
		const struct elf_segment *s = &plan->seg[i];
		if ((s->flags & ELF_SEG_X) && plan->entry >= s->vaddr && plan->entry - s->vaddr < s->memsz)
			return ELF_OK;
	}
	return ELF_E_ENTRY;
}

const char *elf_strerror(int err)
{
	static const char *const msg[] = {
		"ok",
		"image smaller than its headers",
		"not a 64-bit little-endian ELF",
		"not an x86-64 executable",
		"bad program header table",
		"segment outside the image or user space, or misaligned",
		"segment both writable and executable",
		"two segments share a page",
		"entry point not in an executable segment",
		"too many loadable segments",
		"no loadable segment",
	};
	unsigned i = 0u - (unsigned)err;
	return i < sizeof(msg) / sizeof(msg[0]) ? msg[i] : "unknown error";
}
