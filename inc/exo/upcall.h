/*
 * Upcalls: how the kernel hands an event to an environment in user mode.
 * docs/memory.md and docs/processor.md describe the protocol.
 *
 * The environment registers (env_set_upcall) an entry point, an upcall stack
 * and the address range of its context-restore code. For an event the kernel
 * writes a struct exo_upcall on the upcall stack (below the current frame,
 * past a 128-byte red zone, when the environment is already on it) and
 * enters the entry with rdi = rsp = the frame. The environment resumes the
 * interrupted context itself, without a kernel call.
 *
 * The kernel writes only type, rip, regs.rdi, regs.rflags, regs.rsp and the
 * fields of the frame's type. Every other general register reaches the entry
 * as the interrupted code left it; the entry stores them into regs itself
 * (or, if it changes none of them, need not). Nothing else in the frame is
 * promised: it may hold whatever the stack held.
 */
#ifndef EXO_UPCALL_H
#define EXO_UPCALL_H

#include <stdint.h>

enum exo_upcall_type {
	EXO_UPCALL_EXCEPTION = 1, /* a CPU exception in user mode: vector, err, addr (#PF) */
	EXO_UPCALL_REVOKE = 2,    /* give pages back: revoke_pages by tick revoke_deadline */
	EXO_UPCALL_SYSCALL = 3,   /* a `syscall` that is not an exo kernel call (e.g. Linux) */
	EXO_UPCALL_PROLOGUE = 4,  /* one of its slots begins: decide what runs (vector = the slot) */
	EXO_UPCALL_EPILOGUE = 5,  /* its slot ends in EXO_EPILOGUE_GRACE ticks: save what it wants, then yield */
};

/*
 * When the environment is already on its upcall stack, the kernel leaves this
 * many bytes below the interrupted rsp untouched before the new frame: the
 * 128-byte red zone plus room for the restore code's parked words (libexo
 * parks rip and rflags at rsp - 144 and rsp - 152).
 */
#define EXO_UPCALL_GAP 256

/*
 * The kernel delivers an upcall only when at least this many bytes of the
 * upcall stack remain below the new frame, for the handler's own use (libexo
 * saves the vector registers there); otherwise the environment is ended as
 * having overflowed its upcall stack. env_set_upcall needs a stack at least
 * this big plus one frame.
 */
#define EXO_UPCALL_ROOM 8192

/* Exception vectors as delivered (the CPU's numbers). */
#define EXO_VEC_DE 0  /* divide error (fault) */
#define EXO_VEC_DB 1  /* debug, e.g. single step (trap: rip is after the instruction) */
#define EXO_VEC_BP 3  /* int3 breakpoint (trap: rip is after int3) */
#define EXO_VEC_UD 6  /* invalid opcode */
#define EXO_VEC_NM 7  /* device not available (exo never sets CR0.TS: does not happen) */
#define EXO_VEC_GP 13 /* general protection */
#define EXO_VEC_SS 12 /* stack fault (non-canonical stack address) */
#define EXO_VEC_PF 14 /* page fault: addr = fault address, err = P/W/U/RSVD/I bits */
#define EXO_VEC_MF 16 /* x87 floating-point error */
#define EXO_VEC_AC 17 /* alignment check (with RFLAGS.AC set) */
#define EXO_VEC_XM 19 /* SIMD floating-point error */

/* The interrupted context, in the order the libOS restores it. */
struct exo_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t rflags, rsp;
};

/*
 * The frame (kernel and entry write it as above). For EXO_UPCALL_SYSCALL, regs hold the
 * system call's registers (rax = number, rdi, rsi, rdx, r10, r8, r9 =
 * arguments; rcx and r11 as the syscall instruction left them) and rip is
 * the instruction after it: set regs.rax to the result and resume.
 */
struct exo_upcall {
	uint64_t type;   /* enum exo_upcall_type */
	uint64_t vector; /* EXCEPTION: the vector (EXO_VEC_*) */
	uint64_t err;    /* EXCEPTION: the error code, 0 when the exception has none */
	uint64_t addr;   /* EXCEPTION #PF: the fault address */
	uint64_t revoke_pages;
	uint64_t revoke_deadline;
	uint64_t rip;    /* where the interrupted context resumes */
	struct exo_regs regs;
};

#endif
