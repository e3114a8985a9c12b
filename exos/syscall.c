/*
 * ExOS's Linux x86-64 system-call layer, first cut: a thin dispatch on
 * Linux's numbers, with Linux's argument order and results (>= 0, or -errno).
 * Two doors lead here:
 *   - a function call: musl's __syscall0..6 call __exos_syscall directly
 *     (exos/musl-overrides/arch/x86_64/syscall_arch.h);
 *   - a reflected `syscall` instruction: the kernel delivers a `syscall`
 *     that is not an exo kernel call as an EXO_UPCALL_SYSCALL upcall, and
 *     exos_reflected serves it from the same dispatch (musl's few assembly
 *     files that still execute `syscall`, and raw `syscall` in programs).
 * docs/exos.md lists what each call does so far; every other call returns
 * -ENOSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "exos.h"
#include "exec.h"
#include "fd.h"
#include "files.h"
#include "misc.h"
#include "proc.h"
#include "signal.h"
#include "thread.h"
#include "vm.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define IOV_MAX_LINUX 1024

static long do_clock_gettime(long clk, struct timespec *ts)
{
	if (clk < 0 || clk > CLOCK_BOOTTIME)
		return -EINVAL;
	if (!exos_user_ok(ts, sizeof(*ts), 1))
		return -EFAULT;
	uint64_t ns = exos_now_ns(); /* every clock counts from boot: there is no real-time clock yet */
	ts->tv_sec = (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
	return 0;
}

/* Sleep by yielding until the time has passed (a lone environment idles until the next tick). */
static long do_nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!exos_user_ok(req, sizeof(*req), 0) || (rem && !exos_user_ok(rem, sizeof(*rem), 1)))
		return -EFAULT;
	if (req->tv_nsec < 0 || req->tv_nsec >= 1000000000L || req->tv_sec < 0)
		return -EINVAL;
	uint64_t until = exos_now_ns() + (uint64_t)req->tv_sec * 1000000000ULL + (uint64_t)req->tv_nsec;
	while (exos_now_ns() < until) {
		if (exos_signal_wait_point(0) < 0) {
			uint64_t left = until > exos_now_ns() ? until - exos_now_ns() : 0;
			if (rem) {
				rem->tv_sec = (time_t)(left / 1000000000ULL);
				rem->tv_nsec = (long)(left % 1000000000ULL);
			}
			return -EINTR;
		}
		exos_thread_pause(until); /* other threads of the process run meanwhile, or the CPU idles */
	}
	if (rem)
		rem->tv_sec = rem->tv_nsec = 0;
	return 0;
}

/*
 * The thread pointer: FSGSBASE lets user mode write the FS base itself,
 * without a kernel call; without it, the set_fs_base kernel call does it.
 */
static unsigned long fs_base;

/* exo_spawn's children inherit the thread pointer ExOS set (lib/spawn.c). */
unsigned long exo_tls_base(void) { return fs_base; }

/* A forked child starts with FS base 0: set it to the value it had in the parent (our copy of fs_base). */
void exos_tls_restore(void)
{
	if (fs_base)
		exos_tls_set(fs_base);
}

unsigned long exos_tls_get(void) { return fs_base; }

long exos_tls_set(unsigned long addr)
{
	if (addr >= USER_TOP)
		return -EPERM;
	if (exo_info->cpu_features & EXO_CPU_FSGSBASE)
		__asm__ volatile("wrfsbase %0" : : "r"(addr) : "memory");
	else if (sys_set_fs_base(addr) < 0)
		return -EPERM;
	fs_base = addr;
	return 0;
}

static long do_arch_prctl(long code, unsigned long addr)
{
	switch (code) {
	case ARCH_SET_FS:
		return exos_tls_set(addr);
	case ARCH_GET_FS:
		if (!exos_user_ok((void *)addr, sizeof(unsigned long), 1))
			return -EFAULT;
		*(unsigned long *)addr = fs_base;
		return 0;
	default:
		return -EINVAL;
	}
}

static long dispatch(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	switch (n) {
	case SYS_read:
		return exos_read(a1, (char *)a2, (unsigned long)a3);
	case SYS_write:
		return exos_write(a1, (const char *)a2, (unsigned long)a3);
	case SYS_readv:
		return exos_readv(a1, (const struct iovec *)a2, a3);
	case SYS_close:
		return exos_close(a1);
	case SYS_dup:
		return exos_dup(a1);
	case SYS_dup2:
		return exos_dup2(a1, a2);
	case SYS_dup3:
		return exos_dup3(a1, a2, a3);
	case SYS_pipe:
		return exos_pipe2((int *)a1, 0);
	case SYS_pipe2:
		return exos_pipe2((int *)a1, a2);
	case SYS_lseek:
		return exos_lseek(a1, a2, a3);
	case SYS_fstat:
		return exos_fstat(a1, (struct stat *)a2);
	case SYS_select:
		return exos_select(a1, (uint64_t *)a2, (uint64_t *)a3, (uint64_t *)a4, (struct timeval *)a5);
	case SYS_pselect6:
		return exos_pselect6(a1, (uint64_t *)a2, (uint64_t *)a3, (uint64_t *)a4, (const struct timespec *)a5,
				     (const void *)a6);
	case SYS_poll:
		return exos_poll((struct pollfd *)a1, (unsigned long)a2, a3);
	case SYS_ppoll:
		return exos_ppoll((struct pollfd *)a1, (unsigned long)a2, (const struct timespec *)a3);
	case SYS_clock_gettime:
		return do_clock_gettime(a1, (struct timespec *)a2);
	case SYS_nanosleep:
		return do_nanosleep((const struct timespec *)a1, (struct timespec *)a2);
	case SYS_writev:
		return exos_writev(a1, (const struct iovec *)a2, a3);
	case SYS_ioctl:
		return exos_ioctl(a1, (unsigned long)a2, (unsigned long)a3);
	case SYS_exit:
		return exos_thread_exit((int)a1); /* one thread; the process when it is the last */
	case SYS_exit_group:
		exos_exit((int)a1);
	case SYS_getuid:
	case SYS_geteuid:
	case SYS_getgid:
	case SYS_getegid:
		return 0; /* one user: root */
	case SYS_getgroups:
		return exos_getgroups(a1, (uint32_t *)a2);
	case SYS_setuid:
	case SYS_setgid:
		return exos_set_id(a1);
	case SYS_uname:
		return exos_uname((struct utsname *)a1);
	case SYS_sysinfo:
		return exos_sysinfo((struct sysinfo *)a1);
	case SYS_getcwd:
		return exos_getcwd((char *)a1, (unsigned long)a2);
	case SYS_open:
		return exos_openat(AT_FDCWD, (const char *)a1, a2, a3);
	case SYS_openat:
		return exos_openat(a1, (const char *)a2, a3, a4);
	case SYS_stat:
		return exos_fstatat(AT_FDCWD, (const char *)a1, (struct stat *)a2, 0);
	case SYS_lstat:
		return exos_fstatat(AT_FDCWD, (const char *)a1, (struct stat *)a2, AT_SYMLINK_NOFOLLOW);
	case SYS_newfstatat:
		return exos_fstatat(a1, (const char *)a2, (struct stat *)a3, a4);
	case SYS_access:
		return exos_faccessat(AT_FDCWD, (const char *)a1, a2);
	case SYS_faccessat:
	case SYS_faccessat2:
		return exos_faccessat(a1, (const char *)a2, a3);
	case SYS_readlink:
		return exos_readlinkat(AT_FDCWD, (const char *)a1, (char *)a2, (unsigned long)a3);
	case SYS_readlinkat:
		return exos_readlinkat(a1, (const char *)a2, (char *)a3, (unsigned long)a4);
	case SYS_chdir:
		return exos_chdir((const char *)a1);
	case SYS_fchdir:
		return exos_fchdir(a1);
	case SYS_getdents64:
		return exos_getdents64(a1, (char *)a2, (unsigned long)a3);
	case SYS_pread64:
		return exos_pread(a1, (char *)a2, (unsigned long)a3, a4);
	case SYS_pwrite64:
		return exos_pwrite(a1, (const char *)a2, (unsigned long)a3, a4);
	case SYS_mkdir:
		return exos_mkdirat(AT_FDCWD, (const char *)a1, a2);
	case SYS_mkdirat:
		return exos_mkdirat(a1, (const char *)a2, a3);
	case SYS_rmdir:
		return exos_unlinkat(AT_FDCWD, (const char *)a1, AT_REMOVEDIR);
	case SYS_unlink:
		return exos_unlinkat(AT_FDCWD, (const char *)a1, 0);
	case SYS_unlinkat:
		return exos_unlinkat(a1, (const char *)a2, a3);
	case SYS_rename:
		return exos_renameat2(AT_FDCWD, (const char *)a1, AT_FDCWD, (const char *)a2, 0);
	case SYS_renameat:
		return exos_renameat2(a1, (const char *)a2, a3, (const char *)a4, 0);
	case SYS_renameat2:
		return exos_renameat2(a1, (const char *)a2, a3, (const char *)a4, a5);
	case SYS_symlink:
		return exos_symlinkat((const char *)a1, AT_FDCWD, (const char *)a2);
	case SYS_symlinkat:
		return exos_symlinkat((const char *)a1, a2, (const char *)a3);
	case SYS_link:
		return exos_linkat(AT_FDCWD, (const char *)a1, AT_FDCWD, (const char *)a2, 0);
	case SYS_linkat:
		return exos_linkat(a1, (const char *)a2, a3, (const char *)a4, a5);
	case SYS_chmod:
		return exos_fchmodat(AT_FDCWD, (const char *)a1, a2, 0);
	case SYS_fchmodat:
		return exos_fchmodat(a1, (const char *)a2, a3, 0);
	case SYS_fchmod:
		return exos_fchmod(a1, a2);
	case SYS_chown:
	case SYS_lchown:
	case SYS_fchown:
	case SYS_fchownat:
		return 0; /* every file is root's, and so is every process */
	case SYS_truncate:
		return exos_truncate((const char *)a1, a2);
	case SYS_ftruncate:
		return exos_ftruncate(a1, a2);
	case SYS_creat:
		return exos_openat(AT_FDCWD, (const char *)a1, O_CREAT | O_WRONLY | O_TRUNC, a2);
	case SYS_utimensat:
		return exos_utimensat(a1, (const char *)a2, (const struct timespec *)a3, a4);
	case SYS_statfs:
		return exos_statfs((const char *)a1, (struct statfs *)a2);
	case SYS_fstatfs:
		return exos_fstatfs(a1, (struct statfs *)a2);
	case SYS_sendfile:
		return exos_sendfile(a1, a2, (long *)a3, (unsigned long)a4);
	case SYS_reboot:
		return exos_reboot((unsigned long)a1, (unsigned long)a2, (unsigned long)a3);
	case SYS_fsync:
	case SYS_fdatasync:
	case SYS_sync:
	case SYS_syncfs:
		return 0; /* the file system is in memory: nothing to write back */
	case SYS_prctl:
		return exos_prctl(a1, (unsigned long)a2);
	case SYS_prlimit64:
		return exos_prlimit(a1, a2, (const struct rlimit *)a3, (struct rlimit *)a4);
	case SYS_getrlimit:
		return exos_prlimit(0, a1, NULL, (struct rlimit *)a2);
	case SYS_setrlimit:
		return exos_prlimit(0, a1, (const struct rlimit *)a2, NULL);
	case SYS_umask:
		return exos_umask((unsigned long)a1);
	case SYS_sched_getaffinity:
		return exos_sched_getaffinity(a1, (unsigned long)a2, (void *)a3);
	case SYS_fcntl:
		return exos_fcntl(a1, a2, a3);
	case SYS_sched_yield:
		return exos_sched_yield();
	case SYS_clone:
		return exos_clone((unsigned long)a1, (unsigned long)a2, (int *)a3, (int *)a4, (unsigned long)a5);
	case SYS_futex:
		return exos_futex((int *)a1, a2, a3, (unsigned long)a4, (int *)a5, a6);
	case SYS_membarrier:
		return exos_membarrier(a1, a2);
	case SYS_fork:
	case SYS_vfork:
		return exos_fork();
	case SYS_execve:
		return exos_execve((const char *)a1, (char *const *)a2, (char *const *)a3);
	case SYS_wait4:
		return exos_wait4(a1, (int *)a2, a3, (void *)a4);
	case SYS_kill:
		return exos_kill(a1, a2);
	case SYS_tkill:
		return exos_thread_tkill(a1, a2);
	case SYS_tgkill:
		return exos_tgkill(a1, a2, a3);
	case SYS_rt_sigaction:
		return exos_rt_sigaction(a1, (const void *)a2, (void *)a3, (unsigned long)a4);
	case SYS_rt_sigprocmask:
		return exos_rt_sigprocmask(a1, (const uint64_t *)a2, (uint64_t *)a3, (unsigned long)a4);
	case SYS_rt_sigpending:
		return exos_rt_sigpending((uint64_t *)a1, (unsigned long)a2);
	case SYS_rt_sigsuspend:
		return exos_rt_sigsuspend((const uint64_t *)a1, (unsigned long)a2);
	case SYS_rt_sigreturn:
		return exos_rt_sigreturn();
	case SYS_pause:
		return exos_pause();
	case SYS_alarm:
		return exos_alarm((unsigned long)a1);
	case SYS_setitimer:
		return exos_setitimer(a1, (const struct itimerval *)a2, (struct itimerval *)a3);
	case SYS_getitimer:
		return exos_getitimer(a1, (struct itimerval *)a2);
	case SYS_setpgid:
		return exos_setpgid(a1, a2);
	case SYS_getpgid:
		return exos_getpgid(a1);
	case SYS_getpgrp:
		return exos_getpgid(0);
	case SYS_setsid:
		return exos_setsid();
	case SYS_getsid:
		return exos_getsid(a1);
	case SYS_brk:
		return exos_brk((unsigned long)a1);
	case SYS_mmap:
		return exos_mmap((unsigned long)a1, (unsigned long)a2, a3, a4, a5, a6);
	case SYS_munmap:
		return exos_munmap((unsigned long)a1, (unsigned long)a2);
	case SYS_mprotect:
		return exos_mprotect((unsigned long)a1, (unsigned long)a2, a3);
	case SYS_mremap:
		return exos_mremap((unsigned long)a1, (unsigned long)a2, (unsigned long)a3, a4, (unsigned long)a5);
	case SYS_arch_prctl:
		return do_arch_prctl(a1, (unsigned long)a2);
	case SYS_set_tid_address:
		return exos_set_tid_address((int *)a1);
	case SYS_gettid:
		return exos_gettid();
	case SYS_getpid:
		return exos_getpid();
	case SYS_getppid:
		return exos_getppid();
	default:
		return -ENOSYS;
	}
}

/*
 * Signals pending are acted on as every call returns (a cheap test first: usually nothing is).
 * A preemption of the thread that came while it was inside ExOS is made as its outermost call ends.
 */
long __exos_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	exos_vm_busy++;
	exos_calls++;
	long r = dispatch(n, a1, a2, a3, a4, a5, a6);
	if (exos_thread_preempt_wanted && exos_vm_busy == 1)
		exos_thread_preempt_point();
	if (--exos_vm_busy == 0)
		exos_vm_give_back(); /* a revocation request that came during the call (usually none: cheap) */
	if (exos_signal_maybe())
		exos_signal_deliver();
	return r;
}

/* A reflected `syscall`: Linux's registers in, the result in rax. */
static long exos_reflected(struct exo_regs *r)
{
	exos_thread_reflect_enter();
	long v = __exos_syscall((long)r->rax, (long)r->rdi, (long)r->rsi, (long)r->rdx, (long)r->r10, (long)r->r8,
				(long)r->r9);
	return exos_thread_reflect_leave((long)r->rax, v); /* the frame may now resume another thread */
}

long exos_syscall_init(void) { return exo_set_syscall_handler(exos_reflected); }
