/*
 * Cost of the memory primitives, in TSC ticks per operation (under QEMU
 * -icount shift=0 a tick is one guest instruction): bind one page, unbind,
 * protect one page, a batched bind of 100 pages, and a page fault handled by
 * this program's own handler and resumed. Loop overhead is subtracted.
 */
#include <exo/lib.h>

#define VA 0x10000000UL
#define ROUNDS 2000

static long slot;
static uint64_t fault_va;

static int on_fault(struct exo_upcall *u)
{
	(void)u;
	return sys_bind(EXO_CAP_SELF, fault_va, (unsigned long)slot, EXO_PROT_R | EXO_PROT_W) == 0 ? 0 : -1;
}

static uint64_t empty_loop(void)
{
	uint64_t t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		__asm__ volatile("" ::: "memory");
	return rdtsc() - t0;
}

int main(void)
{
	static struct exo_bind_op ops[100];
	slot = sys_page_alloc(EXO_PPN_ANY);
	uint64_t loop = empty_loop();

	sys_bind(EXO_CAP_SELF, VA, (unsigned long)slot, EXO_PROT_R | EXO_PROT_W); /* tables exist from here */
	uint64_t tb = 0, tu = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		sys_bind(EXO_CAP_SELF, VA, (unsigned long)slot, EXO_PROT_R | EXO_PROT_W);
		uint64_t t1 = rdtsc();
		sys_unbind(EXO_CAP_SELF, VA);
		uint64_t t2 = rdtsc();
		tb += t1 - t0;
		tu += t2 - t1;
	}
	sys_bind(EXO_CAP_SELF, VA, (unsigned long)slot, EXO_PROT_R | EXO_PROT_W);
	uint64_t t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		sys_protect(EXO_CAP_SELF, VA, (i & 1) ? EXO_PROT_R | EXO_PROT_W : EXO_PROT_R);
	uint64_t tp = rdtsc() - t0 - loop;

	long first = sys_page_alloc_run(100, 1);
	for (int i = 0; i < 100; i++)
		ops[i] = (struct exo_bind_op){EXO_OP_BIND, (uint32_t)(first + i), VA + 0x100000 + (uint64_t)i * 4096,
					      EXO_PROT_R | EXO_PROT_W, 0};
	static struct exo_bind_op unops[100];
	for (int i = 0; i < 100; i++)
		unops[i] = (struct exo_bind_op){EXO_OP_UNBIND, 0, ops[i].va, 0, 0};
	sys_bind_batch(EXO_CAP_SELF, ops, 100); /* tables and reverse-map entries exist from here */
	uint64_t tbatch = 0;
	for (int r = 0; r < 50; r++) {
		sys_bind_batch(EXO_CAP_SELF, unops, 100);
		t0 = rdtsc();
		sys_bind_batch(EXO_CAP_SELF, ops, 100);
		tbatch += rdtsc() - t0;
	}

	static struct exo_bind_op pro[100], unpro[100];
	for (int i = 0; i < 100; i++) {
		pro[i] = (struct exo_bind_op){EXO_OP_PROTECT, 0, ops[i].va, EXO_PROT_R, 0};
		unpro[i] = (struct exo_bind_op){EXO_OP_PROTECT, 0, ops[i].va, EXO_PROT_R | EXO_PROT_W, 0};
	}
	uint64_t tprot = 0;
	for (int r = 0; r < 50; r++) {
		t0 = rdtsc();
		sys_bind_batch(EXO_CAP_SELF, pro, 100);
		sys_bind_batch(EXO_CAP_SELF, unpro, 100);
		tprot += rdtsc() - t0;
	}

	exo_set_pagefault_handler(on_fault);
	uint64_t tf = 0;
	for (int i = 0; i < ROUNDS; i++) {
		fault_va = VA + 0x80000 + (uint64_t)(i % 64) * 4096;
		sys_unbind(EXO_CAP_SELF, fault_va);
		t0 = rdtsc();
		*(volatile uint64_t *)fault_va = 1; /* faults, handled here, resumes */
		tf += rdtsc() - t0;
	}
	printf("bench_mem (TSC ticks per operation; instructions under -icount shift=0):\n");
	printf("  bind1        %lu\n", tb / ROUNDS);
	printf("  unbind1      %lu\n", tu / ROUNDS);
	printf("  protect1     %lu\n", tp / ROUNDS);
	printf("  bind_batch100 %lu (%lu per page)\n", tbatch / 50, tbatch / 50 / 100);
	printf("  fault_handled %lu (fault -> libOS handler binds -> resumed, incl. the bind)\n", tf / ROUNDS);
	printf("  protect100+unprotect100 %lu (two batches)\n", tprot / 50);
	return 0;
}
