/*
 * Timer interrupts preempt a user program and resume it intact: general and
 * vector registers hold their values across many ticks; yield idles until an
 * interrupt when no other environment wants the CPU.
 */
#include <exo/lib.h>

/* Spin with patterns in every callee-visible register until `ticks` more timer ticks. */
static int spin_with_patterns(uint64_t ticks)
{
	uint64_t target = exo_info->ticks + ticks;
	uint64_t bad = 0;
	__asm__ volatile("movabs $0x0123456789abcdef, %%rax\n\t"
			 "movq %%rax, %%xmm0\n\t"
			 "pinsrq $1, %%rax, %%xmm0\n\t"
			 : : : "rax", "xmm0");
	while (exo_info->ticks < target) {
		__asm__ volatile("movabs $0x1111111111111111, %%r8\n\t"
				 "mov %%r8, %%r9\n\t"
				 "mov %%r8, %%r10\n\t"
				 "mov %%r8, %%r11\n\t"
				 "mov $200000, %%ecx\n\t"
				 "1: dec %%ecx\n\t"
				 "jnz 1b\n\t"
				 "cmp %%r8, %%r9\n\t"
				 "jne 2f\n\t"
				 "cmp %%r8, %%r10\n\t"
				 "jne 2f\n\t"
				 "cmp %%r8, %%r11\n\t"
				 "jne 2f\n\t"
				 "movabs $0x1111111111111111, %%rax\n\t"
				 "cmp %%rax, %%r8\n\t"
				 "je 3f\n\t"
				 "2: incq %0\n\t"
				 "3:\n\t"
				 : "+m"(bad)
				 :
				 : "rax", "rcx", "r8", "r9", "r10", "r11", "cc");
	}
	uint64_t lo, hi;
	__asm__ volatile("movq %%xmm0, %0\n\tpextrq $1, %%xmm0, %1" : "=r"(lo), "=r"(hi));
	return bad == 0 && lo == 0x0123456789abcdefULL && hi == 0x0123456789abcdefULL;
}

int main(void)
{
	uint64_t t0 = exo_info->ticks;
	check(exo_info->tick_hz == EXO_TICK_HZ, "the timer ticks at EXO_TICK_HZ");
	check(spin_with_patterns(5), "registers and xmm0 survive 5 timer interrupts in user mode");
	check(exo_info->ticks >= t0 + 5, "ticks advanced while user code spun");

	uint64_t t1 = exo_info->ticks;
	for (int i = 0; i < 5; i++)
		check(sys_yield() == 0, "yield returns 0");
	check(exo_info->ticks >= t1 + 4, "each lone yield waits for an interrupt");

	check(sys_idle(0) == -EXO_EINVAL && sys_idle(EXO_IDLE_MAX + 1) == -EXO_EINVAL, "idle: 0 or too long: EINVAL");
	uint64_t t2 = exo_info->ticks;
	check(sys_idle(5) == 0 && exo_info->ticks >= t2 + 5, "idle(5) returns 0 once 5 ticks have passed");

	uint64_t c0 = rdtsc(), k0 = exo_info->ticks;
	while (exo_info->ticks < k0 + 10)
		;
	uint64_t per_tick = (rdtsc() - c0) / 10;
	uint64_t want = exo_info->tsc_hz / exo_info->tick_hz;
	printf("TSC cycles per tick: %lu (calibrated: %lu)\n", per_tick, want);
	check(per_tick > want / 2 && per_tick < want * 2, "timer rate agrees with the TSC calibration (within 2x)");
	test_finish();
}
