/*
 * Upcall entry and context restore for libexo (see inc/exo/upcall.h,
 * struct exo_upcall). The kernel enters exo_upcall_entry with rdi = rsp =
 * the frame on the upcall stack. It wrote the frame's rip, rdi, rflags and
 * rsp; every other general register is still the interrupted context's, and
 * the entry stores them into the frame first. The interrupted context's
 * x87/SSE/AVX state is also still live in the registers: the entry saves it
 * (xsave, or fxsave without XSAVE) in a 4 KiB area below the frame before
 * any C code can touch a vector register, and restores it after. After the dispatcher, the
 * interrupted context is restored here in user mode, without a kernel call:
 * its rip and rflags are parked just below its red zone (rsp - 144, - 152),
 * every register is popped from the frame, rsp is pointed at the parked
 * words, and `popfq; ret $136` ends the restore: a trap flag the handler left
 * set (single-stepping) traps after the ret, at the interrupted rip.
 * [exo_upcall_crit_start, exo_upcall_crit_end) is registered with the kernel
 * as the critical range: no asynchronous upcall lands while rip is in it.
 */
#define UF_RIP 48
#define UF_REGS 56
#define UF_RFLAGS (UF_REGS + 15 * 8)
#define UF_RSP (UF_REGS + 16 * 8)
#define FPU_AREA 4096                 /* >= the XSAVE size of every component QEMU's -cpu max offers */
#define INFO_CPU_FEATURES 0x7F8000000038 /* exo_info.cpu_features (EXO_INFO_VA + 56) */
#define CPU_XSAVE (1 << 6)               /* EXO_CPU_XSAVE */

	.text
	.globl exo_upcall_entry, exo_upcall_resume, exo_upcall_crit_start, exo_upcall_crit_end
exo_upcall_entry:
	mov %r15, UF_REGS(%rdi)
	mov %r14, UF_REGS + 8(%rdi)
	mov %r13, UF_REGS + 16(%rdi)
	mov %r12, UF_REGS + 24(%rdi)
	mov %r11, UF_REGS + 32(%rdi)
	mov %r10, UF_REGS + 40(%rdi)
	mov %r9, UF_REGS + 48(%rdi)
	mov %r8, UF_REGS + 56(%rdi)
	mov %rbp, UF_REGS + 64(%rdi)
	mov %rsi, UF_REGS + 80(%rdi)  /* rdi, at + 72, is the kernel's */
	mov %rdx, UF_REGS + 88(%rdi)
	mov %rcx, UF_REGS + 96(%rdi)
	mov %rbx, UF_REGS + 104(%rdi)
	mov %rax, UF_REGS + 112(%rdi)
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
	mov %r13, %rsi                /* handlers may change the saved vector state through it */
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
	mov UF_RSP(%rdi), %rax    /* the interrupted rsp */
	mov UF_RIP(%rdi), %rcx
	mov %rcx, -144(%rax)      /* park rip and rflags below its 128-byte red zone */
	mov UF_RFLAGS(%rdi), %rcx
	mov %rcx, -152(%rax)
	lea -152(%rax), %rcx
	mov %rcx, UF_RSP(%rdi)    /* the frame is ours: its rsp slot now points at the parked words */
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
	add $8, %rsp              /* the frame's rflags slot: parked instead */
	pop %rsp                  /* interrupted rsp - 152 */
	popfq                     /* a trap flag set here traps after the next instruction: */
	ret $136                  /* rip from rsp - 144, rsp back to the interrupted value */
exo_upcall_crit_end:

/* exo_fpu_restore(area): load a state saved by the entry above (for resumes through the kernel). */
	.globl exo_fpu_restore
exo_fpu_restore:
	movabs $INFO_CPU_FEATURES, %rax
	testl $CPU_XSAVE, (%rax)
	jz 5f
	mov $-1, %eax
	mov $-1, %edx
	xrstor (%rdi)
	ret
5:	fxrstor (%rdi)
	ret
