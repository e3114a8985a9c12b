/*
 * Physical memory records and page tables.
 *
 * At boot, vm_init sizes the page-record array from the loader's memory map,
 * places it in RAM that nothing else uses, marks the kernel image, boot
 * modules and the loader's own structures, and builds the kernel's page
 * tables: the image with per-section rights (text RX, rodata R, data RW NX)
 * and a direct map (RW NX, 2 MiB pages) of every physical address from 0 to
 * the top of RAM, holes included. No mapping is both writable and executable.
 *
 * The kernel half (PML4 slots 256 and 511) is made once at boot and copied
 * into every user PML4; later kernel mappings only add entries below those
 * two PDPTs, so every address space sees them.
 */
#include <exo/error.h>
#include "bootinfo.h"
#include "env.h"
#include "vm.h"
#include "x86.h"

struct pmem pmem;
uint64_t kernel_pml4_pa;
uint64_t physmap_top; /* the direct map covers [0, physmap_top) */

#define PML4_SLOT(va) (((va) >> 39) & 511)
#define PDPT_SLOT(va) (((va) >> 30) & 511)
#define PD_SLOT(va) (((va) >> 21) & 511)
#define PT_SLOT(va) (((va) >> 12) & 511)
#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U) /* leaves decide the real rights */

static uint64_t nx_bit;   /* PTE_NX when the CPU has NX, else 0 */
static uint64_t g_bit;    /* PTE_G when the CPU has PGE */
static uintptr_t kstack_next = KSTACK_REGION;
static uintptr_t mmio_next = MMIO_REGION;

uint64_t page_alloc_zeroed(struct env *e, int type)
{
	uint32_t ppn = pmem_alloc(&pmem, e ? type : PAGE_KERNEL, e ? e->id : 0, e ? &e->pages : NULL);
	if (ppn == PPN_NIL)
		return 0;
	uint64_t pa = (uint64_t)ppn << PAGE_SHIFT;
	memset(P2V(pa), 0, PAGE_SIZE);
	return pa;
}

/* Walk to the leaf entry, creating tables (charged to e) when create is set. */
static pte_t *walk(uint64_t pml4_pa, uintptr_t va, bool create, struct env *e)
{
	pte_t *table = P2V(pml4_pa);
	const int shifts[3] = {39, 30, 21};

	for (int level = 0; level < 3; level++) {
		pte_t *ent = &table[(va >> shifts[level]) & 511];
		if (!(*ent & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t pa = page_alloc_zeroed(e, PAGE_PGTABLE);
			if (!pa)
				return NULL;
			/* Kernel-half tables are not user-accessible at any level. */
			*ent = pa | (va >= PHYSMAP_BASE ? (PTE_P | PTE_W) : TABLE_FLAGS);
		}
		assert(!(*ent & PTE_PS));
		table = P2V(*ent & PTE_ADDR_MASK);
	}
	return &table[PT_SLOT(va)];
}

/* Lookups (no creation) walk unrolled: they are on every binding call's path. */
pte_t *vm_lookup(uint64_t pml4_pa, uintptr_t va)
{
	pte_t ent = ((const pte_t *)P2V(pml4_pa))[PML4_SLOT(va)];
	if (!(ent & PTE_P))
		return NULL;
	ent = ((const pte_t *)P2V(ent & PTE_ADDR_MASK))[PDPT_SLOT(va)];
	if ((ent & (PTE_P | PTE_PS)) != PTE_P)
		return NULL;
	ent = ((const pte_t *)P2V(ent & PTE_ADDR_MASK))[PD_SLOT(va)];
	if ((ent & (PTE_P | PTE_PS)) != PTE_P)
		return NULL;
	return &((pte_t *)P2V(ent & PTE_ADDR_MASK))[PT_SLOT(va)];
}
pte_t *vm_walk_create(uint64_t pml4_pa, uintptr_t va, struct env *e) { return walk(pml4_pa, va, true, e); }

uint64_t vm_nx_mask(uint64_t flags) { return flags & PTE_NX ? (flags & ~PTE_NX) | nx_bit : flags; }

void vm_for_each_binding(uint64_t pml4_pa, void (*fn)(void *ctx, uint64_t va, pte_t *pte), void *ctx)
{
	pte_t *pml4 = P2V(pml4_pa);
	for (uint64_t i = 0; i < ((EXO_BIND_TOP >> 39) & 511); i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		pte_t *pdpt = P2V(pml4[i] & PTE_ADDR_MASK);
		for (uint64_t j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			pte_t *pd = P2V(pdpt[j] & PTE_ADDR_MASK);
			for (uint64_t k = 0; k < 512; k++) {
				if (!(pd[k] & PTE_P))
					continue;
				pte_t *pt = P2V(pd[k] & PTE_ADDR_MASK);
				for (uint64_t l = 0; l < 512; l++)
					if (pt[l] & PTE_P)
						fn(ctx, i << 39 | j << 30 | k << 21 | l << 12, &pt[l]);
			}
		}
	}
}

int vm_missing_tables(uint64_t pml4_pa, uintptr_t va)
{
	pte_t *table = P2V(pml4_pa);
	const int shifts[3] = {39, 30, 21};
	for (int level = 0; level < 3; level++) {
		pte_t ent = table[(va >> shifts[level]) & 511];
		if (!(ent & PTE_P))
			return 3 - level;
		table = P2V(ent & PTE_ADDR_MASK);
	}
	return 0;
}

int vm_map(uint64_t pml4_pa, uintptr_t va, uint64_t pa, uint64_t flags, struct env *e)
{
	pte_t *pte = walk(pml4_pa, va, true, e);
	if (!pte)
		return -EXO_ENOMEM;
	if (!(flags & PTE_U))
		flags |= g_bit;
	*pte = (pa & PTE_ADDR_MASK) | PTE_P | (flags & ~PTE_NX) | (flags & PTE_NX ? nx_bit : 0);
	return 0;
}

/* Map [va, va+len) -> [pa, ...) in the kernel's tables with 4 KiB pages. */
static void kmap_range(uintptr_t va, uint64_t pa, size_t len, uint64_t flags)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE)
		if (vm_map(kernel_pml4_pa, va + off, pa + off, flags, NULL) < 0)
			panic("out of memory building the kernel page tables");
}

/* Direct map of [0, top) with 2 MiB pages, RW NX. */
static void map_physmap(uint64_t top)
{
	pte_t *pml4 = P2V(kernel_pml4_pa);
	for (uint64_t pa = 0; pa < top; pa += 1UL << 21) {
		uintptr_t va = PHYSMAP_BASE + pa;
		pte_t *pdpt_e = &((pte_t *)P2V(pml4[PML4_SLOT(va)] & PTE_ADDR_MASK))[PDPT_SLOT(va)];
		if (!(*pdpt_e & PTE_P)) {
			uint64_t pd = page_alloc_zeroed(NULL, PAGE_KERNEL);
			if (!pd)
				panic("out of memory building the direct map");
			*pdpt_e = pd | PTE_P | PTE_W;
		}
		pte_t *pd = P2V(*pdpt_e & PTE_ADDR_MASK);
		pd[PD_SLOT(va)] = pa | PTE_P | PTE_W | PTE_PS | g_bit | nx_bit;
	}
}

/* Loader memory is read through the boot identity-mapped gigabyte, via the physmap alias. */
static const void *boot_phys(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa + len < pa || pa + len > (1UL << 30))
		return NULL;
	return P2V(pa);
}

/* Find room for n bytes of page records in RAM the loader did not use; returns pa. */
static uint64_t place_records(const struct bootinfo *bi, uint64_t bytes)
{
	uint64_t kend = ROUNDUP(KIMG_V2P(kernel_bss_end_virt), PAGE_SIZE);

	for (int i = 0; i < bi->nram; i++) {
		uint64_t start = ROUNDUP(bi->ram[i].start, PAGE_SIZE), end = ROUNDDOWN(bi->ram[i].end, PAGE_SIZE);
		if (start < kend)
			start = kend;
		for (bool moved = true; moved;) { /* step past anything in the way until nothing is */
			moved = false;
			for (int m = 0; m <= bi->nmod; m++) {
				uint64_t s = m < bi->nmod ? bi->mod[m].start : bi->info_pa;
				uint64_t e = m < bi->nmod ? bi->mod[m].end : bi->info_pa + bi->info_size;
				if (e > start && s < start + bytes) {
					start = ROUNDUP(e, PAGE_SIZE);
					moved = true;
				}
			}
		}
		if (start < end && end - start >= bytes && start + bytes <= (1UL << 30))
			return start;
	}
	panic("no room for %lu bytes of page records", (unsigned long)bytes);
}

static void init_page_records(const struct bootinfo *bi)
{
	uint64_t top = 0;
	for (int i = 0; i < bi->nram; i++)
		if (bi->ram[i].end > top)
			top = bi->ram[i].end;
	if (top > (uint64_t)(PPN_NIL - 1) * PAGE_SIZE)
		top = (uint64_t)(PPN_NIL - 1) * PAGE_SIZE; /* a page number fits in 32 bits, PPN_NIL excluded */
	uint32_t npages = (uint32_t)(top / PAGE_SIZE);
	uint64_t bytes = ROUNDUP((uint64_t)npages * sizeof(struct page), PAGE_SIZE);
	uint64_t rec_pa = place_records(bi, bytes);

	pmem_init(&pmem, P2V(rec_pa), npages);
	for (int i = bi->nram; i-- > 0;) /* high ranges first: see pmem_add_ram */
		pmem_add_ram(&pmem, bi->ram[i].start, bi->ram[i].end);
	pmem_exclude(&pmem, 0, PAGE_SIZE); /* page 0 stays unused: a null physical address is a bug */
	pmem_reserve(&pmem, (uint64_t)kernel_load_start, (uint64_t)kernel_bss_end, PAGE_KERNEL);
	pmem_reserve(&pmem, rec_pa, rec_pa + bytes, PAGE_KERNEL);
	for (int m = 0; m < bi->nmod; m++)
		pmem_reserve(&pmem, bi->mod[m].start, bi->mod[m].end, PAGE_BOOTMOD);
	/* The loader's structures are copied into *bi already, but keep them until the end of boot. */
	pmem_reserve(&pmem, bi->info_pa, bi->info_pa + bi->info_size, PAGE_KERNEL);
	if (pmem_check(&pmem) != 0)
		panic("page records inconsistent after boot (%d)", pmem_check(&pmem));
}

void vm_init(const struct bootinfo *bi)
{
	uint32_t a, b, c, d;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	nx_bit = (d & (1u << 20)) ? PTE_NX : 0;
	cpuid(1, 0, &a, &b, &c, &d);
	g_bit = (d & (1u << 13)) ? PTE_G : 0;

	init_page_records(bi);

	kernel_pml4_pa = page_alloc_zeroed(NULL, PAGE_KERNEL);
	pte_t *pml4 = P2V(kernel_pml4_pa);
	pml4[256] = page_alloc_zeroed(NULL, PAGE_KERNEL) | PTE_P | PTE_W;
	pml4[511] = page_alloc_zeroed(NULL, PAGE_KERNEL) | PTE_P | PTE_W;
	if (!(pml4[256] & PTE_ADDR_MASK) || !(pml4[511] & PTE_ADDR_MASK))
		panic("out of memory for the kernel PML4");

	uint64_t top = (uint64_t)pmem.npages * PAGE_SIZE;
	if (top > PHYSMAP_SIZE)
		panic("more than %lu GiB of physical address space: the direct map holds one PML4 slot",
		      PHYSMAP_SIZE >> 30);
	physmap_top = ROUNDUP(top, 1UL << 21);
	map_physmap(physmap_top);
	kmap_range((uintptr_t)kernel_text_start, KIMG_V2P(kernel_text_start),
		   kernel_text_end - kernel_text_start, 0);
	kmap_range((uintptr_t)kernel_rodata_start, KIMG_V2P(kernel_rodata_start),
		   kernel_rodata_end - kernel_rodata_start, PTE_NX);
	kmap_range((uintptr_t)kernel_data_start, KIMG_V2P(kernel_data_start),
		   ROUNDUP((uintptr_t)kernel_bss_end_virt, PAGE_SIZE) - (uintptr_t)kernel_data_start, PTE_W | PTE_NX);
	vm_switch(kernel_pml4_pa);
}

void vm_switch(uint64_t pml4_pa) { write_cr3(pml4_pa); }

uintptr_t kstack_alloc(size_t pages)
{
	uintptr_t base = kstack_next + PAGE_SIZE; /* the guard page stays unmapped */
	for (size_t i = 0; i < pages; i++) {
		uint64_t pa = page_alloc_zeroed(NULL, PAGE_KERNEL);
		if (!pa)
			panic("out of memory for kernel stacks");
		kmap_range(base + i * PAGE_SIZE, pa, PAGE_SIZE, PTE_W | PTE_NX);
	}
	kstack_next = base + pages * PAGE_SIZE;
	return kstack_next;
}

void *mmio_map(uint64_t pa, size_t len)
{
	uint64_t off = pa & (PAGE_SIZE - 1);
	uintptr_t va = mmio_next;
	len = ROUNDUP(len + off, PAGE_SIZE);
	kmap_range(va, pa - off, len, PTE_W | PTE_NX | PTE_PCD | PTE_PWT);
	mmio_next += len + PAGE_SIZE; /* a hole between devices */
	return (void *)(va + off);
}

/*
 * The global read-only region (PML4 slot 255): the info page and the page
 * records, mapped user-readable once, in the kernel's PML4, whose slots
 * 255-511 every address space shares.
 */
void vm_map_global_ro(uint64_t info_pa)
{
	if (vm_map(kernel_pml4_pa, EXO_INFO_VA, info_pa, PTE_U | PTE_NX, NULL) < 0)
		panic("out of memory mapping the info page");
	uint64_t rec_pa = V2P(pmem.pages);
	uint64_t bytes = ROUNDUP((uint64_t)pmem.npages * sizeof(struct page), PAGE_SIZE);
	for (uint64_t off = 0; off < bytes; off += PAGE_SIZE)
		if (vm_map(kernel_pml4_pa, EXO_PAGES_VA + off, rec_pa + off, PTE_U | PTE_NX, NULL) < 0)
			panic("out of memory mapping the page records");
}

/*
 * The boot archive: [pa, pa + len) of a boot module, pa page aligned, len at
 * most EXO_BOOTFS_MAX, mapped user-readable (NX, never writable) at
 * EXO_BOOTFS_VA in the global read-only region. Whole pages are mapped where
 * the loader put them; a partial last page is copied into a zeroed kernel
 * page, so the region shows nothing past the archive but zeros, whatever else
 * the loader left in that page. Called once at boot, before the free-page
 * baseline; nothing here is ever unmapped or freed.
 */
void vm_map_bootfs(uint64_t pa, uint64_t len)
{
	uint64_t whole = ROUNDDOWN(len, PAGE_SIZE);
	assert(pa % PAGE_SIZE == 0 && len <= EXO_BOOTFS_MAX);
	for (uint64_t off = 0; off < whole; off += PAGE_SIZE)
		if (vm_map(kernel_pml4_pa, EXO_BOOTFS_VA + off, pa + off, PTE_U | PTE_NX, NULL) < 0)
			panic("out of memory mapping the boot archive");
	if (whole == len)
		return;
	uint64_t tail = page_alloc_zeroed(NULL, PAGE_KERNEL);
	if (!tail)
		panic("out of memory for the boot archive's last page");
	memcpy(P2V(tail), P2V(pa + whole), len - whole);
	if (vm_map(kernel_pml4_pa, EXO_BOOTFS_VA + whole, tail, PTE_U | PTE_NX, NULL) < 0)
		panic("out of memory mapping the boot archive");
}

int vm_new_user_space(struct env *e, uint64_t *pml4_pa)
{
	uint64_t pa = page_alloc_zeroed(e, PAGE_PGTABLE);
	if (!pa)
		return -EXO_ENOMEM;
	pte_t *dst = P2V(pa), *src = P2V(kernel_pml4_pa);
	for (int i = (int)((EXO_GLOBAL_RO_VA >> 39) & 511); i < 512; i++)
		dst[i] = src[i];
	*pml4_pa = pa;
	return 0;
}

/* Exported for the early boot parser in main.c. */
const void *vm_boot_phys(void *ctx, uint64_t pa, uint64_t len) { return boot_phys(ctx, pa, len); }
