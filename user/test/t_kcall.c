/*
 * Kernel-call interface checks: results and errors of every call, bad
 * pointers of every kind, and which registers a call preserves.
 */
#include <exo/lib.h>

static char big[EXO_CPUTS_MAX + 1];

/* Issue a call with every preserved register set to a pattern; return how many changed. */
static int registers_clobbered(void)
{
	uint64_t out[12];
	__asm__ volatile(
		"push %%rbp\n\t"
		"push %%rbx\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"push %%rdi\n\t" /* out */
		"movabs $0x1111111111111111, %%rbx\n\t"
		"movabs $0x2222222222222222, %%rbp\n\t"
		"movabs $0x3333333333333333, %%r12\n\t"
		"movabs $0x4444444444444444, %%r13\n\t"
		"movabs $0x5555555555555555, %%r14\n\t"
		"movabs $0x6666666666666666, %%r15\n\t"
		"movabs $0x7777777777777777, %%rdi\n\t"
		"movabs $0x8888888888888888, %%rsi\n\t"
		"movabs $0x9999999999999999, %%rdx\n\t"
		"movabs $0xaaaaaaaaaaaaaaaa, %%r8\n\t"
		"movabs $0xbbbbbbbbbbbbbbbb, %%r9\n\t"
		"movabs $0xcccccccccccccccc, %%r10\n\t"
		"movabs $0x45584f0000000000, %%rax\n\t" /* EXO_KCALL_BASE | null */
		"syscall\n\t"
		"mov %%rdi, %%rax\n\t"
		"pop %%rdi\n\t"
		"mov %%rbx, 0(%%rdi)\n\t"
		"mov %%rbp, 8(%%rdi)\n\t"
		"mov %%r12, 16(%%rdi)\n\t"
		"mov %%r13, 24(%%rdi)\n\t"
		"mov %%r14, 32(%%rdi)\n\t"
		"mov %%r15, 40(%%rdi)\n\t"
		"mov %%rax, 48(%%rdi)\n\t"
		"mov %%rsi, 56(%%rdi)\n\t"
		"mov %%rdx, 64(%%rdi)\n\t"
		"mov %%r8, 72(%%rdi)\n\t"
		"mov %%r9, 80(%%rdi)\n\t"
		"mov %%r10, 88(%%rdi)\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbx\n\t"
		"pop %%rbp\n\t"
		:
		: "D"(out)
		: "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory");
	static const uint64_t want[12] = {
		0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
		0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0x8888888888888888,
		0x9999999999999999, 0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb, 0xcccccccccccccccc,
	};
	int changed = 0;
	for (int i = 0; i < 12; i++)
		changed += out[i] != want[i];
	return changed;
}

int main(void)
{
	check(sys_null() == 0, "null call returns 0");
	check(exo_kcall6(999, 0, 0, 0, 0, 0, 0) == -EXO_ENOSYS, "unknown kernel-call index: -EXO_ENOSYS");
	check(exo_kcall6(0xFFFF, 0, 0, 0, 0, 0, 0) == -EXO_ENOSYS, "largest index: -EXO_ENOSYS");
	check(registers_clobbered() == 0, "a kernel call preserves every register but rax, rcx, r11");

	check(sys_cputs("cputs works\n", 12) == 0, "cputs of a user buffer");
	check(sys_cputs("", 0) == 0, "cputs of zero bytes");
	check(sys_cputs(NULL, 1) == -EXO_EFAULT, "cputs(NULL): -EXO_EFAULT");
	check(sys_cputs((const char *)0xFFFFFFFF80100000UL, 16) == -EXO_EFAULT, "cputs of kernel text: -EXO_EFAULT");
	check(sys_cputs((const char *)0xFFFF800000000000UL, 16) == -EXO_EFAULT, "cputs of the physmap: -EXO_EFAULT");
	check(sys_cputs((const char *)0x0000800000000000UL, 16) == -EXO_EFAULT, "cputs of a non-canonical address");
	check(sys_cputs((const char *)0x7FFFFFFFF000UL, 16) == -EXO_EFAULT, "cputs of the top user page");
	check(sys_cputs((const char *)0x10000000UL, 16) == -EXO_EFAULT, "cputs of unmapped user memory");
	check(sys_cputs((const char *)(EXO_INFO_VA + 4096 - 8), 16) == -EXO_EFAULT,
	      "cputs running off the end of a mapped page");
	check(sys_cputs((const char *)-16L, 32) == -EXO_EFAULT, "cputs whose range wraps around");
	check(sys_cputs(big, sizeof(big)) == -EXO_EINVAL, "cputs longer than EXO_CPUTS_MAX: -EXO_EINVAL");
	check(sys_cputs(big, ~0UL) == -EXO_EINVAL, "cputs of length 2^64-1: -EXO_EINVAL");

	check(sys_yield() == 0, "yield returns 0");
	long c = sys_cgetc();
	check(c == -EXO_EAGAIN || (c >= 0 && c < 256), "cgetc returns a byte or -EXO_EAGAIN");

	check(exo_info->magic == EXO_INFO_MAGIC, "the info page is mapped and readable");
	check(exo_info->total_pages > exo_info->free_pages && exo_info->free_pages > 0, "info page counts pages");
	check(exo_info->tsc_hz > 1000000, "info page has the TSC frequency");
	test_finish();
}
