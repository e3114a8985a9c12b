/*
 * ExOS internals shared by its files. ExOS is compiled against musl's headers
 * (Linux's numbers and structure layouts) and exo's own headers (inc/exo/).
 */
#ifndef EXOS_EXOS_H
#define EXOS_EXOS_H

#include <exo/lib.h>

/* The Linux system-call layer: n and the arguments as Linux x86-64 passes them; returns >= 0 or -errno. */
long __exos_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

/* Start-up: register the reflection handler. Returns 0 or a negative exo error. */
long exos_syscall_init(void);

/* Memory (vm.c): Linux semantics, results as the system calls return them. */
long exos_vm_init(void); /* 0 or -errno */
long exos_brk(unsigned long addr);
long exos_mmap(unsigned long addr, unsigned long len, long prot, long flags, long fd, long off);
long exos_munmap(unsigned long addr, unsigned long len);
long exos_mprotect(unsigned long addr, unsigned long len, long prot);
long exos_mremap(unsigned long old, unsigned long old_len, unsigned long new_len, long flags, unsigned long new_addr);

/* Set the thread pointer to the one this process set last (a forked child starts without). */
void exos_tls_restore(void);
/* The running thread's pointer (FS base) as ExOS set it; set it (0, or -EPERM for a bad address). */
unsigned long exos_tls_get(void);
long exos_tls_set(unsigned long addr);

/* Nanoseconds since boot, from the TSC and its calibrated rate (no kernel call). */
static inline uint64_t exos_now_ns(void)
{
	uint64_t t = rdtsc() - exo_info->boot_tsc, hz = exo_info->tsc_hz;
	return t / hz * 1000000000ULL + t % hz * 1000000000ULL / hz;
}

/* A negative exo error code as a negative Linux errno. */
long exos_errno(long exo_err);

#endif
