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
	jmp fast_upcall
trap_slow:
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
 * The exception fast path. A user-mode exception whose environment has an
 * upcall entry, and which did not happen on its upcall stack, is turned into
 * a struct exo_upcall (inc/exo/upcall.h) written straight from the registers
 * onto the top of the upcall stack, and the environment continues at its
 * entry with rdi = rsp = the frame: no C, no saved trap frame. Everything
 * else (interrupts, nesting, no handler, a stack that cannot be written) goes
 * to trap_slow with every register as the CPU left it. The slow path
 * (upcall.c deliver) builds the same frame.
 *
 * Stack while here: 0 rcx, 8 rdx, 16 rdi, 24 rax, 32 vector, 40 err, 48 rip,
 * 56 cs, 64 rflags, 72 rsp, 80 ss.
 */
#define F_RIP 48
#define F_RFLAGS 64
#define F_RSP 72
fast_upcall:
	push %rax
	push %rdi
	push %rdx
	push %rcx
	mov 32(%rsp), %rax
	cmp $31, %rax
	ja fast_giveup
	mov $FAST_UPCALL_VECTORS, %ecx
	bt %eax, %ecx
	jnc fast_giveup
	mov %gs:CPU_CURENV, %rdx
	test %rdx, %rdx
	jz fast_giveup
	cmpq $0, ENV_UPCALL_ENTRY(%rdx)
	je fast_giveup
	mov ENV_UPCALL_STACK_TOP(%rdx), %rdi
	mov F_RSP(%rsp), %rcx             /* on the upcall stack (top - size, top]? then nest: slow path */
	cmp %rdi, %rcx
	ja 2f
	mov %rdi, %rax
	sub ENV_UPCALL_STACK_SIZE(%rdx), %rax
	cmp %rax, %rcx
	ja fast_giveup
2:	sub $UPCALL_FRAME_SIZE, %rdi      /* the frame; env_set_upcall guaranteed the room below it */
	testb $1, smap_on(%rip)
	jz fastup_start
	stac
	.globl fastup_start, fastup_end, fastup_fault
fastup_start:
	movq $1, 0(%rdi)                  /* type EXO_UPCALL_EXCEPTION */
	mov 32(%rsp), %rax
	mov %rax, 8(%rdi)                 /* vector */
	mov 40(%rsp), %rcx
	mov %rcx, 16(%rdi)                /* err */
	xor %ecx, %ecx
	cmp $14, %eax
	jne 3f
	mov %cr2, %rcx
3:	mov %rcx, 24(%rdi)                /* addr */
	movq $0, 32(%rdi)
	movq $0, 40(%rdi)
	mov F_RIP(%rsp), %rax
	mov %rax, 48(%rdi)                /* rip */
	mov %r15, 56(%rdi)
	mov %r14, 64(%rdi)
	mov %r13, 72(%rdi)
	mov %r12, 80(%rdi)
	mov %r11, 88(%rdi)
	mov %r10, 96(%rdi)
	mov %r9, 104(%rdi)
	mov %r8, 112(%rdi)
	mov %rbp, 120(%rdi)
	mov 16(%rsp), %rax
	mov %rax, 128(%rdi)               /* rdi */
	mov %rsi, 136(%rdi)
	mov 8(%rsp), %rax
	mov %rax, 144(%rdi)               /* rdx */
	mov 0(%rsp), %rax
	mov %rax, 152(%rdi)               /* rcx */
	mov %rbx, 160(%rdi)
	mov 24(%rsp), %rax
	mov %rax, 168(%rdi)               /* rax */
	mov F_RFLAGS(%rsp), %rax
	mov %rax, 176(%rdi)               /* rflags */
	mov F_RSP(%rsp), %rax
	mov %rax, 184(%rdi)               /* rsp */
fastup_end:
	testb $1, smap_on(%rip)
	jz 4f
	clac
4:	mov ENV_UPCALL_ENTRY(%rdx), %rax
	mov %rax, F_RIP(%rsp)
	mov %rdi, F_RSP(%rsp)
	andq $~(RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL), F_RFLAGS(%rsp)
	mov %rdi, 16(%rsp)                /* the handler gets rdi = the frame */
	pop %rcx
	pop %rdx
	pop %rdi
	pop %rax
	add $16, %rsp
	swapgs
	iretq
fastup_fault:                         /* the upcall stack cannot be written: let trap() decide */
	testb $1, smap_on(%rip)
	jz fast_giveup
	clac
fast_giveup:
	pop %rcx
	pop %rdx
	pop %rdi
	pop %rax
	jmp trap_slow

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
