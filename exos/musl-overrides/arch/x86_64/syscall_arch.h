/*
 * exo's replacement for musl's arch/x86_64/syscall_arch.h (mk/musl.mk copies
 * it over musl's before building). musl's C code makes every system call
 * through __syscall0..__syscall6; here they are plain function calls into
 * ExOS's Linux system-call layer (exos/syscall.c) instead of a `syscall`
 * instruction: same Linux x86-64 numbers and arguments, result in the Linux
 * convention (>= 0, or -errno). The few assembly files of musl that execute
 * `syscall` themselves are not changed: exo reflects those to ExOS.
 *
 * No vDSO: exo gives no AT_SYSINFO_EHDR, so musl asks for the clock with a
 * system call (VDSO_USEFUL is left undefined).
 */

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

long __exos_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

static __inline long __syscall0(long n) { return __exos_syscall(n, 0, 0, 0, 0, 0, 0); }

static __inline long __syscall1(long n, long a1) { return __exos_syscall(n, a1, 0, 0, 0, 0, 0); }

static __inline long __syscall2(long n, long a1, long a2) { return __exos_syscall(n, a1, a2, 0, 0, 0, 0); }

static __inline long __syscall3(long n, long a1, long a2, long a3) { return __exos_syscall(n, a1, a2, a3, 0, 0, 0); }

static __inline long __syscall4(long n, long a1, long a2, long a3, long a4)
{
	return __exos_syscall(n, a1, a2, a3, a4, 0, 0);
}

static __inline long __syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
	return __exos_syscall(n, a1, a2, a3, a4, a5, 0);
}

static __inline long __syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return __exos_syscall(n, a1, a2, a3, a4, a5, a6);
}

#define IPC_64 0
