/*
 * execve's trampoline (exos/exec.h): copied to its own page, so it is
 * position-independent and touches no memory of the old program. rdi = a
 * struct exos_tramp_args (in the handoff, which stays mapped):
 *    0 ops      struct exo_bind_op[]: the new program's pages
 *    8 nops
 *   16 rsp      the new program's stack pointer (the Linux block)
 *   24 entry
 *   32 kc_set_upcall, 40 kc_bind_batch, 48 kc_exit: the kernel-call numbers
 * It switches upcalls off (the old handler is going away), binds the pages in
 * batches of 512 (24 bytes each), and enters the new program with rdi = 0.
 * If a batch fails the process cannot go on: it exits with status 127.
 */
	.text
	.globl exos_exec_tramp_start, exos_exec_tramp_end
exos_exec_tramp_start:
	mov %rdi, %rbx
	mov 0(%rbx), %r12
	mov 8(%rbx), %r13
	xor %edi, %edi
	xor %esi, %esi
	xor %edx, %edx
	xor %r10d, %r10d
	xor %r8d, %r8d
	xor %r9d, %r9d
	mov 32(%rbx), %rax
	syscall
1:	test %r13, %r13
	jz 2f
	mov $512, %edx
	cmp %rdx, %r13
	cmovb %r13, %rdx
	mov %rdx, %r14
	xor %edi, %edi
	mov %r12, %rsi
	mov 40(%rbx), %rax
	syscall
	test %rax, %rax
	js 3f
	imul $24, %r14, %rax
	add %rax, %r12
	sub %r14, %r13
	jmp 1b
2:	mov 16(%rbx), %rsp
	mov 24(%rbx), %rax
	xor %edi, %edi
	xor %ebp, %ebp
	jmp *%rax
3:	mov $127, %edi
	mov 48(%rbx), %rax
	syscall
	ud2
exos_exec_tramp_end:
	.section .note.GNU-stack, "", @progbits
