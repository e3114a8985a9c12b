/*
 * LRPC over protected control transfer (exos/lrpc.c). Kernel-call numbers
 * come from the C side (exos_lrpc_kc_*), so nothing here hard-codes them.
 *
 * exos_lrpc_entry: where the kernel starts a call to one of our services
 * (pct_call), on the service stack, with rax = the caller's id (unforgeable),
 * rsi = the entry index, rdx, r10, r8, r9 = the four arguments. It calls
 * exos_lrpc_table[index](caller, a, b, c, d) and returns the result to the
 * caller in rdx (pct_return gives the caller our registers).
 */
	.text
	.globl exos_lrpc_entry, exos_lrpc_call_raw
exos_lrpc_entry:
	mov %rsi, %r11            /* index */
	mov %rdx, %rsi            /* a */
	mov %r10, %rdx            /* b */
	mov %r8, %rcx             /* c */
	mov %r9, %r8              /* d */
	mov %eax, %edi            /* the caller's id */
	lea exos_lrpc_table(%rip), %rax
	call *(%rax,%r11,8)
	mov %rax, %rdx            /* the result, for the caller */
	mov exos_lrpc_kc_return(%rip), %rax
	syscall
	ud2

/*
 * long exos_lrpc_call_raw(server id, index, a, b, c, d, long *result):
 * pct_call with the arguments in rdx, r10, r8, r9. The callee's registers
 * come back in ours, so every callee-saved register is kept on the stack
 * (the kernel gives the caller back its own rsp). Returns pct_call's status
 * (0 or -EXO_*); *result is the callee's rdx.
 */
exos_lrpc_call_raw:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov 56(%rsp), %r11        /* result pointer (7th argument) */
	push %r11
	mov %rcx, %r10            /* b */
	mov exos_lrpc_kc_call(%rip), %rax
	syscall
	pop %r11
	test %rax, %rax
	jnz 1f
	mov %rdx, (%r11)
1:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
	.section .note.GNU-stack, "", @progbits
