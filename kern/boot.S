/*
 * First instructions: Multiboot v1 and v2 headers, a 32-bit entry that
 * switches to long mode on boot-time page tables, and the jump to the
 * higher-half kernel (kmain). Everything here runs at its physical address
 * until `boot_higher_half`.
 *
 * Boot page tables (unused once kmain switches to the kernel's own; their
 * pages stay reserved with the rest of the image):
 *   PML4[0]   -> identity map of the first 1 GiB (2 MiB pages)
 *   PML4[256] -> the same 1 GiB at PHYSMAP_BASE
 *   PML4[511] -> PDPT[510] -> the same 1 GiB at KERNEL_BASE
 */
#define ASM_FILE
#include "x86.h"

#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x00010003 /* page-align modules, memory map, address fields */
#define MB2_MAGIC 0xE85250D6

	.section .multiboot, "a"
	.p2align 2
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long mb1_header           /* header_addr (physical: .boot is linked at its load address) */
	.long kernel_load_start    /* load_addr */
	.long kernel_load_end      /* load_end_addr: end of the file image */
	.long kernel_bss_end       /* bss_end_addr */
	.long boot_entry32         /* entry_addr */

	.p2align 3
mb2_header:
	.long MB2_MAGIC
	.long 0                    /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	/* module alignment tag */
	.short 6, 0
	.long 8
	/* end tag */
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl boot_entry32
boot_entry32:
	cli
	cld
	/* The kernel's first instruction for the `boot` measurement. */
	mov %eax, %edi
	rdtsc
	mov %eax, boot_tsc_phys
	mov %edx, boot_tsc_phys + 4
	mov %edi, boot_magic_phys
	mov %ebx, boot_info_phys

	/* Long mode must exist. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx
	jz no_long_mode
	mov %edx, %esi              /* keep: bit 20 = NX */

	/* Fill the boot page directory: 512 x 2 MiB, present + writable + large. */
	mov $boot_pd, %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_P | PTE_W | PTE_PS), %eax
	mov %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 1b

	mov $(boot_pd + PTE_P + PTE_W), %eax
	mov %eax, boot_pdpt_low
	mov %eax, boot_pdpt_high + 510 * 8
	mov $(boot_pdpt_low + PTE_P + PTE_W), %eax
	mov %eax, boot_pml4
	mov %eax, boot_pml4 + 256 * 8
	mov $(boot_pdpt_high + PTE_P + PTE_W), %eax
	mov %eax, boot_pml4 + 511 * 8

	/* PAE, then EFER.LME (+NXE where the CPU has NX), then paging. */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $(EFER_LME | EFER_SCE), %eax
	test $(1 << 20), %esi
	jz 2f
	or $EFER_NXE, %eax
2:	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE | CR0_WP), %eax
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $boot_entry64

no_long_mode:
	mov $no_lm_msg, %esi
3:	lodsb
	test %al, %al
	jz 4f
	mov $0x3f8, %dx
	out %al, %dx
	jmp 3b
4:	hlt
	jmp 4b

	.code64
boot_entry64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $boot_higher_half, %rax
	jmp *%rax

	.section .boot.data, "aw"
no_lm_msg:
	.asciz "exo: this CPU has no long mode (x86-64); cannot boot\r\n"
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000    /* 0x08: 64-bit kernel code */
	.quad 0x0000920000000000    /* 0x10: kernel data */
boot_gdt_ptr:
	.short boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
	.p2align 12
boot_pml4:
	.fill 512, 8, 0
boot_pdpt_low:
	.fill 512, 8, 0
boot_pdpt_high:
	.fill 512, 8, 0
boot_pd:
	.fill 512, 8, 0
	.globl boot_tsc_phys, boot_magic_phys, boot_info_phys
boot_tsc_phys:
	.quad 0
boot_magic_phys:
	.long 0
boot_info_phys:
	.long 0

	/* From here on we run in the higher half. */
	.text
	.globl boot_higher_half
boot_higher_half:
	/* Zero .bss (a Multiboot loader should have, but do not rely on it). */
	movabs $kernel_bss_start_virt, %rdi
	movabs $kernel_bss_end_virt, %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	rep stosb
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp
	call kmain
5:	cli
	hlt
	jmp 5b

	.bss
	.p2align 12
boot_stack:
	.skip 16384
boot_stack_top:
