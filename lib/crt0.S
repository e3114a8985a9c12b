/*
 * Entry of a libexo program. The kernel starts the first environment here
 * with rdi = its command line (a string on its stack) and rsp 8 bytes below
 * a 16-byte boundary. The first instruction reads the TSC so the `boot`
 * measurement can end at the first user instruction.
 */
	.text
	.globl _start
_start:
	rdtsc
	mov %eax, exo_first_tsc(%rip)
	mov %edx, exo_first_tsc+4(%rip)
	xor %ebp, %ebp
	and $-16, %rsp
	call exo_start
	ud2

	.bss
	.p2align 3
	.globl exo_first_tsc
exo_first_tsc:
	.quad 0
