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
	mov %rdi, %gs:CPU_PARK0
	mov %rax, %gs:CPU_PARK1
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
	mov %gs:CPU_PARK0, %rax
	mov %rax, UF_RDI(%rdi)
fastw_end\smap\()_\vec:
	.if \smap
	clac
	.endif
	pop \err(%rsp)                    /* rip = the entry */
	mov %rdi, 24+\err(%rsp)           /* rsp = rdi = the frame */
	andq $~(RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL), 16+\err(%rsp)
	mov %gs:CPU_PARK1, %rax
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
	mov %gs:CPU_PARK1, %rax
	mov %gs:CPU_PARK0, %rdi
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
 * stacks. Interrupts are off until we return. kcall_entry_pct, the entry on
 * CPUs with FSGSBASE and XSAVE (cpu.c), first sends pct_call and pct_return
 * to their fast paths below.
 */
	.globl kcall_entry, kcall_entry_pct
	.p2align 4
kcall_entry:
	swapgs
	jmp kcall_general
	.p2align 4
kcall_entry_pct:
	swapgs
	cmp $(KCALL_PCT_CALL & 0xFFFF), %ax   /* the rest of rax is checked there */
	je pct_call_fast
	cmp $(KCALL_PCT_RETURN & 0xFFFF), %ax
	je pct_return_fast
kcall_general:
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

/*
 * The PCT fast paths (kern/pct.c has the rules, docs/processor.md the
 * contract). They handle a valid pct_call, and a pct_return from an
 * activation that pct_call_fast started and that was never descheduled
 * (pct_lazy), without a trap frame: the passed registers stay in the
 * registers, the caller keeps only its rip, rsp and rflags (in its tf), the
 * callee's own context stays in its tf. Anything else goes to kcall_general
 * with the registers as the syscall left them, and pct.c decides or reports.
 *
 * rsp is not a stack here: it holds a struct env pointer (tf is at offset 0).
 * Interrupts are off and NMI, #DF and #MC have their own stacks; no other
 * exception can happen in this code. Only rax, rcx, r11 and rsp may change
 * (rcx and r11 are the syscall's; the kernel writes rax).
 *
 * SWITCH_ENV moves the CPU from the environment at rsp to the one at rcx,
 * like env_switch_to: the CPU's current env, donee and FPU owner, address
 * space, FS and GS bases (rdfsbase & co: user mode may change them), the
 * complete x87/SSE/AVX state (xsave of every XCR0 component, then xrstor of
 * the other's: no state crosses), and the usage count the newcomer reads.
 * The FPU registers hold rsp's state: checked before (fpu_env == curenv).
 */
	.macro SWITCH_ENV
	mov %rcx, %gs:CPU_CURENV
	mov %rcx, %gs:CPU_DONEE
	mov %rcx, %gs:CPU_FPU_ENV
	mov ENV_PML4(%rcx), %rax
	mov %rax, %cr3
	rdfsbase %rax
	mov %rax, ENV_FS_BASE(%rsp)
	mov ENV_FS_BASE(%rcx), %rax
	wrfsbase %rax
	swapgs                        /* the user GS base is live only while GS is swapped */
	rdgsbase %rax
	mov %rax, ENV_GS_BASE(%rsp)
	mov ENV_GS_BASE(%rcx), %rax
	wrgsbase %rax
	swapgs
	mov %rdx, %gs:CPU_PARK0
	mov $-1, %eax
	mov $-1, %edx
	mov ENV_FPU(%rsp), %r11
	xsave64 (%r11)
	mov ENV_FPU(%rcx), %r11
	xrstor64 (%r11)
	mov %gs:CPU_PARK0, %rdx
	mov ENV_PAGES_COUNT(%rcx), %eax
	mov ENV_EINFO(%rcx), %r11
	mov %rax, EINFO_USAGE(%r11)
	.endm

/* pct_call(rdi = callee id, rsi = entry index): rax = the caller's id at the entry. */
pct_call_fast:
	mov %rsp, %gs:CPU_SCRATCH
	mov %gs:CPU_CURENV, %rsp      /* the caller */
	mov %rcx, TF_RIP(%rsp)
	mov %r11, TF_RFLAGS(%rsp)
	movabs $KCALL_PCT_CALL, %rcx
	cmp %rcx, %rax
	jne pct_call_giveup_rax
	cmpb $0, ENV_PCT_LAZY(%rsp)   /* its own context is in its tf: pct.c moves it first */
	jne pct_call_giveup
	cmp %rsp, %gs:CPU_FPU_ENV
	jne pct_call_giveup
	movzbl %dil, %eax             /* the callee: envs[id & 0xFF] ... */
	cmp $ENV_COUNT, %eax
	jae pct_call_giveup
	imul $ENV_SIZE, %eax, %ecx
	add $envs, %rcx
	movabs $(ENV_STATE_RUNNABLE << 32), %rax
	add %rdi, %rax
	cmp %rax, ENV_ID(%rcx)        /* ... if its id is rdi (below 2^32) and it is runnable */
	jne pct_call_giveup
	cmp %rcx, %rsp
	je pct_call_giveup            /* a call to oneself */
	cmp $PCT_ENTRIES, %rsi
	jae pct_call_giveup
	mov %rsi, %rax
	shl $4, %rax
	add %rcx, %rax                /* ENV_PCT(%rax): its entry */
	cmpq $0, ENV_PCT(%rax)
	je pct_call_giveup
	cmpb $0, ENV_PCT_ACTIVE(%rcx)
	jne pct_call_giveup           /* serving a call already */
	cmpq $0, ENV_UPCALL_ENTRY(%rcx)
	je 1f
	mov ENV_UPCALL_STACK_TOP(%rcx), %r11 /* upcall_in_progress(): EBUSY */
	sub TF_RSP(%rcx), %r11
	cmp ENV_UPCALL_STACK_SIZE(%rcx), %r11
	jb pct_call_giveup
	mov TF_RIP(%rcx), %r11
	sub ENV_CRIT_START(%rcx), %r11
	cmp ENV_CRIT_LEN(%rcx), %r11
	jb pct_call_giveup
1:	mov %gs:CPU_SCRATCH, %r11     /* valid: rsp = the caller, rcx = the callee, rax its entry */
	mov %r11, TF_RSP(%rsp)
	movl $ENV_STATE_WAIT_PCT, ENV_ID + 4(%rsp)
	movw $0x0101, ENV_PCT_ACTIVE(%rcx) /* pct_active, pct_lazy */
	mov ENV_ID(%rsp), %r11d
	mov %r11d, ENV_PCT_CALLER(%rcx)
	mov %rax, %gs:CPU_PARK1
	SWITCH_ENV
	mov %gs:CPU_PARK1, %rax
	mov ENV_PCT + 8(%rax), %rsp   /* its stack_top */
	mov ENV_PCT(%rax), %r11
	mov ENV_PCT_CALLER(%rcx), %eax
	mov %r11, %rcx                /* rip = the entry: below EXO_BIND_TOP, canonical */
	mov $(RFLAGS_IF | 2), %r11d
	swapgs
	sysretq
pct_call_giveup:
	movabs $KCALL_PCT_CALL, %rax
pct_call_giveup_rax:
	mov TF_RIP(%rsp), %rcx
	mov TF_RFLAGS(%rsp), %r11
	mov %gs:CPU_SCRATCH, %rsp
	jmp kcall_general

/* pct_return() from a lazy activation of a waiting caller: the caller resumes with rax = 0. */
pct_return_fast:
	mov %rsp, %gs:CPU_SCRATCH
	mov %rcx, %gs:CPU_PARK0
	mov %r11, %gs:CPU_PARK1
	movabs $KCALL_PCT_RETURN, %rcx
	cmp %rcx, %rax
	jne pct_return_giveup_rax
	mov %gs:CPU_CURENV, %rsp      /* the callee */
	cmpw $0x0101, ENV_PCT_ACTIVE(%rsp) /* serving a call, its own context still in its tf */
	jne pct_return_giveup
	cmp %rsp, %gs:CPU_FPU_ENV
	jne pct_return_giveup
	mov ENV_PCT_CALLER(%rsp), %eax /* never 0 here: only pct_call makes an activation lazy */
	movzbl %al, %ecx
	imul $ENV_SIZE, %ecx, %ecx
	add $envs, %rcx
	movabs $(ENV_STATE_WAIT_PCT << 32), %r11
	add %rax, %r11
	cmp %r11, ENV_ID(%rcx)        /* the caller is still there and waiting */
	jne pct_return_giveup
	movl $ENV_STATE_RUNNABLE, ENV_ID + 4(%rcx)
	movw $0, ENV_PCT_ACTIVE(%rsp) /* its own context is back: it never left tf */
	movl $0, ENV_PCT_CALLER(%rsp)
	SWITCH_ENV
	mov TF_RSP(%rcx), %rsp
	mov TF_RFLAGS(%rcx), %r11
	mov TF_RIP(%rcx), %rcx        /* after its syscall: below EXO_BIND_TOP, canonical */
	xor %eax, %eax
	swapgs
	sysretq
pct_return_giveup:
	movabs $KCALL_PCT_RETURN, %rax
pct_return_giveup_rax:
	mov %gs:CPU_PARK0, %rcx
	mov %gs:CPU_PARK1, %r11
	mov %gs:CPU_SCRATCH, %rsp
	jmp kcall_general
