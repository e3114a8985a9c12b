/*
 * The x86-64 address-space map, shared by kernel and library OS.
 * docs/address-space.md draws it and says who may touch each region.
 *
 *  0xFFFFFFFF_FFFFFFFF +---------------------------------+
 *                      | MMIO window (LAPIC, IOAPIC)     | kernel RW, uncached, NX
 *  0xFFFFFFFF_F0000000 +---------------------------------+
 *                      | kernel stacks, each with an     | kernel RW, NX
 *                      | unmapped guard page below it    |
 *  0xFFFFFFFF_C0000000 +---------------------------------+
 *                      | kernel image (text RX, rodata R,| kernel only
 *                      | data/bss RW NX)                 |
 *  0xFFFFFFFF_80000000 +---------------------------------+  KERNEL_BASE
 *                      | unused                          |
 *  0xFFFF8080_00000000 +---------------------------------+
 *                      | direct map of physical memory   | kernel RW, NX
 *  0xFFFF8000_00000000 +---------------------------------+  PHYSMAP_BASE
 *                      | non-canonical hole              | faults
 *  0x00007FFF_FFFFF000 +---------------------------------+  USER_TOP (the last page below
 *                      | (unmapped)                      |   2^47 is never mapped)
 *  0x00007FFF_FFFF1000 +---------------------------------+
 *                      | exo info page (read-only)       | user R, NX
 *  0x00007FFF_FFFF0000 +---------------------------------+  EXO_INFO_VA
 *                      | first environment's stack       | user RW, NX
 *                      |   (guard page below)            |
 *                      | ...                             |
 *                      | program (ELF PT_LOAD segments)  | as the ELF says (never W+X)
 *  0x00000000_00001000 +---------------------------------+  USER_MIN
 *                      | never mapped (null guard)       |
 *  0x00000000_00000000 +---------------------------------+
 */
#ifndef EXO_MEMLAYOUT_H
#define EXO_MEMLAYOUT_H

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096UL

/* User half: [USER_MIN, USER_TOP). */
#define USER_MIN 0x1000UL
#define USER_TOP 0x00007FFFFFFFF000UL /* last page below 2^47 stays unmapped */

/* The read-only exo info page (struct exo_info, inc/exo/info.h). */
#define EXO_INFO_VA 0x00007FFFFFFF0000UL

/* The first environment's initial stack: EXO_BOOTSTACK_PAGES pages below this. */
#define EXO_BOOTSTACK_TOP 0x00007FFFFFF00000UL
#define EXO_BOOTSTACK_PAGES 16

/* Kernel half. */
#define PHYSMAP_BASE 0xFFFF800000000000UL
#define PHYSMAP_SIZE 0x0000008000000000UL /* 512 GiB: one PML4 slot */
#define KERNEL_BASE 0xFFFFFFFF80000000UL
#define KSTACK_REGION 0xFFFFFFFFC0000000UL
#define MMIO_REGION 0xFFFFFFFFF0000000UL

#endif
