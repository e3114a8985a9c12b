/*
 * What the boot loader told us, copied out of its Multiboot v1 or v2
 * information structure into kernel memory. Pure parsing: the loader's
 * memory is reached through a caller-supplied function, so the parser is
 * unit-tested on the host (tests/host/test_bootinfo.c).
 */
#ifndef KERN_BOOTINFO_H
#define KERN_BOOTINFO_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include <stddef.h>
#include <stdint.h>

#define MB1_BOOT_MAGIC 0x2BADB002u
#define MB2_BOOT_MAGIC 0x36D76289u

#define BOOT_MAX_RANGES 64
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_MAX 256

struct boot_range {
	uint64_t start, end; /* [start, end) bytes */
};

struct boot_module {
	uint64_t start, end;
	char cmdline[BOOT_CMDLINE_MAX];
};

struct bootinfo {
	int protocol;      /* 1 or 2 */
	uint64_t info_pa;  /* where the loader's structure is, and its size */
	uint64_t info_size;
	int nram;
	struct boot_range ram[BOOT_MAX_RANGES]; /* usable RAM, as reported */
	int nmod;
	struct boot_module mod[BOOT_MAX_MODULES];
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t rsdp_pa; /* ACPI RSDP copy location from Multiboot2, or 0 */
	int truncated;    /* more ranges or modules than we keep */
};

/*
 * Map [pa, pa+len) of loader memory for reading; returns NULL when that
 * range cannot be read (the parser then fails with -1).
 */
typedef const void *(*boot_phys_fn)(void *ctx, uint64_t pa, uint64_t len);

/* Parse; returns 0, or -1 for a bad magic or a malformed structure. */
int bootinfo_parse(struct bootinfo *bi, uint32_t magic, uint64_t info_pa, boot_phys_fn phys, void *ctx);

#endif
