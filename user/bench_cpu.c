/*
 * Cost of the processor primitives, in TSC ticks per round trip (under QEMU
 * -icount shift=0 a tick is one guest instruction): an exception to the
 * user handler and back (ud2 skipped by the handler), a page-fault upcall
 * and resume, a reflected `syscall` round trip, and a directed yield between
 * two environments (there and back, so two switches).
 */
#include <exo/lib.h>

#define ROUNDS 2000
#define VA 0x10000000UL

static long slot;

static int skip_ud2(struct exo_upcall *u)
{
	u->rip += 2;
	return 0;
}

static int map_it(struct exo_upcall *u)
{
	return sys_bind(EXO_CAP_SELF, u->addr & ~4095UL, (unsigned long)slot, EXO_PROT_R | EXO_PROT_W) == 0 ? 0 : -1;
}

static long answer(struct exo_regs *r)
{
	(void)r;
	return 0;
}

static volatile unsigned long partner_id, my_id, stop;

static int partner(long unused)
{
	(void)unused;
	while (!stop)
		sys_yield_to(my_id);
	return 0;
}

int main(void)
{
	uint64_t t0, t, sum;
	slot = sys_page_alloc(EXO_PPN_ANY);
	exo_set_exception_handler(EXO_VEC_UD, skip_ud2);
	exo_set_pagefault_handler(map_it);
	exo_set_syscall_handler(answer);

	for (int i = 0; i < 100; i++) /* warm up */
		__asm__ volatile("ud2");
	t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		__asm__ volatile("ud2");
	uint64_t exc = (rdtsc() - t0) / ROUNDS;

	sum = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t va = VA + (uint64_t)(i % 64) * 4096;
		sys_unbind(EXO_CAP_SELF, va);
		t = rdtsc();
		*(volatile uint64_t *)va = 1;
		sum += rdtsc() - t;
	}
	uint64_t pf = sum / ROUNDS;

	t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		__asm__ volatile("syscall" ::"a"(39L) : "rcx", "r11", "memory");
	uint64_t refl = (rdtsc() - t0) / ROUNDS;

	my_id = EXO_ENV_INFO->id; /* before the child's copy of .data is made */
	long env = exo_spawn_create(partner, 0);
	partner_id = EXO_CAP_TABLE[env].object;
	exo_spawn_start(env, 0);
	sys_yield_to(partner_id);
	t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		sys_yield_to(partner_id);
	uint64_t yield = (rdtsc() - t0) / ROUNDS;

	printf("bench_cpu (TSC ticks per round trip; instructions under -icount shift=0):\n");
	printf("  exc (ud2 -> handler -> resumed)       %lu\n", exc);
	printf("  pagefault upcall + bind + resume     %lu\n", pf);
	printf("  reflected syscall round trip         %lu\n", refl);
	printf("  directed yield there and back        %lu\n", yield);
	sys_env_destroy((unsigned long)env);
	return 0;
}
