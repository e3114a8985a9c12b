/* Reading and writing user memory safely. Kernel only. */
#ifndef KERN_UACCESS_H
#define KERN_UACCESS_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include <stddef.h>
#include <stdint.h>
#include <exo/memlayout.h>

/* True when [va, va+len) lies wholly in the user half (no wrap-around). Pure; host-tested. */
static inline int user_range_ok(uint64_t va, uint64_t len)
{
	return va >= USER_MIN && va <= USER_TOP && len <= USER_TOP - va;
}

/*
 * 0 when every page of [va, va+len) is mapped user-accessible (and writable
 * if write) in the current environment's address space, else -EXO_EFAULT.
 * Lets a call validate a buffer before it acts.
 */
long user_range_check(uint64_t va, size_t len, int write);
/* Copy len bytes from user va into dst. 0, or -EXO_EFAULT when any byte is not readable. */
long copy_from_user(void *dst, uint64_t va, size_t len);
/* Copy len bytes from src to user va. 0, or -EXO_EFAULT when any byte is not writable. */
long copy_to_user(uint64_t va, const void *src, size_t len);

#endif
