/*
 * User-memory access. A range is checked against the user half first;
 * whether each page is mapped with the right rights is left to the MMU,
 * whose fault during the copy turns into -EXO_EFAULT (trap.c). Writes to
 * user pages mapped read-only fault too because CR0.WP is set.
 */
#include <exo/error.h>
#include <exo/info.h>
#include "env.h"
#include "kernel.h"
#include "trap.h"
#include "uaccess.h"
#include "vm.h"
#include "x86.h"

_Static_assert(EXO_EFAULT == 2, "uaccess_copy.S returns -2 for -EXO_EFAULT");

long uaccess_copy(void *dst, const void *src, size_t n, int smap);

long user_range_check(uint64_t va, size_t len, int write)
{
	struct env *e = this_cpu()->curenv;
	uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);

	if (!user_range_ok(va, len) || !e)
		return -EXO_EFAULT;
	if (len == 0)
		return 0;
	for (uint64_t page = ROUNDDOWN(va, PAGE_SIZE); page < va + len; page += PAGE_SIZE) {
		pte_t *pte = vm_lookup(e->pml4_pa, page);
		if (!pte || (*pte & need) != need)
			return -EXO_EFAULT;
	}
	return 0;
}

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
