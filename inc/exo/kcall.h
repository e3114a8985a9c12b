/*
 * Kernel-call numbers and user-side stubs, all expanded from kcalls.def.
 *
 * Numbers: rax = EXO_KCALL_BASE | index. EXO_KCALL_BASE puts "EXO" in bits
 * 63..40. Linux system-call numbers are below 2^31 (x32 ones add only bit 30)
 * and unmodified code loads them with a zero-extending `mov eax`, so a Linux
 * `syscall` can never be mistaken for an exo call. Any rax that is not an exo
 * call is a foreign system call (the processor issue reflects it to the libOS).
 */
#ifndef EXO_KCALL_H
#define EXO_KCALL_H

#include <exo/error.h>
#include <exo/mem.h>

#define EXO_KCALL_BASE 0x45584F0000000000ULL /* "EXO" << 40 */
#define EXO_KCALL_INDEX_MASK 0xFFFFULL

/* Largest len one cputs call accepts. */
#define EXO_CPUTS_MAX 4096

enum exo_kcall_index {
#define EXO_KCALL(idx, name, nargs, sig, summary, errors) EXO_KCALL_##name = idx,
#include <exo/kcalls.def>
#undef EXO_KCALL
	EXO_NKCALLS
};

/* True when rax names an exo kernel call (whether or not the index exists). */
static inline int exo_is_kcall(unsigned long long rax)
{
	return (rax & ~EXO_KCALL_INDEX_MASK) == EXO_KCALL_BASE;
}

/* Helpers that turn a row's (T1, a1, T2, a2, ...) into parameter and argument lists. */
#define EXO_KC_EXPAND(...) __VA_ARGS__
#define EXO_KC_APPLY(m, ...) m(__VA_ARGS__)
#define EXO_KC_PARAMS_0() void
#define EXO_KC_PARAMS_1(T1, a1) T1 a1
#define EXO_KC_PARAMS_2(T1, a1, T2, a2) T1 a1, T2 a2
#define EXO_KC_PARAMS_3(T1, a1, T2, a2, T3, a3) T1 a1, T2 a2, T3 a3
#define EXO_KC_PARAMS_4(T1, a1, T2, a2, T3, a3, T4, a4) T1 a1, T2 a2, T3 a3, T4 a4
#define EXO_KC_PARAMS_5(T1, a1, T2, a2, T3, a3, T4, a4, T5, a5) T1 a1, T2 a2, T3 a3, T4 a4, T5 a5
#define EXO_KC_PARAMS_6(T1, a1, T2, a2, T3, a3, T4, a4, T5, a5, T6, a6) T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6
#define EXO_KC_LONGS_0() 0, 0, 0, 0, 0, 0
#define EXO_KC_LONGS_1(T1, a1) (long)(a1), 0, 0, 0, 0, 0
#define EXO_KC_LONGS_2(T1, a1, T2, a2) (long)(a1), (long)(a2), 0, 0, 0, 0
#define EXO_KC_LONGS_3(T1, a1, T2, a2, T3, a3) (long)(a1), (long)(a2), (long)(a3), 0, 0, 0
#define EXO_KC_LONGS_4(T1, a1, T2, a2, T3, a3, T4, a4) (long)(a1), (long)(a2), (long)(a3), (long)(a4), 0, 0
#define EXO_KC_LONGS_5(T1, a1, T2, a2, T3, a3, T4, a4, T5, a5) \
	(long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5), 0
#define EXO_KC_LONGS_6(T1, a1, T2, a2, T3, a3, T4, a4, T5, a5, T6, a6) \
	(long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5), (long)(a6)
/* Kernel side: the row's parameters taken from the saved registers r[0..5]. */
#define EXO_KC_FROMREGS_0(r, ...)
#define EXO_KC_FROMREGS_1(r, T1, a1) (T1)(r)[0]
#define EXO_KC_FROMREGS_2(r, T1, a1, T2, a2) (T1)(r)[0], (T2)(r)[1]
#define EXO_KC_FROMREGS_3(r, T1, a1, T2, a2, T3, a3) (T1)(r)[0], (T2)(r)[1], (T3)(r)[2]
#define EXO_KC_FROMREGS_4(r, T1, a1, T2, a2, T3, a3, T4, a4) (T1)(r)[0], (T2)(r)[1], (T3)(r)[2], (T4)(r)[3]
#define EXO_KC_FROMREGS_5(r, T1, a1, T2, a2, T3, a3, T4, a4, T5, a5) \
	(T1)(r)[0], (T2)(r)[1], (T3)(r)[2], (T4)(r)[3], (T5)(r)[4]
#define EXO_KC_FROMREGS_6(r, T1, a1, T2, a2, T3, a3, T4, a4, T5, a5, T6, a6) \
	(T1)(r)[0], (T2)(r)[1], (T3)(r)[2], (T4)(r)[3], (T5)(r)[4], (T6)(r)[5]

#ifndef EXO_KERNEL
/* Issue kernel call idx with six arguments; clobbers rcx and r11 like Linux. */
static inline long exo_kcall6(unsigned long idx, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(EXO_KCALL_BASE | idx), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * A transfer into another environment: the registers that come back are its.
 * Keep the callee-saved ones across the call (below the red zone) and let the
 * compiler assume the others changed. From C only rax (the status) is a result.
 */
static inline long exo_kcall_xfer(unsigned long idx, long a1, long a2)
{
	long ret;
	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\tpush %%r13\n\tpush %%r14\n\tpush %%r15\n\t"
			 "syscall\n\t"
			 "pop %%r15\n\tpop %%r14\n\tpop %%r13\n\tpop %%r12\n\tpop %%rbp\n\tpop %%rbx\n\t"
			 "add $128, %%rsp"
			 : "=a"(ret), "+D"(a1), "+S"(a2)
			 : "a"(EXO_KCALL_BASE | idx)
			 : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}
#define EXO_KC_XFER_ARGS_0() 0, 0
#define EXO_KC_XFER_ARGS_2(T1, a1, T2, a2) (long)(a1), (long)(a2)
#define EXO_KCALL_XFER(idx, name, nargs, sig, summary, errors)                             \
	static inline long sys_##name(EXO_KC_APPLY(EXO_KC_PARAMS_##nargs, EXO_KC_EXPAND sig)) \
	{                                                                                  \
		return exo_kcall_xfer(idx, EXO_KC_APPLY(EXO_KC_XFER_ARGS_##nargs, EXO_KC_EXPAND sig)); \
	}

/* long sys_<name>(params): one stub per row of kcalls.def. */
#define EXO_KCALL(idx, name, nargs, sig, summary, errors)                                  \
	static inline long sys_##name(EXO_KC_APPLY(EXO_KC_PARAMS_##nargs, EXO_KC_EXPAND sig)) \
	{                                                                                  \
		return exo_kcall6(idx, EXO_KC_APPLY(EXO_KC_LONGS_##nargs, EXO_KC_EXPAND sig)); \
	}
#include <exo/kcalls.def>
#undef EXO_KCALL
#undef EXO_KCALL_XFER
#endif /* !EXO_KERNEL */

#endif
