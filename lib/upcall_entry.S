/*
 * Upcall entry and context restore for libexo (see inc/exo/upcall.h,
 * struct exo_upcall). The kernel enters exo_upcall_entry with rdi = rsp =
 * the frame on the upcall stack. The interrupted context's x87/SSE/AVX state
 * is still live in the registers: the entry saves it (xsave, or fxsave
 * without XSAVE) in a 4 KiB area below the frame before any C code can
 * touch a vector register, and restores it after. After the dispatcher, the
 * interrupted context is restored here in user mode, without a kernel call:
 * its rip is parked just below its red zone (rsp - 136), every register is
 * popped from the frame, and the final jump reads the parked rip.
 * [exo_upcall_crit_start, exo_upcall_crit_end) is registered with the kernel
 * as the critical range: no asynchronous upcall lands while rip is in it.
 */
#define UF_RIP 48
#define UF_REGS 56
#define UF_RSP (UF_REGS + 16 * 8)
#define FPU_AREA 4096                 /* >= the XSAVE size of every component QEMU's -cpu max offers */
#define INFO_CPU_FEATURES 0x7F8000000038 /* exo_info.cpu_features (EXO_INFO_VA + 56) */
#define CPU_XSAVE (1 << 6)               /* EXO_CPU_XSAVE */

	.text
	.globl exo_upcall_entry, exo_upcall_resume, exo_upcall_crit_start, exo_upcall_crit_end
exo_upcall_entry:
	/* r12-r14 are the interrupted context's, saved in the frame: free to use here. */
	mov %rdi, %r12                /* the frame */
	and $-64, %rsp
	sub $FPU_AREA, %rsp
	mov %rsp, %r13                /* the FPU save area, 64-byte aligned */
	movabs $INFO_CPU_FEATURES, %rax
	mov (%rax), %r14d
	and $CPU_XSAVE, %r14d
	jz 1f
	xor %eax, %eax                /* XSAVE wants the header's reserved bytes zero for XRSTOR */
	mov $8, %ecx
	lea 512(%r13), %rdi
	rep stosq
	mov $-1, %eax
	mov $-1, %edx
	xsave (%r13)
	jmp 2f
1:	fxsave (%r13)
2:	mov %r12, %rdi
	call exo_upcall_dispatch
	test %r14d, %r14d
	jz 3f
	mov $-1, %eax
	mov $-1, %edx
	xrstor (%r13)
	jmp 4f
3:	fxrstor (%r13)
4:	mov %r12, %rdi
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
