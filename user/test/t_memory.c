/*
 * The kernel loaded this program faithfully: initialised data, zeroed bss
 * (a large one), read-only data, a usable stack; the info page tracks the
 * pages that cost.
 */
#include <exo/lib.h>

static int initialised[4] = {1, 2, 3, 4};
static const char rodata[] = "read-only data";
static unsigned char bss[1 << 20]; /* 256 pages of zeros */

int main(void)
{
	int zero = 1;
	for (size_t i = 0; i < sizeof(bss); i++)
		zero &= bss[i] == 0;
	check(zero, "1 MiB of .bss is zero");
	for (size_t i = 0; i < sizeof(bss); i += 4096)
		bss[i] = (unsigned char)i;
	check(bss[4096 * 7] == (unsigned char)(4096 * 7), ".bss is writable");
	check(initialised[0] == 1 && initialised[3] == 4, ".data holds its initial values");
	check(!strcmp(rodata, "read-only data"), ".rodata is readable");

	volatile char stack_buf[48 * 1024]; /* most of the 64 KiB stack */
	stack_buf[0] = 1;
	stack_buf[sizeof(stack_buf) - 1] = 2;
	check(stack_buf[0] + stack_buf[sizeof(stack_buf) - 1] == 3, "48 KiB of stack are usable");

	uint64_t rsp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	check(rsp < EXO_BOOTSTACK_TOP && rsp > EXO_BOOTSTACK_TOP - EXO_BOOTSTACK_PAGES * 4096, "rsp in the boot stack");
	check(exo_info->total_pages - exo_info->free_pages > 256, "the info page counts the pages in use");
	test_finish();
}
