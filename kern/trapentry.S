/*
 * Kernel entry and exit: exception and interrupt stubs, the syscall entry
 * for kernel calls, and the two ways back to user mode (iretq, sysretq).
 * All build a struct trapframe (trap.h) on the kernel stack.
 */
#define ASM_FILE
#include "x86.h"
#include "trap.h"

	.macro PUSH_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	.endm

	.macro POP_REGS
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
	.endm

/* One stub per vector; the CPU pushes an error code only for some exceptions. */
	.macro STUB vec
	.p2align 4
trap_stub_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	push $0
	.endif
	push $\vec
	jmp trap_common
	.endm

	.macro TABLE_ENTRY vec
	.quad trap_stub_\vec
	.endm

	.text
	.altmacro
	.set vec, 0
	.rept 256
	STUB %vec
	.set vec, vec + 1
	.endr

	.section .rodata
	.p2align 3
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	TABLE_ENTRY %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

/*
 * Common path of every exception and interrupt. On entry the stack holds
 * vector, error code and the CPU's frame. GS is swapped only when we came
 * from user mode (the kernel never changes its own GS base).
 */
	.text
	.p2align 4
trap_common:
	testb $3, 24(%rsp)            /* frame: vector, err, rip, cs */
	jz 1f
	swapgs
1:	PUSH_REGS
	/*
	 * Clear AC (user code may set it; with AC set SMAP is off) and DF. Not
	 * clac: that instruction faults on CPUs without SMAP.
	 */
	pushfq
	andq $~(RFLAGS_AC | RFLAGS_DF), (%rsp)
	popfq
	xor %ebp, %ebp                /* end of backtraces */
	mov %rsp, %rdi
	call trap
	/*
	 * trap() returns only for kernel mode: an interrupt in the idle loop, or a
	 * fault in a user-copy routine redirected to its fixup.
	 */
	POP_REGS
	add $16, %rsp
	iretq

/*
 * trap_return_iret(tf): resume the user context in *tf (any registers),
 * through iretq. tf must be sanitised by the caller (user CS/SS, canonical rip).
 */
	.globl trap_return_iret
trap_return_iret:
	mov %rdi, %rsp
	POP_REGS
	add $16, %rsp
	swapgs
	iretq

/*
 * The `syscall` entry. The CPU has put the user rip in rcx and rflags in
 * r11, masked rflags with FMASK (IF, TF, DF, AC, NT clear) and not switched
 * stacks. Interrupts are off until we return.
 */
	.globl kcall_entry
	.p2align 4
kcall_entry:
	swapgs
	mov %rsp, %gs:CPU_SCRATCH
	mov %gs:CPU_KSTACK_TOP, %rsp
	push $SEL_UDATA               /* ss */
	push %gs:CPU_SCRATCH          /* rsp */
	push %r11                     /* rflags */
	push $SEL_UCODE               /* cs */
	push %rcx                     /* rip */
	push $0                       /* err */
	push $T_KCALL                 /* vector */
	PUSH_REGS
	xor %ebp, %ebp
	mov %rsp, %rdi
	call kcall
	/* kcall() returns when the caller continues: leave by sysret from the frame on the stack. */
	mov %rsp, %rdi
	/* fall through */

/*
 * trap_return_sysret(tf): resume a context saved by kcall_entry (rcx and r11
 * are lost, as the kernel-call ABI allows). Caller checked tf->rip is canonical
 * (sysret with a non-canonical rcx would fault in ring 0 on Intel CPUs).
 */
	.globl trap_return_sysret
trap_return_sysret:
	mov %rdi, %rsp
	POP_REGS
	mov 16(%rsp), %rcx            /* rip */
	mov 32(%rsp), %r11            /* rflags */
	mov 40(%rsp), %rsp            /* user rsp: from here an NMI must use its IST stack */
	swapgs
	sysretq
