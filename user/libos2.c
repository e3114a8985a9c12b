/*
 * A second library OS, beside ExOS: this program uses neither ExOS nor
 * musl, only libexo and the kernel's calls, and manages memory its own way.
 *
 *   - A physically contiguous, aligned run of RUN_PAGES pages (page_alloc_run),
 *     as a driver wants for DMA: here it is the pager's backing store.
 *   - POOL_PAGES pages of one cache colour (physical page number modulo
 *     NCOLOURS), chosen by name: it reads the kernel's exposed page records
 *     for free pages of that colour and asks for those page numbers.
 *   - Its own translation table (virtual page -> capability slot, a plain
 *     array) over a region of VPAGES virtual pages, more than the pool holds:
 *     its page-fault handler gives a page from the pool on first touch and,
 *     when the pool is empty, evicts the oldest page FIFO, saving its contents
 *     in the backing store and restoring them when it is touched again.
 *
 * It checks that the run is contiguous and aligned, that every pool page
 * has the colour, that a workload over all VPAGES pages reads back what it
 * wrote through many evictions, and that it cannot reach any page another
 * environment holds (isolation). Started by ExOS's fork and execve
 * (user/musl/twolibos.c) it runs beside ExOS processes; as the process
 * protocol asks (inc/exos/api.h), it writes its exit status into its ExOS
 * process entry when it has one. It also runs as the first environment.
 *
 * usage: libos2 [rounds]
 */
#include <exo/lib.h>
#include <exos/api.h>

#define REGION 0x200000000UL /* 8 GiB: its own virtual region */
#define BACKING_VA 0x300000000UL
#define RUN_PAGES 64
#define POOL_PAGES 16
#define VPAGES 48
#define NCOLOURS 16
#define COLOUR 5

static uint32_t xlate[VPAGES];   /* virtual page -> slot of its page; 0: not resident */
static uint8_t saved[VPAGES];    /* its contents are in the backing store */
static uint32_t pool[POOL_PAGES], pool_free;
static uint32_t fifo[POOL_PAGES], fifo_head, fifo_used; /* resident virtual pages, oldest first */
static uint64_t faults, evictions, restores;

static void *backing(uint32_t vpn) { return (void *)(BACKING_VA + (uint64_t)vpn * 4096); }

/* Make room: the oldest resident page goes to the backing store; its physical page is returned. */
static uint32_t evict(void)
{
	uint32_t victim = fifo[fifo_head];
	fifo_head = (fifo_head + 1) % POOL_PAGES;
	fifo_used--;
	memcpy(backing(victim), (void *)(REGION + (uint64_t)victim * 4096), 4096);
	saved[victim] = 1;
	sys_unbind(EXO_CAP_SELF, REGION + (uint64_t)victim * 4096);
	uint32_t slot = xlate[victim];
	xlate[victim] = 0;
	evictions++;
	return slot;
}

static int on_fault(struct exo_upcall *u)
{
	uint64_t va = u->addr & ~4095UL;
	if (va < REGION || va >= REGION + VPAGES * 4096UL)
		return -1; /* not ours to serve */
	uint32_t vpn = (uint32_t)((va - REGION) / 4096);
	uint32_t slot = pool_free ? pool[--pool_free] : evict();
	if (sys_bind(EXO_CAP_SELF, va, slot, EXO_PROT_R | EXO_PROT_W) < 0)
		return -1;
	if (saved[vpn]) {
		memcpy((void *)va, backing(vpn), 4096);
		restores++;
	} else {
		memset((void *)va, 0, 4096);
	}
	xlate[vpn] = slot;
	fifo[(fifo_head + fifo_used++) % POOL_PAGES] = vpn;
	faults++;
	return 0;
}

static uint64_t ppn_of(long slot) { return EXO_CAP_TABLE[slot].object; }

static void take_run(void)
{
	long first = sys_page_alloc_run(RUN_PAGES, RUN_PAGES);
	check(first > 0, "a physically contiguous run of 64 pages, 64-aligned");
	if (first <= 0)
		return;
	int contiguous = ppn_of(first) % RUN_PAGES == 0;
	for (int i = 0; i < RUN_PAGES; i++) {
		contiguous &= ppn_of(first + i) == ppn_of(first) + (uint64_t)i;
		sys_bind(EXO_CAP_SELF, BACKING_VA + (uint64_t)i * 4096, (unsigned long)(first + i), EXO_PROT_R | EXO_PROT_W);
	}
	check(contiguous, "its pages are consecutive and aligned, as the capabilities name them");
	printf("libos2: run at physical page 0x%lx\n", (unsigned long)ppn_of(first));
}

/* Pages of one colour, asked for by number: the kernel gives exactly those, or says they are taken. */
static void take_colour(void)
{
	uint64_t busy = 0;
	for (uint64_t ppn = COLOUR; ppn < exo_info->npages && pool_free < POOL_PAGES; ppn += NCOLOURS) {
		if (EXO_PAGE_RECORDS[ppn].type != EXO_PAGE_FREE)
			continue;
		long s = sys_page_alloc(ppn);
		if (s == -EXO_EBUSY) {
			busy++; /* someone took it since we looked */
			continue;
		}
		if (s > 0)
			pool[pool_free++] = (uint32_t)s;
	}
	int coloured = pool_free == POOL_PAGES;
	for (uint32_t i = 0; i < pool_free; i++)
		coloured &= ppn_of(pool[i]) % NCOLOURS == COLOUR;
	check(coloured, "16 pages of colour 5, chosen by physical page number");
	(void)busy;
}

/* Nothing of anyone else's can be named: asking for their pages fails, and we hold no capability for them. */
static void check_isolation(void)
{
	uint32_t me = EXO_ENV_INFO->id;
	uint64_t tried = 0, refused = 0;
	for (uint64_t ppn = 0; ppn < exo_info->npages && tried < 200; ppn++) {
		const volatile struct exo_page *p = &EXO_PAGE_RECORDS[ppn];
		if (p->type != EXO_PAGE_USER || p->owner == me)
			continue;
		tried++;
		refused += sys_page_alloc(ppn) == -EXO_EBUSY;
	}
	/*
	 * Started by ExOS, we keep what ExOS handed over on purpose: the process
	 * protocol's pages (our entry and inbox, our parent's: 4) and the buffers
	 * of pipes our descriptors name (4 pages each; a shell's pipeline gives
	 * one or two). Nothing else of anyone's.
	 */
	int others = 0;
	for (uint32_t s = 1; s < EXO_NCAPS; s++)
		if (EXO_CAP_TABLE[s].type == EXO_CAP_PAGE) {
			uint32_t owner = EXO_PAGE_RECORDS[EXO_CAP_TABLE[s].object].owner;
			others += owner != me && owner != 0;
		}
	check(tried == refused, "every page another environment holds is refused by name");
	check(others <= 4 + 4 * 4, "the only pages of others we can name are the ones ExOS handed over on purpose");
	printf("libos2: %lu pages of others refused\n", (unsigned long)tried);
}

/* Write a pattern over every virtual page, several rounds, and read it all back. */
static void workload(int rounds)
{
	uint64_t bad = 0;
	for (int r = 0; r < rounds; r++) {
		for (uint32_t v = 0; v < VPAGES; v++) {
			volatile uint64_t *w = (volatile uint64_t *)(REGION + (uint64_t)v * 4096);
			for (int k = 0; k < 512; k += 64)
				w[k] += (uint64_t)v * 1000 + (uint64_t)k;
		}
		sys_yield(); /* let the ExOS processes run in between */
	}
	for (uint32_t v = 0; v < VPAGES; v++) {
		volatile uint64_t *w = (volatile uint64_t *)(REGION + (uint64_t)v * 4096);
		for (int k = 0; k < 512; k += 64)
			bad += w[k] != ((uint64_t)v * 1000 + (uint64_t)k) * (uint64_t)rounds;
	}
	check(bad == 0, "48 virtual pages in 16 physical ones: every word reads back through the pager");
	check(evictions > 0 && restores > 0, "pages were evicted to the contiguous run and restored from it");
}

/* If ExOS started us, say how we ended where our ExOS parent looks (inc/exos/api.h). */
static void tell_exos_parent(int code)
{
	uint64_t entry = (uint64_t)exos_proc_entry(EXO_ENV_INFO->id);
	long bits = sys_binding_bits(EXO_CAP_SELF, entry, 0);
	struct exos_proc *p = (struct exos_proc *)entry;
	if (bits > 0 && (bits & EXO_PROT_W) && p->pid == EXO_ENV_INFO->id) {
		p->status = (code & 0xff) << 8;
		p->state = EXOS_PROC_EXITED;
	}
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? (int)(argv[1][0] - '0') : 4;
	if (rounds < 1 || rounds > 9)
		rounds = 4;
	take_run();
	take_colour();
	if (exo_set_pagefault_handler(on_fault) < 0)
		check(0, "its own page-fault handler");
	workload(rounds);
	check_isolation();
	printf("libos2: %lu faults, %lu evictions, %lu restores\n", (unsigned long)faults, (unsigned long)evictions,
	       (unsigned long)restores);
	printf("libos2: %s\n", test_failures() ? "FAIL" : "PASS");
	tell_exos_parent(test_failures() ? 1 : 0);
	return test_failures() ? 1 : 0;
}
