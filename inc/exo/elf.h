/*
 * ELF64 executable validation: turns an untrusted image into a load plan,
 * or refuses it. Pure logic (lib/elf.c), shared by the kernel (the first
 * environment) and library OSes (ExOS's execve), unit-tested on the host
 * (tests/host/test_elf.c).
 */
#ifndef EXO_ELF_H
#define EXO_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16

#define ELF_SEG_X 1
#define ELF_SEG_W 2
#define ELF_SEG_R 4

struct elf_segment {
	uint64_t vaddr;  /* where it starts in memory */
	uint64_t memsz;  /* bytes in memory (the tail past filesz is zero) */
	uint64_t offset; /* where its bytes start in the image */
	uint64_t filesz;
	uint32_t flags;  /* ELF_SEG_* */
};

struct elf_plan {
	uint64_t entry;
	int nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* Why an image was refused (also printed by the kernel). */
enum elf_error {
	ELF_OK = 0,
	ELF_E_SHORT = -1,    /* smaller than its headers */
	ELF_E_MAGIC = -2,    /* not ELF, not 64-bit little-endian, wrong version */
	ELF_E_TYPE = -3,     /* not an x86-64 ET_EXEC */
	ELF_E_PHDR = -4,     /* program header table malformed or out of the image */
	ELF_E_SEGMENT = -5,  /* a PT_LOAD out of the image or of user space, or misaligned */
	ELF_E_WX = -6,       /* a segment both writable and executable */
	ELF_E_OVERLAP = -7,  /* two segments share a page */
	ELF_E_ENTRY = -8,    /* the entry point is not in an executable segment */
	ELF_E_TOOMANY = -9,  /* more than ELF_MAX_SEGMENTS loadable segments */
	ELF_E_EMPTY = -10,   /* no loadable segment */
};

/*
 * Validate img[0..size) as an executable whose segments lie in
 * [user_min, user_max). Fills plan on success.
 */
int elf_plan(const void *img, size_t size, uint64_t user_min, uint64_t user_max, struct elf_plan *plan);

const char *elf_strerror(int err);

#endif
