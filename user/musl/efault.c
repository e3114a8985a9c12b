/*
 * Bad pointers passed to ExOS's calls return EFAULT: the program is not
 * ended and nothing is written. Each call is made through syscall() (musl's
 * wrappers would touch some of the memory themselves), with a pointer to
 * unmapped memory, to a page the program may only read, and into the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "expect.h"

#define EFAULTS(call, what) expect((call) == -1 && errno == EFAULT, what)

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	void *bad[] = {(void *)16, (void *)0xFFFF800000000000UL, mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)};
	for (int i = 0; i < 3; i++) {
		void *p = bad[i];
		int writable_bad = 1; /* all three are bad to write */
		if (i < 2) { /* unreadable too */
			EFAULTS(syscall(SYS_write, 1, p, 5), "write from a bad buffer");
			EFAULTS(syscall(SYS_writev, 1, p, 2), "writev with a bad iovec array");
			EFAULTS(syscall(SYS_nanosleep, p, NULL), "nanosleep with a bad request");
			EFAULTS(syscall(SYS_rt_sigaction, SIGUSR1, p, NULL, 8), "rt_sigaction with a bad action");
			EFAULTS(syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8), "rt_sigprocmask with a bad set");
			EFAULTS(syscall(SYS_execve, p, NULL, NULL), "execve with a bad path");
			char *argv[] = {"x", p, NULL};
			EFAULTS(syscall(SYS_execve, "/bin/hello", argv, NULL), "execve with a bad argument string");
		}
		if (writable_bad) {
			EFAULTS(syscall(SYS_read, 0, p, 10), "read into a bad buffer");
			EFAULTS(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p), "clock_gettime into a bad pointer");
			struct timespec ts = {0, 1000};
			EFAULTS(syscall(SYS_nanosleep, &ts, p), "nanosleep with a bad remainder");
			EFAULTS(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, p), "arch_prctl(ARCH_GET_FS) into a bad pointer");
			EFAULTS(syscall(SYS_wait4, -1, p, 0, NULL), "wait4 with a bad status pointer");
			EFAULTS(syscall(SYS_rt_sigaction, SIGUSR1, NULL, p, 8), "rt_sigaction with a bad old action");
			EFAULTS(syscall(SYS_rt_sigpending, p, 8), "rt_sigpending into a bad set");
			EFAULTS(syscall(SYS_getitimer, ITIMER_REAL, p), "getitimer into a bad pointer");
			EFAULTS(syscall(SYS_uname, p), "uname into a bad pointer");
			EFAULTS(syscall(SYS_sysinfo, p), "sysinfo into a bad pointer");
			EFAULTS(syscall(SYS_getcwd, p, 64), "getcwd into a bad buffer");
			EFAULTS(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, p), "prlimit64 into a bad pointer");
		}
	}
	char cwd[2];
	expect(syscall(SYS_getcwd, cwd, 1) == -1 && errno == ERANGE, "getcwd into 1 byte: ERANGE");
	printf(failures ? "efault: FAIL (%d)\n" : "efault: PASS\n", failures);
	return failures != 0;
}
