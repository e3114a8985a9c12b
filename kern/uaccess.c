/*
 * User-memory access. A range is checked against the user half first;
 * whether each page is mapped with the right rights is left to the MMU,
 * whose fault during the copy turns into -EXO_EFAULT (trap.c). Writes to
 * user pages mapped read-only fault too because CR0.WP is set.
 */
#include <exo/error.h>
#include <exo/info.h>
#include "kernel.h"
#include "trap.h"
#include "uaccess.h"

_Static_assert(EXO_EFAULT == 2, "uaccess_copy.S returns -2 for -EXO_EFAULT");

long uaccess_copy(void *dst, const void *src, size_t n, int smap);

long copy_from_user(void *dst, uint64_t va, size_t len)
{
	if (!user_range_ok(va, len))
		return -EXO_EFAULT;
	return uaccess_copy(dst, (const void *)va, len, (cpu_features() & EXO_CPU_SMAP) != 0);
}

long copy_to_user(uint64_t va, const void *src, size_t len)
{
	if (!user_range_ok(va, len))
		return -EXO_EFAULT;
	return uaccess_copy((void *)va, src, len, (cpu_features() & EXO_CPU_SMAP) != 0);
}
