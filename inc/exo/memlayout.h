/*
 * The x86-64 address-space map, shared by kernel and library OS.
 * docs/address-space.md draws it in full and says who may touch each region.
 *
 *  0xFFFFFFFF_F0000000  MMIO window (LAPIC, IOAPIC)          kernel RW, uncached, NX
 *  0xFFFFFFFF_C0000000  kernel stacks, guard page below each kernel RW, NX
 *  0xFFFFFFFF_80000000  kernel image                         text RX, rodata R, data RW NX
 *  0xFFFF8000_00000000  direct map of physical memory        kernel RW, NX
 *  ------------------- non-canonical hole -------------------
 *  0x00007FFF_FFFFF000  USER_TOP: the last page below 2^47 is never mapped
 *  0x00007F80_00000000  global read-only region (one PML4 slot, shared by every environment):
 *                         EXO_INFO_VA   the info page (struct exo_info)
 *                         EXO_PAGES_VA  the page records (struct exo_page[npages])
 *                         EXO_BOOTFS_VA the boot archive (exo_info.bootfs_size bytes)
 *  0x00007F00_00000000  this environment's read-only region:
 *                         EXO_ENVINFO_VA  struct exo_envinfo (quota, revocation, repossessions)
 *                         EXO_CAPS_VA     its capability table (struct exo_cap[EXO_NCAPS])
 *  0x00007F00_00000000  EXO_BIND_TOP: an environment binds pages only below this
 *  0x00007EFF_FFF00000  EXO_BOOTSTACK_TOP: the first environment's stack grows down from here
 *  0x00000000_00001000  USER_MIN: page 0 is never mapped
 */
#ifndef EXO_MEMLAYOUT_H
#define EXO_MEMLAYOUT_H

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096UL

/* User half: [USER_MIN, USER_TOP). */
#define USER_MIN 0x1000UL
#define USER_TOP 0x00007FFFFFFFF000UL

/* Bindings (kernel calls bind/unbind/protect) are allowed in [USER_MIN, EXO_BIND_TOP). */
#define EXO_BIND_TOP 0x00007F0000000000UL

/* Per-environment read-only region (mapped by the kernel, charged to the environment). */
#define EXO_ENVINFO_VA 0x00007F0000000000UL
#define EXO_ENVINFO_PAGES 4
#define EXO_CAPS_VA 0x00007F0000100000UL

/* Global read-only region: the same page tables in every environment. */
#define EXO_GLOBAL_RO_VA 0x00007F8000000000UL
#define EXO_INFO_VA EXO_GLOBAL_RO_VA
#define EXO_PAGES_VA (EXO_GLOBAL_RO_VA + 0x200000UL)
/*
 * The boot archive: the second boot module, a cpio archive in the "newc"
 * format (files, directories, symbolic links) built from rootfs/ and the
 * programs, mapped read-only at EXO_BOOTFS_VA in every environment: public
 * data, like the info page. exo_info.bootfs_size says how long it is (0: there
 * is none). Library OSes read programs and files from it.
 */
#define EXO_BOOTFS_VA (EXO_GLOBAL_RO_VA + 0x4000000000UL)
#define EXO_BOOTFS_MAX (1UL << 30)

/* The first environment's initial stack: EXO_BOOTSTACK_PAGES pages below this, a guard below them. */
#define EXO_BOOTSTACK_TOP 0x00007EFFFFF00000UL
#define EXO_BOOTSTACK_PAGES 16

/* Kernel half. */
#define PHYSMAP_BASE 0xFFFF800000000000UL
#define PHYSMAP_SIZE 0x0000008000000000UL /* 512 GiB: one PML4 slot */
#define KERNEL_BASE 0xFFFFFFFF80000000UL
#define KSTACK_REGION 0xFFFFFFFFC0000000UL
#define MMIO_REGION 0xFFFFFFFFF0000000UL

#endif
