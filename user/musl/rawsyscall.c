/*
 * A raw Linux `syscall` instruction in a musl program: not an exo kernel
 * call, so the kernel reflects it to the program's handler, and ExOS serves
 * it from the same dispatch as musl's function calls. Compares write and
 * getpid done both ways, and forks by a raw `syscall`: the child resumes
 * inside its copy of the reflection handler and returns 0 from the
 * instruction, as on Linux.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static long raw_syscall3(long n, long a1, long a2, long a3)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a1), "S"(a2), "d"(a3) : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
	static const char msg[] = "raw syscall: write served by reflection\n";
	long n = raw_syscall3(SYS_write, 1, (long)msg, (long)strlen(msg));
	long pid = raw_syscall3(SYS_getpid, 0, 0, 0);
	long bad = raw_syscall3(SYS_write, 9, (long)msg, 1);
	long nosys = raw_syscall3(SYS_io_setup, 1, 0, 0);
	long child = raw_syscall3(SYS_fork, 0, 0, 0);
	if (child == 0)
		raw_syscall3(SYS_exit_group, getppid() == pid ? 42 : 1, 0, 0);
	int st = 0;
	long waited = raw_syscall3(SYS_wait4, child, (long)&st, 0);
	int ok = n == (long)strlen(msg) && pid == getpid() && bad == -9 /* EBADF */ && nosys == -38 /* ENOSYS */ &&
		 child > 0 && waited == child && WIFEXITED(st) && WEXITSTATUS(st) == 42;
	printf("raw syscall: write %ld, getpid %ld (function call: %d), bad fd %ld, io_setup %ld, fork+wait4 status %d\n",
	       n, pid, getpid(), bad, nosys, WEXITSTATUS(st));
	printf("reflection: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
