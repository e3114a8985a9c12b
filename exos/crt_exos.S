/*
 * Entry of a program built against exo's musl (tools/exo-cc links it first,
 * in place of musl's crt1.o). The kernel starts here with rdi = the command
 * line (a string at the top of the stack), not Linux's argc/argv/envp/auxv
 * block: __exos_start_c builds that block and enters musl's
 * __libc_start_main. Nothing here touches %fs: the thread pointer is set
 * later, by musl's start-up. The first instruction reads the TSC into
 * exo_first_tsc (<exo/lib.h>), where the `boot` benchmark ends, as libexo's
 * crt0 does.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	rdtsc
	mov %eax, exo_first_tsc(%rip)
	mov %edx, exo_first_tsc+4(%rip)
	xor %ebp, %ebp
	mov %rsp, %rsi /* execve's Linux block, when rdi is 0 */
	and $-16, %rsp
	call __exos_start_c
	ud2
	.size _start, . - _start

	.bss
	.p2align 3
	.globl exo_first_tsc
	.type exo_first_tsc, @object
	.size exo_first_tsc, 8
exo_first_tsc:
	.quad 0

	.section .note.GNU-stack, "", @progbits
