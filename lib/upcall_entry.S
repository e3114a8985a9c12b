/*
 * Upcall entry and context restore for libexo (see inc/exo/mem.h,
 * struct exo_upcall). The kernel enters exo_upcall_entry with rdi = rsp =
 * the frame on the upcall stack. After the C dispatcher returns, the
 * interrupted context is restored here in user mode, without a kernel call:
 * its rip is parked just below its red zone (rsp - 136), every register is
 * popped from the frame, and the final jump reads the parked rip.
 * [exo_upcall_crit_start, exo_upcall_crit_end) is registered with the kernel
 * as the critical range: no asynchronous upcall lands while rip is in it.
 */
#define UF_RIP 48
#define UF_REGS 56
#define UF_RSP (UF_REGS + 16 * 8)

	.text
	.globl exo_upcall_entry, exo_upcall_resume, exo_upcall_crit_start, exo_upcall_crit_end
exo_upcall_entry:
	mov %rdi, %r12            /* the interrupted r12 is in the frame; the frame survives the call */
	and $-16, %rsp
	call exo_upcall_dispatch
	mov %r12, %rdi
	/* fall through */

/* exo_upcall_resume(frame): restore the context saved in frame. Does not return. */
exo_upcall_resume:
exo_upcall_crit_start:
	mov UF_RSP(%rdi), %rax
	mov UF_RIP(%rdi), %rcx
	mov %rcx, -136(%rax)      /* below the interrupted code's 128-byte red zone */
	lea UF_REGS(%rdi), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	popfq
	pop %rsp
	jmp *-136(%rsp)
exo_upcall_crit_end:
