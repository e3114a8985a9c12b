/*
 * Copying between kernel and user memory. The caller (uaccess.c) has checked
 * that the user range lies in the user half; a fault on an unmapped or
 * protected page inside [uaccess_start, uaccess_end) resumes at uaccess_fault
 * (trap.c), which returns -EXO_EFAULT. stac/clac open the SMAP window only
 * around the copy itself.
 */
	.text
	.globl uaccess_copy, uaccess_start, uaccess_end, uaccess_fault
/* long uaccess_copy(void *dst, const void *src, size_t n, int smap): 0 or -EXO_EFAULT (-2) */
uaccess_copy:
	mov %ecx, %r8d
	mov %rdx, %rcx
	shr $3, %rcx                 /* 8 bytes per step, then the tail */
	and $7, %edx
uaccess_start:
	test %r8d, %r8d
	jz 1f
	stac
1:	rep movsq
	mov %rdx, %rcx
	rep movsb
uaccess_end:
	test %r8d, %r8d
	jz 2f
	clac
2:	xor %eax, %eax
	ret
uaccess_fault:
	test %r8d, %r8d
	jz 3f
	clac
3:	mov $-2, %rax
	ret
