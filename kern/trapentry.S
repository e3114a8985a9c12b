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

/*
 * One stub per vector; the CPU pushes an error code only for some exceptions.
 * Exceptions in FAST_UPCALL_VECTORS get the fast path below instead.
 */
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

/*
 * The exception fast path, one copy per vector (err: 8 if the CPU pushed an
 * error code, else 0) and per SMAP setting (smap: bracket the user writes
 * with stac/clac). A user-mode exception whose environment has an upcall
 * entry, and which did not happen on its upcall stack, gets its frame
 * (struct exo_upcall, inc/exo/upcall.h) written straight onto the top of the
 * upcall stack, and the environment continues at its entry with rdi = rsp =
 * the frame: no C, no saved trap frame. The kernel writes only what it must
 * (the header, and the rip, rflags, rsp and rdi it changes); every other
 * register reaches the entry as the interrupted code left it, and the entry
 * stores those into the frame itself. Everything else (kernel mode, nesting,
 * no entry, a frame that cannot be written) goes to trap_slow with every
 * register as the CPU left it; upcall.c deliver() builds the same frame.
 *
 * Stack while here: \err(%rsp) = rip, then cs, rflags, rsp, ss (8 bytes
 * further once the entry is pushed). rdi and rax are parked in struct cpu.
 * A fault between fastw_start and fastw_end (the upcall stack cannot be
 * written) resumes at fastw_fault (trap.c, through fastup_table) with the
 * entry still pushed.
 */
#define UF_VECTOR 8
#define UF_ERR 16
#define UF_ADDR 24
#define UF_RIP 48
#define UF_RDI 128
#define UF_RFLAGS 176
#define UF_RSP 184
	.macro FAST_STUB vec, err, smap
	.p2align 4
trap_fast\smap\()_\vec:
	testb $3, 8+\err(%rsp)            /* cs */
	jz fastk\smap\()_\vec
	swapgs
	mov %rdi, %gs:CPU_FAST_RDI
	mov %rax, %gs:CPU_FAST_RAX
	mov %gs:CPU_CURENV, %rax
	cmpq $0, ENV_UPCALL_ENTRY(%rax)
	je fastg\smap\()_\vec
	mov ENV_UPCALL_STACK_TOP(%rax), %rdi
	sub 24+\err(%rsp), %rdi           /* rsp on the upcall stack, (top - size, top]? then nest: C */
	cmp ENV_UPCALL_STACK_SIZE(%rax), %rdi
	jb fastg\smap\()_\vec
	mov ENV_UPCALL_STACK_TOP(%rax), %rdi
	sub $UPCALL_FRAME_SIZE, %rdi      /* the frame; env_set_upcall guaranteed the room below it */
	push ENV_UPCALL_ENTRY(%rax)
	.if \smap
	stac
	.endif
fastw_start\smap\()_\vec:
	movq $1, (%rdi)                   /* type EXO_UPCALL_EXCEPTION */
	movq $\vec, UF_VECTOR(%rdi)
	.if \err
	mov 8(%rsp), %rax
	mov %rax, UF_ERR(%rdi)
	.else
	movq $0, UF_ERR(%rdi)
	.endif
	.if \vec == 14
	mov %cr2, %rax
	mov %rax, UF_ADDR(%rdi)
	.else
	movq $0, UF_ADDR(%rdi)
	.endif
	mov 8+\err(%rsp), %rax
	mov %rax, UF_RIP(%rdi)
	mov 24+\err(%rsp), %rax
	mov %rax, UF_RFLAGS(%rdi)
	mov 32+\err(%rsp), %rax
	mov %rax, UF_RSP(%rdi)
	mov %gs:CPU_FAST_RDI, %rax
	mov %rax, UF_RDI(%rdi)
fastw_end\smap\()_\vec:
	.if \smap
	clac
	.endif
	pop \err(%rsp)                    /* rip = the entry */
	mov %rdi, 24+\err(%rsp)           /* rsp = rdi = the frame */
	andq $~(RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL), 16+\err(%rsp)
	mov %gs:CPU_FAST_RAX, %rax
	swapgs
	.if \err
	add $8, %rsp
	.endif
	iretq
fastw_fault\smap\()_\vec:                 /* the upcall stack cannot be written: let trap() decide */
	add $8, %rsp
	.if \smap
	clac
	.endif
fastg\smap\()_\vec:                       /* give up: the C path, from user mode (GS swapped) */
	mov %gs:CPU_FAST_RAX, %rax
	mov %gs:CPU_FAST_RDI, %rdi
fastk\smap\()_\vec:                       /* kernel mode, or given up */
	.if \err == 0
	push $0
	.endif
	push $\vec
	jmp trap_slow
	.pushsection .rodata, 1
	.quad fastw_start\smap\()_\vec, fastw_end\smap\()_\vec, fastw_fault\smap\()_\vec
	.popsection
	.endm

	.macro ANY_STUB vec, smap
	.if (FAST_UPCALL_VECTORS >> \vec) & 1
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	FAST_STUB \vec, 8, \smap
	.else
	FAST_STUB \vec, 0, \smap
	.endif
	.endif
	.endm

	.macro TABLE_ENTRY vec, smap
	.if (\vec < 32) && ((FAST_UPCALL_VECTORS >> \vec) & 1)
	.quad trap_fast\smap\()_\vec
	.else
	.quad trap_stub_\vec
	.endif
	.endm

	.pushsection .rodata, 1
	.p2align 3
	.globl fastup_table
fastup_table:                             /* {start, end, fixup} per fast stub, filled in below */
	.popsection
	.text
	.altmacro
	.set vec, 0
	.rept 256
	STUB %vec
	.set vec, vec + 1
	.endr
	.set vec, 0
	.rept 32
	ANY_STUB %vec, 0
	ANY_STUB %vec, 1
	.set vec, vec + 1
	.endr

	.pushsection .rodata, 1
	.globl fastup_table_end
fastup_table_end:
	.popsection
	.section .rodata
	.p2align 3
	.globl trap_stubs, trap_stubs_smap
trap_stubs:
	.set vec, 0
	.rept 256
	TABLE_ENTRY %vec, 0
	.set vec, vec + 1
	.endr
trap_stubs_smap:
	.set vec, 0
	.rept 256
	TABLE_ENTRY %vec, 1
	.set vec, vec + 1
	.endr
	.noaltmacro

/*
 * Common path of every other exception and interrupt. On entry the stack
 * holds vector, error code and the CPU's frame. GS is swapped only when we
 * came from user mode (the kernel never changes its own GS base).
 */
	.text
	.p2align 4
trap_common:
	testb $3, 24(%rsp)            /* frame: vector, err, rip, cs */
	jz trap_slow
	swapgs
trap_slow:
	PUSH_REGS
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
