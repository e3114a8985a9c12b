/*
 * Thread switches inside ExOS (exos/thread.c). Two kinds of saved context:
 *
 * SHORT: a thread that gave the CPU up by a function call inside ExOS. Its
 *   stack holds rbp, rbx, r12-r15, then MXCSR and the x87 control word (the
 *   callee-saved state of the SysV ABI), and the saved rsp points at them.
 *   exos_thread_short_resume, entered with rsp = that value, resumes it as
 *   if its exos_thread_switch call returned.
 * FULL: a thread preempted (or blocked in a reflected `syscall`): an upcall
 *   frame and a vector-state image. exos_thread_switch_full resumes one
 *   from C through libexo's exo_upcall_resume, which is inside libexo's
 *   critical range (no asynchronous upcall lands there).
 */
	.text
	.globl exos_thread_switch, exos_thread_short_resume, exos_thread_switch_full
	.globl exos_thread_resume_start, exos_thread_resume_end

/* Save the caller's SHORT context; *save_sp = where it is. Clobbers only what a call may. */
.macro SAVE_SHORT
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	sub $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	mov %rsp, (%rdi)
.endm

/* void exos_thread_switch(uint64_t *save_sp, uint64_t new_sp): save, then resume the SHORT context at new_sp. */
exos_thread_switch:
	SAVE_SHORT
	mov %rsi, %rsp
exos_thread_short_resume:
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/*
 * void exos_thread_switch_full(uint64_t *save_sp, struct exo_upcall *frame, void *fpu):
 * save the caller's SHORT context, load the vector state image fpu, clear
 * exos_thread_switching and resume frame (which exo_upcall_resume changes).
 * thread.c defers preemption while rip is in [exos_thread_resume_start, _end).
 */
exos_thread_switch_full:
	SAVE_SHORT
	mov %rsi, %rbx
	mov %rdx, %rdi
	call exo_fpu_restore      /* touches only rax, rdx and the vector state */
	mov %rbx, %rdi
exos_thread_resume_start:
	movl $0, exos_thread_switching(%rip)
	jmp exo_upcall_resume
exos_thread_resume_end:
	.section .note.GNU-stack, "", @progbits
