/*
 * Entry of a libexo program. The kernel starts the first environment here
 * with rdi = its command line (a string on its stack) and rsp 8 bytes below
 * a 16-byte boundary; ExOS's execve starts a program with rdi = 0 and rsp at
 * a Linux start-up block. The first instruction reads the TSC so the `boot`
 * measurement can end at the first user instruction.
 */
	.text
	.globl _start
_start:
	rdtsc
	mov %eax, exo_first_tsc(%rip)
	mov %edx, exo_first_tsc+4(%rip)
	xor %ebp, %ebp
	mov %rsp, %rsi /* a Linux start-up block, when rdi is 0 (started by a library OS's execve) */
	and $-16, %rsp
	call exo_start
	ud2

	.bss
	.p2align 3
	.globl exo_first_tsc
exo_first_tsc:
	.quad 0
