/*
 * Measure the foundation's two figures: TSC ticks from the kernel's first
 * instruction to this program's first instruction, and the null kernel
 * call's round trip. Under QEMU -icount shift=0 the TSC counts guest
 * instructions; under plain TCG it counts host-calibrated time.
 */
#include <exo/lib.h>

#define ROUNDS 100000

int main(void)
{
	uint64_t boot = exo_first_tsc - exo_info->boot_tsc;

	for (int i = 0; i < 1000; i++) /* warm up */
		sys_null();
	uint64_t t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		sys_null();
	uint64_t t1 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		__asm__ volatile("" ::: "memory");
	uint64_t t2 = rdtsc();
	uint64_t loop = (t2 - t1);
	uint64_t per_call = ((t1 - t0) - loop) / ROUNDS;
	printf("boot: %lu TSC ticks from kernel entry to the first user instruction\n", boot);
	printf("syscall: %lu TSC ticks per null kernel call round trip (loop overhead %lu/%d subtracted)\n",
	       per_call, loop, ROUNDS);
	return 0;
}
