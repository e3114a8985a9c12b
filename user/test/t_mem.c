/*
 * Memory capabilities and secure bindings within one environment: allocation
 * by page number, any page and contiguous runs; bind, unbind, protect, the
 * batched call and the accessed/dirty bits; every error each call documents;
 * what the read-only regions expose. Ends with the kernel's invariant check.
 */
#include <exo/lib.h>

#define VA 0x10000000UL
#define pages ((const volatile struct exo_page *)EXO_PAGES_VA)
#define caps ((const volatile struct exo_cap *)EXO_CAPS_VA)
#define einfo ((const volatile struct exo_envinfo *)EXO_ENVINFO_VA)

static volatile uint64_t *word(uint64_t va) { return (volatile uint64_t *)va; }

static void test_alloc(void)
{
	uint64_t free0 = exo_info->free_pages, usage0 = einfo->usage;
	long s = sys_page_alloc(EXO_PPN_ANY);
	check(s > 0, "page_alloc(any) gives a slot");
	uint32_t ppn = caps[s].object;
	check(caps[s].type == EXO_CAP_PAGE && caps[s].rights == EXO_RIGHTS_PAGE_ALL, "the slot holds a page capability");
	check(pages[ppn].type == EXO_PAGE_USER && pages[ppn].owner == einfo->id && pages[ppn].ncaps == 1,
	      "the page record shows it charged to us, one capability");
	check(exo_info->free_pages == free0 - 1 && einfo->usage == usage0 + 1, "free count and usage moved by one");
	check(sys_cap_drop(s) == 0 && pages[ppn].type == EXO_PAGE_FREE, "cap_drop frees the page");

	/* By physical page number: a free one works, a used one is busy. */
	uint32_t want = 0;
	for (uint32_t p = (uint32_t)exo_info->npages; p-- > 0;)
		if (pages[p].type == EXO_PAGE_FREE) {
			want = p;
			break;
		}
	s = sys_page_alloc(want);
	check(s > 0 && caps[s].object == want, "page_alloc(ppn) gives exactly that page");
	check(sys_page_alloc(want) == -EXO_EBUSY, "the same page again: -EXO_EBUSY");
	check(sys_cap_drop(s) == 0, "drop it");
	uint32_t kpage = 0;
	for (uint32_t p = 0; p < exo_info->npages && !kpage; p++)
		if (pages[p].type == EXO_PAGE_KERNEL)
			kpage = p;
	check(sys_page_alloc(kpage) == -EXO_EBUSY, "a kernel page: -EXO_EBUSY");
	check(sys_page_alloc(exo_info->npages) == -EXO_EINVAL, "a page number past the records: -EXO_EINVAL");
	check(sys_page_alloc(0xFEE00) == -EXO_EINVAL || sys_page_alloc(0xFEE00) == -EXO_EBUSY,
	      "the local APIC's page: refused");
	check(sys_page_alloc(0) == -EXO_EINVAL, "physical page 0 (not RAM the kernel hands out): -EXO_EINVAL");

	/* Runs. */
	long r = sys_page_alloc_run(8, 8);
	check(r > 0, "page_alloc_run(8, align 8)");
	int contiguous = caps[r].object % 8 == 0;
	for (int i = 1; i < 8; i++)
		contiguous &= caps[r + i].object == caps[r].object + (uint32_t)i;
	check(contiguous, "eight consecutive, aligned pages in consecutive slots");
	for (int i = 0; i < 8; i++)
		sys_cap_drop((unsigned long)r + (unsigned long)i);
	check(sys_page_alloc_run(0, 1) == -EXO_EINVAL, "run of 0: -EXO_EINVAL");
	check(sys_page_alloc_run(4, 3) == -EXO_EINVAL, "align 3: -EXO_EINVAL");
	check(sys_page_alloc_run(EXO_RUN_MAX + 1, 1) == -EXO_EINVAL, "run above EXO_RUN_MAX: -EXO_EINVAL");
	check(exo_info->free_pages == free0 && einfo->usage == usage0, "everything came back");
}

static void test_bind(void)
{
	long s = sys_page_alloc(EXO_PPN_ANY);
	check(sys_bind(EXO_CAP_SELF, VA, s, EXO_PROT_R | EXO_PROT_W) == 0, "bind read-write");
	*word(VA) = 0x1234;
	check(*word(VA) == 0x1234, "the binding works");
	long bits = sys_binding_bits(EXO_CAP_SELF, VA, 1);
	check((bits & (EXO_BIND_PRESENT | EXO_BIND_ACCESSED | EXO_BIND_DIRTY | EXO_PROT_W)) ==
		      (EXO_BIND_PRESENT | EXO_BIND_ACCESSED | EXO_BIND_DIRTY | EXO_PROT_W),
	      "binding_bits: present, accessed, dirty, writable");
	bits = sys_binding_bits(EXO_CAP_SELF, VA, 0);
	check(!(bits & (EXO_BIND_ACCESSED | EXO_BIND_DIRTY)), "clear=1 cleared accessed and dirty");
	(void)*word(VA);
	bits = sys_binding_bits(EXO_CAP_SELF, VA, 0);
	check((bits & EXO_BIND_ACCESSED) && !(bits & EXO_BIND_DIRTY), "a read sets accessed, not dirty");
	check(sys_protect(EXO_CAP_SELF, VA, EXO_PROT_R) == 0, "protect to read-only");
	check(!(sys_binding_bits(EXO_CAP_SELF, VA, 0) & EXO_PROT_W), "now read-only");
	check(*word(VA) == 0x1234, "still readable");
	check(sys_bind(EXO_CAP_SELF, VA + 4096, s, EXO_PROT_R) == 0, "the same page bound twice (an alias)");
	check(*word(VA + 4096) == 0x1234, "the alias shows the same data");
	check(sys_unbind(EXO_CAP_SELF, VA + 4096) == 0, "unbind the alias");
	check(sys_unbind(EXO_CAP_SELF, VA + 4096) == -EXO_ENOENT, "unbind again: -EXO_ENOENT");
	check(sys_binding_bits(EXO_CAP_SELF, VA + 4096, 0) == -EXO_ENOENT, "bits of nothing: -EXO_ENOENT");

	/* Errors, each before any change. */
	check(sys_bind(EXO_CAP_SELF, VA + 1, s, EXO_PROT_R) == -EXO_EINVAL, "misaligned va: -EXO_EINVAL");
	check(sys_bind(EXO_CAP_SELF, 0, s, EXO_PROT_R) == -EXO_EINVAL, "va 0: -EXO_EINVAL");
	check(sys_bind(EXO_CAP_SELF, EXO_BIND_TOP, s, EXO_PROT_R) == -EXO_EINVAL, "va at EXO_BIND_TOP: -EXO_EINVAL");
	check(sys_bind(EXO_CAP_SELF, EXO_INFO_VA, s, EXO_PROT_R) == -EXO_EINVAL, "over the info page: -EXO_EINVAL");
	check(sys_bind(EXO_CAP_SELF, 0xFFFF800000000000UL, s, EXO_PROT_R) == -EXO_EINVAL, "kernel va: -EXO_EINVAL");
	check(sys_bind(EXO_CAP_SELF, 0x0000800000000000UL, s, EXO_PROT_R) == -EXO_EINVAL, "non-canonical va");
	check(sys_bind(EXO_CAP_SELF, VA, s, EXO_PROT_W | EXO_PROT_X) == -EXO_EINVAL, "W and X together: -EXO_EINVAL");
	check(sys_bind(EXO_CAP_SELF, VA, s, 0x80) == -EXO_EINVAL, "unknown prot bits: -EXO_EINVAL");
	check(sys_bind(EXO_CAP_SELF, VA, 999, EXO_PROT_R) == -EXO_EBADCAP, "empty slot: -EXO_EBADCAP");
	check(sys_bind(EXO_CAP_SELF, VA, EXO_NCAPS, EXO_PROT_R) == -EXO_EBADCAP, "slot out of range");
	check(sys_bind(EXO_CAP_SELF, VA, EXO_CAP_SELF, EXO_PROT_R) == -EXO_EBADCAP, "an env cap as a page: EBADCAP");
	check(sys_bind(s, VA, s, EXO_PROT_R) == -EXO_EBADCAP, "a page cap as an env: -EXO_EBADCAP");
	check(sys_bind(EXO_CAP_SELF, VA, s, EXO_PROT_R) == 0 && *word(VA) == 0x1234, "rebinding replaces");
	check(sys_protect(EXO_CAP_SELF, VA + 8192, EXO_PROT_R) == -EXO_ENOENT, "protect of nothing: -EXO_ENOENT");
	check(sys_cap_drop(EXO_CAP_SELF) == -EXO_EBADCAP, "dropping slot 0: -EXO_EBADCAP");
	check(sys_cap_drop(s) == 0, "drop the capability");
	check(sys_binding_bits(EXO_CAP_SELF, VA, 0) == -EXO_ENOENT, "dropping it removed its binding");
}

static void test_batch(void)
{
	static struct exo_bind_op ops[100];
	long first = sys_page_alloc_run(100, 1);
	check(first > 0, "100 pages for the batch");
	for (int i = 0; i < 100; i++)
		ops[i] = (struct exo_bind_op){EXO_OP_BIND, (uint32_t)(first + i), VA + (uint64_t)i * 4096, EXO_PROT_R | EXO_PROT_W, 0};
	check(sys_bind_batch(EXO_CAP_SELF, ops, 100) == 100, "bind_batch of 100 binds");
	int ok = 1;
	for (int i = 0; i < 100; i++) {
		*word(VA + (uint64_t)i * 4096) = (uint64_t)i;
		ok &= *word(VA + (uint64_t)i * 4096) == (uint64_t)i;
	}
	check(ok, "all 100 bindings work");
	ops[50].prot = EXO_PROT_W | EXO_PROT_X;
	for (int i = 0; i < 100; i++)
		ops[i].op = EXO_OP_PROTECT;
	check(sys_bind_batch(EXO_CAP_SELF, ops, 100) == -EXO_EINVAL, "a bad op in the batch: -EXO_EINVAL");
	check(sys_binding_bits(EXO_CAP_SELF, VA, 0) & EXO_PROT_W, "... and nothing was applied");
	for (int i = 0; i < 100; i++)
		ops[i] = (struct exo_bind_op){EXO_OP_UNBIND, 0, VA + (uint64_t)i * 4096, 0, 0};
	check(sys_bind_batch(EXO_CAP_SELF, ops, 100) == 100, "bind_batch of 100 unbinds");
	check(sys_binding_bits(EXO_CAP_SELF, VA + 99 * 4096, 0) == -EXO_ENOENT, "unbound");
	check(sys_bind_batch(EXO_CAP_SELF, ops, 0) == -EXO_EINVAL, "empty batch: -EXO_EINVAL");
	check(sys_bind_batch(EXO_CAP_SELF, ops, EXO_BATCH_MAX + 1) == -EXO_EINVAL, "too long: -EXO_EINVAL");
	check(sys_bind_batch(EXO_CAP_SELF, (const struct exo_bind_op *)0xFFFF800000000000UL, 4) == -EXO_EFAULT,
	      "ops in kernel memory: -EXO_EFAULT");
	for (int i = 0; i < 100; i++)
		sys_cap_drop((unsigned long)(first + i));
}

static void test_exposed(void)
{
	check(einfo->id != 0 && caps[EXO_CAP_SELF].type == EXO_CAP_ENV && caps[EXO_CAP_SELF].object == einfo->id,
	      "slot 0 names this environment");
	check(einfo->nbootmap > 0 && einfo->bootmap[0].slot > 0, "the boot map lists the pages the kernel bound");
	check(einfo->quota > 0 && einfo->usage > 0, "quota and usage are visible");
	uint64_t nfree = 0;
	for (uint64_t p = 0; p < exo_info->npages; p++)
		nfree += pages[p].type == EXO_PAGE_FREE;
	check(nfree == exo_info->free_pages, "the page records agree with the free count");
	long s = sys_page_alloc(EXO_PPN_ANY);
	check(sys_bind(EXO_CAP_SELF, VA, s, EXO_PROT_R) == 0 && pages[caps[s].object].nmaps == 1,
	      "a page's record counts its bindings");
	sys_cap_drop(s);
}

int main(void)
{
	test_alloc();
	test_bind();
	test_batch();
	test_exposed();
	check(sys_kernel_check() >= 0, "kernel invariant check");
	test_finish();
}
