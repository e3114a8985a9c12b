/*
 * Entry of a program built against exo's musl (tools/exo-cc links it first,
 * in place of musl's crt1.o). The kernel starts here with rdi = the command
 * line (a string at the top of the stack), not Linux's argc/argv/envp/auxv
 * block: __exos_start_c builds that block and enters musl's
 * __libc_start_main. Nothing here touches %fs: the thread pointer is set
 * later, by musl's start-up.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call __exos_start_c
	ud2
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
