/*
 * ExOS virtual memory: regions, demand-zero pages, copy-on-write, brk,
 * mmap/munmap/mprotect/mremap and the page-fault handler (vm.h says how the
 * pieces fit).
 *
 * Invariant: a page in the page map whose region allows access is bound with
 * exos_vm_bind_prot() (so the only faults on it are copy-on-write writes); a
 * page of a PROT_NONE region is not bound but keeps its physical page, so its
 * contents come back when mprotect makes it accessible again.
 *
 * Layout: the break starts at the first page after the program's image
 * (_end) and may grow by BRK_MAX; mmap without MAP_FIXED takes the lowest
 * gap at or above MMAP_BASE that fits (or the hint, when it is free); the
 * main stack is a region of EXOS_STACK_MAX below EXO_BOOTSTACK_TOP. Mappings
 * stay below EXOS_MAP_TOP: above it lie ExOS's own areas (the process table).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include "exos.h"
#include <exos/api.h>
#include "exec.h"
#include "proc.h"
#include "signal.h"
#include "vm.h"
#include "fsd.h"

#define BRK_MAX (1UL << 30)
#define MMAP_BASE 0x10000000000UL /* 1 TiB */
#define PAGE_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define MREMAP_MAYMOVE_ 1
#define MREMAP_FIXED_ 2

struct exos_region exos_regions[EXOS_MAX_REGIONS];
int exos_nregions;
static unsigned long brk_start, brk_cur;

extern char _end[]; /* end of the program's image (defined by the linker) */

long exos_errno(long exo_err)
{
	switch (-exo_err) {
	case EXO_EFAULT:
		return -EFAULT;
	case EXO_EINVAL:
		return -EINVAL;
	case EXO_EPERM:
		return -EACCES;
	case EXO_EAGAIN:
		return -EAGAIN;
	default: /* ENOMEM, ENOSPC (capability table full), EQUOTA, ... */
		return -ENOMEM;
	}
}

/* ---- regions ---- */

/* The index of the first region that ends above va (exos_nregions if none). */
static int region_index(uint64_t va)
{
	int lo = 0, hi = exos_nregions;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (exos_regions[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct exos_region *exos_region_of(uint64_t va)
{
	int i = region_index(va);
	return i < exos_nregions && exos_regions[i].start <= va ? &exos_regions[i] : NULL;
}

/* Make va a boundary between regions (splitting the one around it). Needs a free entry. */
static void region_split(uint64_t va)
{
	int i = region_index(va);
	if (i == exos_nregions || exos_regions[i].start >= va)
		return;
	memmove(&exos_regions[i + 1], &exos_regions[i], (size_t)(exos_nregions - i) * sizeof(exos_regions[0]));
	exos_nregions++;
	exos_regions[i].end = va;
	exos_regions[i + 1].start = va;
}

/* Room for the splits and additions of one call (at most six)? */
static int regions_have_room(void) { return exos_nregions + 6 <= EXOS_MAX_REGIONS; }

static int same_kind(const struct exos_region *a, const struct exos_region *b)
{
	return a->end == b->start && a->prot == b->prot && a->flags == b->flags;
}

static void region_delete(int i, int n)
{
	memmove(&exos_regions[i], &exos_regions[i + n], (size_t)(exos_nregions - i - n) * sizeof(exos_regions[0]));
	exos_nregions -= n;
}

/* Join region i with its neighbours where they are alike. */
static void region_merge_around(int i)
{
	if (i + 1 < exos_nregions && same_kind(&exos_regions[i], &exos_regions[i + 1])) {
		exos_regions[i].end = exos_regions[i + 1].end;
		region_delete(i + 1, 1);
	}
	if (i > 0 && same_kind(&exos_regions[i - 1], &exos_regions[i])) {
		exos_regions[i - 1].end = exos_regions[i].end;
		region_delete(i, 1);
	}
}

/* Add [start, end), which no region overlaps. -ENOMEM when the table is full. */
static long region_add(uint64_t start, uint64_t end, uint32_t prot, uint32_t flags)
{
	if (exos_nregions == EXOS_MAX_REGIONS)
		return -ENOMEM;
	int i = region_index(start);
	memmove(&exos_regions[i + 1], &exos_regions[i], (size_t)(exos_nregions - i) * sizeof(exos_regions[0]));
	exos_nregions++;
	exos_regions[i] = (struct exos_region){start, end, prot, flags};
	region_merge_around(i);
	return 0;
}

/* Does any region overlap [start, end)? */
static int range_used(uint64_t start, uint64_t end)
{
	int i = region_index(start);
	return i < exos_nregions && exos_regions[i].start < end;
}

/* Is every page of [start, end) in some region? */
static int range_covered(uint64_t start, uint64_t end)
{
	for (int i = region_index(start); start < end; i++) {
		if (i == exos_nregions || exos_regions[i].start > start)
			return 0;
		start = exos_regions[i].end;
	}
	return 1;
}

/* The lowest gap of len bytes in [lo, EXOS_MAP_TOP), or 0. */
static uint64_t find_gap(uint64_t lo, uint64_t len)
{
	uint64_t at = lo;
	for (int i = region_index(lo); i < exos_nregions && exos_regions[i].start < EXOS_MAP_TOP; i++) {
		if (exos_regions[i].start >= at + len)
			break;
		if (exos_regions[i].end > at)
			at = exos_regions[i].end;
	}
	return at + len <= EXOS_MAP_TOP && at + len > at ? at : 0;
}

/* ---- pages ---- */

static uint64_t va_of(const struct exos_vpage *e) { return e->vpn << PAGE_SHIFT; }

static unsigned exo_prot_of(uint32_t prot)
{
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0;
	return EXO_PROT_R | (prot & PROT_WRITE ? EXO_PROT_W : 0) | (prot & PROT_EXEC ? EXO_PROT_X : 0);
}

/* May this process write the page in place: its capability has W and no other capability names the page. */
static int page_ours_alone(const struct exos_vpage *e)
{
	const volatile struct exo_cap *c = &EXO_CAP_TABLE[e->slot];
	return (c->rights & EXO_RIGHT_W) && EXO_PAGE_RECORDS[c->object].ncaps == 1;
}

unsigned exos_vm_bind_prot(const struct exos_region *r, const struct exos_vpage *e)
{
	unsigned p = exo_prot_of(r->prot);
	if ((p & EXO_PROT_W) && !(r->flags & EXOS_RG_SHARED) && !page_ours_alone(e))
		p &= ~(unsigned)EXO_PROT_W;
	return p;
}

/* Bring e's binding to `want` (0: unbound). */
static long page_set_binding(struct exos_vpage *e, unsigned want)
{
	long r = 0;
	if (want == e->bound)
		return 0;
	if (want == 0)
		r = sys_unbind(EXO_CAP_SELF, va_of(e));
	else if (e->bound == 0)
		r = sys_bind(EXO_CAP_SELF, va_of(e), e->slot, want);
	else
		r = sys_protect(EXO_CAP_SELF, va_of(e), want);
	if (r < 0)
		return exos_errno(r);
	e->bound = (uint16_t)want;
	return 0;
}

static void page_release(struct exos_vpage *e);
static int eager_page(uint64_t va);
static void revoke_upcall(struct exo_upcall *u);

/*
 * A bigger page map: the next power of two, on pages bound in one of two
 * areas above the program's (the one the current table is not in). The
 * table's own pages join it; the old table's pages, if they were such an
 * area's, go. Every entry pointer is stale afterwards.
 */
#define PAGEMAP_AREA_VA 0x7E8020000000UL
#define PAGEMAP_AREA_SIZE (EXOS_PAGEMAP_LIMIT * sizeof(struct exos_vpage))

static long pagemap_grow(void)
{
	struct exos_vpage *old = exos_pagemap_table();
	unsigned long old_size = exos_pagemap_size(), size = old_size * 2;
	uint64_t bytes = size * sizeof(struct exos_vpage), old_bytes = old_size * sizeof(struct exos_vpage);
	int old_in_area = (uint64_t)old >= PAGEMAP_AREA_VA && (uint64_t)old < PAGEMAP_AREA_VA + 2 * PAGEMAP_AREA_SIZE;
	uint64_t base = old_in_area && (uint64_t)old == PAGEMAP_AREA_VA ? PAGEMAP_AREA_VA + PAGEMAP_AREA_SIZE
									: PAGEMAP_AREA_VA;
	uint32_t slots[PAGEMAP_AREA_SIZE / PAGE_SIZE];
	if (size > EXOS_PAGEMAP_LIMIT)
		return -ENOMEM;
	for (uint64_t i = 0; i < bytes / PAGE_SIZE; i++) {
		long s = sys_page_alloc(EXO_PPN_ANY);
		long r = s < 0 ? s : sys_bind(EXO_CAP_SELF, base + i * PAGE_SIZE, (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
		if (r < 0) {
			if (s >= 0)
				sys_cap_drop((unsigned long)s);
			while (i-- > 0)
				sys_cap_drop(slots[i]); /* dropping unbinds */
			return exos_errno(r);
		}
		slots[i] = (uint32_t)s;
	}
	exos_pagemap_rehash((struct exos_vpage *)base, size);
	for (uint64_t i = 0; i < bytes / PAGE_SIZE; i++) {
		struct exos_vpage *e = exos_pagemap_insert((base >> PAGE_SHIFT) + i); /* room: 3/8 full at most */
		e->slot = slots[i];
		e->bound = EXO_PROT_R | EXO_PROT_W;
	}
	for (uint64_t va = (uint64_t)old; old_in_area && va < (uint64_t)old + old_bytes; va += PAGE_SIZE)
		page_release(exos_pagemap_lookup(va >> PAGE_SHIFT));
	return 0;
}

/* A new page-map entry for vpn, growing the map when it is full. NULL: no memory for a bigger one. */
static struct exos_vpage *map_insert(uint64_t vpn)
{
	struct exos_vpage *e = exos_pagemap_insert(vpn);
	if (!e && pagemap_grow() == 0)
		e = exos_pagemap_insert(vpn);
	return e;
}

/* Forget e: unbind it and give its physical page back. */
static void page_release(struct exos_vpage *e)
{
	if (e->bound)
		sys_unbind(EXO_CAP_SELF, va_of(e));
	sys_cap_drop(e->slot);
	exos_pagemap_erase(e);
}

/* A zeroed page at vpn for region r, bound as r allows. */
static long page_new(uint64_t vpn, const struct exos_region *r)
{
	struct exos_vpage *e = map_insert(vpn);
	if (!e)
		return -ENOMEM;
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0) {
		exos_pagemap_erase(e);
		return exos_errno(s);
	}
	e->slot = (uint32_t)s;
	e->flags = EXOS_VP_ZERO;
	long err = page_set_binding(e, exo_prot_of(r->prot));
	if (err < 0)
		page_release(e);
	return err;
}

/*
 * Copy-on-write: give e a page of its own with the same contents, bound as r
 * allows (writable). The old page is read through its binding into a buffer
 * on the handler's stack; no second mapping is needed.
 */
static long page_copy(struct exos_vpage *e, const struct exos_region *r)
{
	uint64_t buf[PAGE_SIZE / 8];
	memcpy(buf, (const void *)va_of(e), PAGE_SIZE);
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return exos_errno(s);
	long err = sys_bind(EXO_CAP_SELF, va_of(e), (unsigned long)s, exo_prot_of(r->prot));
	if (err < 0) {
		sys_cap_drop((unsigned long)s);
		return exos_errno(err);
	}
	memcpy((void *)va_of(e), buf, PAGE_SIZE);
	sys_cap_drop(e->slot);
	e->slot = (uint32_t)s;
	e->flags = 0; /* a copy: not known to be zero */
	e->bound = (uint16_t)exo_prot_of(r->prot);
	return 0;
}

/* Release every page in [start, end). Walks the range or the whole table, whichever is shorter. */
static void release_range(uint64_t start, uint64_t end)
{
	uint64_t first = start >> PAGE_SHIFT, last = end >> PAGE_SHIFT;
	if (last - first <= exos_pagemap_used()) {
		for (uint64_t v = first; v < last; v++) {
			struct exos_vpage *e = exos_pagemap_lookup(v);
			if (e)
				page_release(e);
		}
		return;
	}
	struct exos_vpage *map = exos_pagemap_table();
	for (unsigned long i = 0; i < exos_pagemap_size();) {
		if (map[i].vpn >= first && map[i].vpn < last)
			page_release(&map[i]); /* a later entry may shift into i: look at i again */
		else
			i++;
	}
}

/* Rebinding in batches: one bind_batch for up to REBIND_BATCH pages (mprotect of 100 pages: one kernel entry). */
#define REBIND_BATCH 128
struct rebind {
	struct exo_bind_op ops[REBIND_BATCH];
	struct exos_vpage *e[REBIND_BATCH];
	unsigned n;
};

static long rebind_flush(struct rebind *b)
{
	if (b->n == 0)
		return 0;
	if (b->n == 1) { /* one page: the plain call is cheaper than a batch */
		b->n = 0;
		return page_set_binding(b->e[0], b->ops[0].op == EXO_OP_UNBIND ? 0 : b->ops[0].prot);
	}
	long r = sys_bind_batch(EXO_CAP_SELF, b->ops, b->n);
	if (r < 0)
		return exos_errno(r); /* nothing of the batch was applied: the entries still say what is bound */
	for (unsigned i = 0; i < b->n; i++)
		b->e[i]->bound = b->ops[i].op == EXO_OP_UNBIND ? 0 : (uint16_t)b->ops[i].prot;
	b->n = 0;
	return 0;
}

/* Queue bringing e's binding to want (0: unbound), as page_set_binding does at once. */
static long rebind_queue(struct rebind *b, struct exos_vpage *e, unsigned want)
{
	if (want == e->bound)
		return 0;
	uint32_t op = want == 0 ? EXO_OP_UNBIND : (e->bound == 0 ? EXO_OP_BIND : EXO_OP_PROTECT);
	b->ops[b->n] = (struct exo_bind_op){op, e->slot, va_of(e), want, 0};
	b->e[b->n++] = e;
	return b->n == REBIND_BATCH ? rebind_flush(b) : 0;
}

/* Rebind the pages of [start, end), which lies in region r, after r's protection changed. */
static long rebind_range(uint64_t start, uint64_t end, const struct exos_region *r)
{
	struct rebind b;
	b.n = 0;
	for (uint64_t v = start >> PAGE_SHIFT; v < end >> PAGE_SHIFT; v++) {
		struct exos_vpage *e = exos_pagemap_lookup(v);
		long err = e ? rebind_queue(&b, e, exos_vm_bind_prot(r, e)) : 0;
		if (err < 0)
			return err;
	}
	return rebind_flush(&b);
}

/* Remove [start, end) from the regions and free its pages. Needs regions_have_room(). */
static void unmap_range(uint64_t start, uint64_t end)
{
	region_split(start);
	region_split(end);
	int i = region_index(start), j = i;
	while (j < exos_nregions && exos_regions[j].end <= end)
		j++;
	region_delete(i, j - i);
	release_range(start, end);
}

/* Give every page of [start, end) (in region r) a physical page now. */
static long populate(uint64_t start, uint64_t end, const struct exos_region *r)
{
	for (uint64_t v = start >> PAGE_SHIFT; v < end >> PAGE_SHIFT; v++) {
		long err = exos_pagemap_lookup(v) ? 0 : page_new(v, r);
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- the page-fault handler ---- */

#define PF_WRITE 0x2
#define PF_FETCH 0x10

int exos_vm_fault(struct exo_upcall *u)
{
	uint64_t va = u->addr & ~(PAGE_SIZE - 1);
	struct exos_region *r = exos_region_of(va);
	if (!r)
		return -1;
	if (((u->err & PF_WRITE) && !(r->prot & PROT_WRITE)) || ((u->err & PF_FETCH) && !(r->prot & PROT_EXEC)) ||
	    !(r->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -1;
	struct exos_vpage *e = exos_pagemap_lookup(va >> PAGE_SHIFT);
	if (!e)
		return page_new(va >> PAGE_SHIFT, r) < 0 ? -1 : 0;
	if ((u->err & PF_WRITE) && (e->bound & EXO_PROT_R) && !(e->bound & EXO_PROT_W) && !(r->flags & EXOS_RG_SHARED) &&
	    !page_ours_alone(e))
		return page_copy(e, r) < 0 ? -1 : 0;
	/* Ours alone now (the sharer let go), or bound short of what the region allows: rebind. */
	unsigned want = exos_vm_bind_prot(r, e);
	if (want == e->bound)
		return -1; /* the binding already allows this access: not ours to serve */
	return page_set_binding(e, want) < 0 ? -1 : 0;
}

/* A fault ExOS cannot serve is SIGSEGV: the program's handler runs, or the process ends. */
static int fault_upcall(struct exo_upcall *u)
{
	if (exos_vm_fault(u) == 0)
		return 0;
	int code = exos_region_of(u->addr & ~(PAGE_SIZE - 1)) ? SEGV_ACCERR : SEGV_MAPERR;
	return exos_signal_fault(u, SIGSEGV, code, u->addr);
}

/* ---- start-up: adopt what the kernel loaded ---- */

static uint32_t linux_prot_of(unsigned exo)
{
	return PROT_READ | (exo & EXO_PROT_W ? PROT_WRITE : 0) | (exo & EXO_PROT_X ? PROT_EXEC : 0);
}

/* A page the program started with (the kernel's boot map, or execve's handoff) joins the page map. */
static long adopt_page(uint64_t va, uint32_t slot, unsigned prot)
{
	struct exos_vpage *e = map_insert(va >> PAGE_SHIFT);
	if (!e)
		return -ENOMEM;
	e->slot = slot;
	e->bound = (uint16_t)prot;
	if ((va >= EXO_BOOTSTACK_TOP - EXOS_STACK_MAX && va < EXO_BOOTSTACK_TOP) || exos_region_of(va))
		return 0; /* the stack's region is added after */
	return region_add(va, va + PAGE_SIZE, linux_prot_of(prot), EXOS_RG_IMAGE);
}

/*
 * The pages the program starts with join the page map; the image and the
 * stack become regions. They are the kernel's boot map for the first
 * program, execve's handoff for one that was exec'd.
 */
static long adopt_start_pages(void)
{
	const struct exos_exec_handoff *h = exos_exec_handoff();
	const volatile struct exo_envinfo *ei = EXO_ENV_INFO;
	long err = 0;
	if (h) {
		for (uint64_t i = 0; i < h->nkeepreg && err == 0; i++)
			err = region_add(h->keepreg[i].start, h->keepreg[i].end, PROT_READ | PROT_WRITE,
					 EXOS_RG_SHARED | EXOS_RG_KEEP);
		for (uint64_t i = 0; i < h->nkeep && err == 0; i++)
			err = adopt_page(h->keep[i].va, h->keep[i].slot, h->keep[i].prot);
		for (uint64_t i = 0; i < h->nmap && err == 0; i++)
			err = adopt_page(h->ops[i].va, h->ops[i].slot, h->ops[i].prot);
	}
	else if (exos_fsd_is_server()) { /* the file server: the copy of the image its starter gave it */
		uint64_t n;
		const struct exo_bootmap_entry *m = exos_fsd_start_map(&n);
		for (uint64_t i = 0; i < n && err == 0; i++)
			err = adopt_page(m[i].va, m[i].slot, m[i].prot);
	} else
		for (uint64_t i = 0; i < ei->nbootmap && err == 0; i++)
			err = adopt_page(ei->bootmap[i].va, ei->bootmap[i].slot, ei->bootmap[i].prot);
	if (err < 0)
		return err;
	return region_add(EXO_BOOTSTACK_TOP - EXOS_STACK_MAX, EXO_BOOTSTACK_TOP, PROT_READ | PROT_WRITE, EXOS_RG_STACK);
}

long exos_vm_init(void)
{
	brk_start = brk_cur = PAGE_UP((unsigned long)_end);
	long err = adopt_start_pages();
	if (err < 0)
		return err;
	err = exo_set_revoke_handler(revoke_upcall);
	return err < 0 ? err : exo_set_pagefault_handler(fault_upcall);
}

/* ---- the system calls ---- */

static int prot_ok(long prot) { return !(prot & ~(long)(PROT_READ | PROT_WRITE | PROT_EXEC)); }

/* exo never maps a page writable and executable: refused like a denied PROT_EXEC. */
static int prot_wx(long prot) { return (prot & PROT_WRITE) && (prot & PROT_EXEC); }

/* A range a program may map: start inside [USER_MIN, EXOS_MAP_TOP), len bytes fit below EXOS_MAP_TOP. */
static int range_mappable(uint64_t start, uint64_t len)
{
	return start >= USER_MIN && start < EXOS_MAP_TOP && len <= EXOS_MAP_TOP - start;
}

long exos_brk(unsigned long addr)
{
	if (addr < brk_start || addr > brk_start + BRK_MAX || !regions_have_room())
		return (long)brk_cur;
	uint64_t old_top = PAGE_UP(brk_cur), new_top = PAGE_UP(addr);
	if (new_top > old_top) {
		if (range_used(old_top, new_top) ||
		    region_add(old_top, new_top, PROT_READ | PROT_WRITE, EXOS_RG_BRK) < 0)
			return (long)brk_cur;
	} else if (new_top < old_top) {
		unmap_range(new_top, old_top);
	}
	brk_cur = addr;
	return (long)brk_cur;
}

long exos_mmap(unsigned long addr, unsigned long len, long prot, long flags, long fd, long off)
{
	long type = flags & MAP_TYPE;
	if (len == 0 || !prot_ok(prot) || (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return fd < 0 ? -EBADF : -ENODEV; /* no files to map yet */
	if (off & (long)(PAGE_SIZE - 1))
		return -EINVAL;
	if (prot_wx(prot))
		return -EACCES;
	if (len > EXOS_MAP_TOP)
		return -ENOMEM;
	uint64_t size = PAGE_UP(len), va;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (!range_mappable(addr, size))
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && range_used(addr, addr + size))
			return -EEXIST;
		va = addr;
	} else {
		addr = PAGE_UP(addr);
		va = addr && range_mappable(addr, size) && !range_used(addr, addr + size) ? addr : find_gap(MMAP_BASE, size);
		if (!va)
			return -ENOMEM;
	}
	if (!regions_have_room())
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
		unmap_range(va, va + size);
	uint32_t rflags = type == MAP_PRIVATE ? 0 : EXOS_RG_SHARED;
	if (region_add(va, va + size, (uint32_t)prot, rflags) < 0)
		return -ENOMEM;
	/* Shared pages exist from the start, so that a fork shares them rather than making its own. */
	if ((rflags & EXOS_RG_SHARED) || (flags & MAP_POPULATE)) {
		long err = populate(va, va + size, exos_region_of(va));
		if (err < 0) {
			unmap_range(va, va + size);
			return err;
		}
	}
	return (long)va;
}

long exos_munmap(unsigned long addr, unsigned long len)
{
	if ((addr & (PAGE_SIZE - 1)) || len == 0 || !range_mappable(addr, PAGE_UP(len)))
		return -EINVAL;
	if (!regions_have_room())
		return -ENOMEM;
	unmap_range(addr, addr + PAGE_UP(len));
	return 0;
}

long exos_mprotect(unsigned long addr, unsigned long len, long prot)
{
	if ((addr & (PAGE_SIZE - 1)) || !prot_ok(prot))
		return -EINVAL;
	if (prot_wx(prot))
		return -EACCES;
	uint64_t end = addr + PAGE_UP(len);
	if (end < addr || !range_mappable(addr, end - addr) || !range_covered(addr, end) || !regions_have_room())
		return -ENOMEM;
	region_split(addr);
	region_split(end);
	for (int i = region_index(addr); i < exos_nregions && exos_regions[i].start < end; i++) {
		exos_regions[i].prot = (uint32_t)prot;
		long err = rebind_range(exos_regions[i].start, exos_regions[i].end, &exos_regions[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Move the pages of [from, from + size) to [to, to + size) (free of pages) by rebinding them: no copy. */
static void move_pages(uint64_t from, uint64_t to, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		struct exos_vpage *e = exos_pagemap_lookup((from + off) >> PAGE_SHIFT);
		if (!e)
			continue;
		uint32_t slot = e->slot;
		unsigned bound = e->bound, flags = e->flags;
		if (bound)
			sys_unbind(EXO_CAP_SELF, from + off);
		exos_pagemap_erase(e);
		struct exos_vpage *n = map_insert((to + off) >> PAGE_SHIFT); /* room: one was just freed */
		n->slot = slot;
		n->flags = (uint16_t)flags;
		if (bound && sys_bind(EXO_CAP_SELF, to + off, slot, bound) == 0)
			n->bound = (uint16_t)bound;
	}
}

long exos_mremap(unsigned long old, unsigned long old_len, unsigned long new_len, long flags, unsigned long new_addr)
{
	if ((old & (PAGE_SIZE - 1)) || new_len == 0 || (flags & ~(long)(MREMAP_MAYMOVE_ | MREMAP_FIXED_)) ||
	    ((flags & MREMAP_FIXED_) && !(flags & MREMAP_MAYMOVE_)))
		return -EINVAL;
	uint64_t osize = PAGE_UP(old_len), nsize = PAGE_UP(new_len);
	struct exos_region *r = exos_region_of(old);
	if (!r || osize == 0 || old + osize > r->end)
		return -EFAULT;
	if (!regions_have_room())
		return -ENOMEM;
	struct exos_region kind = *r;
	if (!(flags & MREMAP_FIXED_) && nsize <= osize) {
		if (nsize < osize)
			unmap_range(old + nsize, old + osize);
		return (long)old;
	}
	if (!(flags & MREMAP_FIXED_) && range_mappable(old, nsize) && !range_used(old + osize, old + nsize)) {
		long err = region_add(old + osize, old + nsize, kind.prot, kind.flags);
		return err < 0 ? err : (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE_))
		return -ENOMEM;
	uint64_t to;
	if (flags & MREMAP_FIXED_) {
		if ((new_addr & (PAGE_SIZE - 1)) || !range_mappable(new_addr, nsize) ||
		    (new_addr < old + osize && old < new_addr + nsize))
			return -EINVAL;
		to = new_addr;
		unmap_range(to, to + nsize);
	} else if (!(to = find_gap(MMAP_BASE, nsize))) {
		return -ENOMEM;
	}
	if (region_add(to, to + nsize, kind.prot, kind.flags) < 0)
		return -ENOMEM;
	move_pages(old, to, nsize < osize ? nsize : osize);
	unmap_range(old, old + osize);
	return (long)to;
}

/* ---- memory that crosses execve ---- */

long exos_vm_map_keep(uint64_t size) { return exos_vm_map_keep_at(0, size); }

long exos_vm_map_keep_at(uint64_t at, uint64_t size)
{
	size = PAGE_UP(size);
	uint64_t va = at ? (range_used(at, at + size) ? 0 : at) : find_gap(MMAP_BASE, size);
	if (!va || !regions_have_room() || region_add(va, va + size, PROT_READ | PROT_WRITE, EXOS_RG_SHARED | EXOS_RG_KEEP) < 0)
		return -ENOMEM;
	long err = populate(va, va + size, exos_region_of(va));
	if (err < 0) {
		unmap_range(va, va + size);
		return err;
	}
	return (long)va;
}

long exos_vm_export_keep(struct exos_exec_handoff *h)
{
	h->nkeep = h->nkeepreg = 0;
	for (int i = 0; i < exos_nregions; i++) {
		const struct exos_region *r = &exos_regions[i];
		if (!(r->flags & EXOS_RG_KEEP))
			continue;
		if (h->nkeepreg == EXOS_EXEC_MAX_KEEPREG)
			return -ENOMEM;
		h->keepreg[h->nkeepreg].start = r->start;
		h->keepreg[h->nkeepreg++].end = r->end;
		for (uint64_t va = r->start; va < r->end; va += PAGE_SIZE) {
			const struct exos_vpage *e = exos_pagemap_lookup(va >> PAGE_SHIFT);
			if (!e)
				continue;
			if (h->nkeep == EXOS_EXEC_MAX_KEEP)
				return -ENOMEM;
			h->keep[h->nkeep++] = (struct exo_bind_op){EXO_OP_BIND, e->slot, va, e->bound, 0};
		}
	}
	return 0;
}

/* ---- giving pages back (visible revocation) ---- */

/*
 * When the kernel asks for pages back (this process is above its quota and
 * someone below theirs needs memory), ExOS chooses which: pages that are
 * still zero, so that nothing is lost, and the next touch makes a fresh zero
 * page. A page is known to be zero when ExOS made it zero (EXOS_VP_ZERO),
 * the hardware's dirty bit says it was never written since, it is private
 * and ours alone. ExOS has no backing store, so written pages cannot be
 * given back; if there are not enough zero pages, the kernel's abort
 * protocol takes the rest after its deadline.
 *
 * The request is an asynchronous upcall: it may land while ExOS is inside a
 * call, in the middle of changing the page map. Then (exos_vm_busy) it is
 * only noted, and served when the call returns or waits.
 */
volatile int exos_vm_busy;
static volatile uint64_t revoke_wanted;
static uint64_t revoke_given;

static int zero_and_ours(const struct exos_vpage *e)
{
	if (!(e->flags & EXOS_VP_ZERO) || !e->bound || !page_ours_alone(e))
		return 0;
	const struct exos_region *r = exos_region_of(va_of(e));
	if (!r || (r->flags & (EXOS_RG_SHARED | EXOS_RG_DONTFORK)) || eager_page(va_of(e)))
		return 0;
	long bits = sys_binding_bits(EXO_CAP_SELF, va_of(e), 0);
	return bits > 0 && !(bits & EXO_BIND_DIRTY);
}

void exos_vm_give_back(void)
{
	if (!revoke_wanted)
		return;
	uint64_t want = revoke_wanted, given = 0;
	revoke_wanted = 0;
	exos_vm_busy++; /* the page map changes: no thread preemption (thread.c) and no nested give-back */
	struct exos_vpage *map = exos_pagemap_table();
	for (unsigned long i = 0; i < exos_pagemap_size() && given < want;) {
		if (map[i].vpn && zero_and_ours(&map[i])) {
			page_release(&map[i]); /* a later entry may shift into i: look at i again */
			given++;
		} else {
			i++;
		}
	}
	revoke_given += given;
	exos_vm_busy--;
}

uint64_t exos_vm_pages_given_back(void) { return revoke_given; }

static void revoke_upcall(struct exo_upcall *u)
{
	revoke_wanted = u->revoke_pages;
	if (!exos_vm_busy)
		exos_vm_give_back();
}

/* ---- the Appel-Li dirty query ---- */

long exos_dirty(const void *addr, int clear)
{
	long bits = sys_binding_bits(EXO_CAP_SELF, (uint64_t)addr & ~(PAGE_SIZE - 1), clear ? 1 : 0);
	if (bits < 0 || !(bits & EXO_BIND_PRESENT))
		return -EFAULT;
	return (bits & EXO_BIND_DIRTY) != 0;
}

/* ---- checking pointers the program passes ---- */

int exos_user_ok(const void *p, unsigned long len, int write)
{
	uint64_t start = (uint64_t)p, end = start + len;
	if (len == 0)
		return 1;
	if (end < start || end > EXO_BIND_TOP)
		return 0;
	for (uint64_t va = start & ~(PAGE_SIZE - 1); va < end; va += PAGE_SIZE) {
		const struct exos_region *r = exos_region_of(va);
		if (r) {
			if (!(r->prot & PROT_READ) || (write && !(r->prot & PROT_WRITE)))
				return 0;
			continue;
		}
		/* Not ExOS's: the program may have bound the page itself through the kernel. */
		long bits = sys_binding_bits(EXO_CAP_SELF, va, 0);
		if (bits < 0 || !(bits & EXO_BIND_PRESENT) || (write && !(bits & EXO_PROT_W)))
			return 0;
	}
	return 1;
}

/* ---- fork: sharing every page with a child ---- */

/*
 * What the page-fault handler writes must never be copy-on-write, or a
 * fault would need a fault to finish: the upcall pages (libexo) and ExOS's
 * page map stay private and writable in the parent, and the child gets
 * private copies of them at once ("eager" pages). Sharing must also not
 * change the page map while it walks it (a copy in the middle could replace a
 * page whose capability is already queued for the child), so the stack pages
 * fork runs on are made ours and writable first ("settled"), and fork's work
 * lists live in a region that is never shared (EXOS_RG_DONTFORK, like Linux's
 * MADV_DONTFORK) and always writable.
 */
#define MAX_EAGER 96 /* 17 upcall pages, 5 of the page map's own, up to 64 of a grown table */
#define EAGER_CHUNK 16
#define FORK_WINDOW_VA 0x7E8000100000UL /* EAGER_CHUNK pages fork binds for a moment to fill copies */

struct fork_scratch {
	struct exo_grant_op grant[EXO_BATCH_MAX];
	struct exo_bind_op child[EXO_BATCH_MAX];
	struct exo_bind_op self[EXO_BATCH_MAX];
	uint64_t protect[EXOS_PAGEMAP_MAX]; /* pages to bind read-only here once the child has them */
	uint32_t eager[MAX_EAGER];          /* our slots of the child's private copies, until moved to it */
	const struct exos_vpage *eagerv[MAX_EAGER]; /* the eager pages, found by the walk */
	unsigned long ngrant, nchild, nprotect, neager;
};
static struct fork_scratch *fs;

static long fork_scratch_get(void)
{
	uint64_t size = PAGE_UP(sizeof(*fs)), va = find_gap(MMAP_BASE, size);
	if (fs)
		return 0;
	if (!va || region_add(va, va + size, PROT_READ | PROT_WRITE, EXOS_RG_DONTFORK) < 0)
		return -ENOMEM;
	long err = populate(va, va + size, exos_region_of(va));
	if (err < 0) {
		unmap_range(va, va + size);
		return err;
	}
	fs = (struct fork_scratch *)va;
	return 0;
}

/* Make the page at va ours and writable now, as a write fault would, if its region allows writing. */
static long settle(uint64_t va)
{
	struct exos_region *r = exos_region_of(va);
	if (!r || !(r->prot & PROT_WRITE))
		return 0;
	struct exos_vpage *e = exos_pagemap_lookup(va >> PAGE_SHIFT);
	if (!e)
		return page_new(va >> PAGE_SHIFT, r);
	if (e->bound & EXO_PROT_W)
		return 0;
	if (!(r->flags & EXOS_RG_SHARED) && !page_ours_alone(e))
		return page_copy(e, r);
	return page_set_binding(e, exos_vm_bind_prot(r, e));
}

static long settle_what_fork_writes(void)
{
	uint64_t rsp = (uint64_t)__builtin_frame_address(0);
	long err = 0;
	for (uint64_t va = (rsp & ~(PAGE_SIZE - 1)) - 4 * PAGE_SIZE; va <= rsp && !err; va += PAGE_SIZE)
		err = settle(va);
	return err;
}

static long flush_child(unsigned long env)
{
	long r = fs->ngrant ? sys_cap_grant_batch(env, fs->grant, fs->ngrant) : 0;
	if (r >= 0 && fs->nchild)
		r = sys_bind_batch(env, fs->child, fs->nchild);
	fs->ngrant = fs->nchild = 0;
	return r < 0 ? exos_errno(r) : 0;
}

/*
 * Give the child our slot `slot` (at slot number `as` in its table) with
 * rights, bound at va with prot (0: unbound); flags EXO_GRANT_MOVE: the page
 * is the child's alone (our capability goes).
 */
static long give(unsigned long env, uint32_t slot, uint32_t as, unsigned rights, uint64_t va, unsigned prot,
		 uint32_t flags)
{
	if (fs->ngrant == EXO_BATCH_MAX || fs->nchild == EXO_BATCH_MAX) {
		long err = flush_child(env);
		if (err < 0)
			return err;
	}
	fs->grant[fs->ngrant++] = (struct exo_grant_op){slot, as, rights, flags};
	if (prot)
		fs->child[fs->nchild++] = (struct exo_bind_op){EXO_OP_BIND_THEIRS, as, va, prot, 0};
	return 0;
}

/*
 * Does the child's private copy of eager page va need this page's contents,
 * or will a zeroed page do? Empty parts of the page map are zero; of the
 * upcall pages, only the dispatcher's state (the last page) and, when fork
 * runs inside an upcall (a reflected `syscall`), the live part of the
 * upcall stack matter.
 */
static int eager_needs_contents(uint64_t va)
{
	uint64_t lo, hi, map = (uint64_t)exos_pagemap_table();
	exo_upcall_private_range(&lo, &hi);
	if (va >= lo && va < hi) {
		uint64_t sp = (uint64_t)__builtin_frame_address(0);
		return va + PAGE_SIZE == hi || (sp >= lo && sp < hi && va + PAGE_SIZE > sp);
	}
	exos_pagemap_own_range(&lo, &hi);
	if ((va >= lo && va < hi) && !(map >= lo && map < hi))
		return va + PAGE_SIZE == hi; /* the first table is unused: only the bookkeeping after it matters */
	const struct exos_vpage *e = (const struct exos_vpage *)(va > map ? va : map);
	const struct exos_vpage *end = (const struct exos_vpage *)(va + PAGE_SIZE);
	for (; e < end && e < exos_pagemap_table() + exos_pagemap_size(); e++)
		if (e->vpn)
			return 1;
	return va + PAGE_SIZE >= hi && va < hi; /* the bookkeeping's page */
}

/*
 * Private copies of the eager pages fs->eagerv[0..n) for the child (zeroed
 * where that will do), moved to it at the same slot numbers: new pages are
 * filled through a window of EAGER_CHUNK scratch pages bound and unbound
 * with one bind_batch each.
 */
static long give_copies(unsigned long env, unsigned long n)
{
	for (unsigned long first = 0; first < n; first += EAGER_CHUNK) {
		unsigned long m = n - first < EAGER_CHUNK ? n - first : EAGER_CHUNK, nb = 0;
		struct exo_bind_op bind[EAGER_CHUNK], unbind[EAGER_CHUNK];
		uint32_t slot[EAGER_CHUNK];
		int fill[EAGER_CHUNK];
		for (unsigned long i = 0; i < m; i++) {
			long s = sys_page_alloc(EXO_PPN_ANY);
			if (s < 0)
				return exos_errno(s);
			slot[i] = (uint32_t)s;
			fs->eager[fs->neager++] = (uint32_t)s;
			if ((fill[i] = eager_needs_contents(va_of(fs->eagerv[first + i])))) {
				uint64_t at = FORK_WINDOW_VA + nb * PAGE_SIZE;
				bind[nb] = (struct exo_bind_op){EXO_OP_BIND, slot[i], at, EXO_PROT_R | EXO_PROT_W, 0};
				unbind[nb++] = (struct exo_bind_op){EXO_OP_UNBIND, 0, at, 0, 0};
			}
		}
		if (nb && sys_bind_batch(EXO_CAP_SELF, bind, nb) < 0)
			return -ENOMEM;
		for (unsigned long i = 0, k = 0; i < m; i++)
			if (fill[i])
				memcpy((void *)(FORK_WINDOW_VA + k++ * PAGE_SIZE), (const void *)va_of(fs->eagerv[first + i]),
				       PAGE_SIZE);
		if (nb)
			sys_bind_batch(EXO_CAP_SELF, unbind, nb);
		for (unsigned long i = 0; i < m; i++) {
			const struct exos_vpage *e = fs->eagerv[first + i];
			long err = give(env, slot[i], e->slot, EXO_RIGHTS_PAGE_ALL, va_of(e), e->bound, EXO_GRANT_MOVE);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

/* The pages the page-fault handler writes: the upcall pages, the page map's bookkeeping and its table. */
static int eager_page(uint64_t va)
{
	uint64_t lo, hi, map = (uint64_t)exos_pagemap_table() & ~(PAGE_SIZE - 1);
	exo_upcall_private_range(&lo, &hi);
	if (va >= lo && va < hi)
		return 1;
	exos_pagemap_own_range(&lo, &hi);
	return (va >= lo && va < hi) || (va >= map && va < map + exos_pagemap_size() * sizeof(struct exos_vpage));
}

/* Give the child every page (the walk changes no entry); note our private writable ones in fs->protect. */
static long give_everything(unsigned long env)
{
	const struct exos_vpage *map = exos_pagemap_table();
	unsigned long neager = 0;
	long err = 0;
	for (unsigned long i = 0; i < exos_pagemap_size() && err == 0; i++) {
		const struct exos_vpage *e = &map[i];
		if (!e->vpn)
			continue;
		const struct exos_region *r = exos_region_of(va_of(e));
		unsigned rights = EXO_CAP_TABLE[e->slot].rights;
		if (r && (r->flags & EXOS_RG_DONTFORK))
			continue;
		if (eager_page(va_of(e))) {
			if (neager == MAX_EAGER)
				return -ENOMEM;
			fs->eagerv[neager++] = e;
		} else if (r && (r->flags & EXOS_RG_SHARED)) {
			err = give(env, e->slot, e->slot, rights, va_of(e), e->bound, 0);
		} else {
			err = give(env, e->slot, e->slot, rights & ~(unsigned)EXO_RIGHT_W, va_of(e),
				   e->bound & ~(unsigned)EXO_PROT_W, 0);
			if (e->bound & EXO_PROT_W)
				fs->protect[fs->nprotect++] = va_of(e);
		}
	}
	if (err == 0)
		err = give_copies(env, neager);
	return err ? err : flush_child(env);
}

/* Our private pages go read-only: the map first (its pages are still writable), then the bindings. */
static void protect_ours(void)
{
	for (unsigned long i = 0; i < fs->nprotect; i++)
		exos_pagemap_lookup(fs->protect[i] >> PAGE_SHIFT)->bound &= (uint16_t)~EXO_PROT_W;
	unsigned long n = 0;
	for (unsigned long i = 0; i < fs->nprotect; i++) {
		fs->self[n++] = (struct exo_bind_op){EXO_OP_PROTECT, 0, fs->protect[i], EXO_PROT_R, 0};
		if (n == EXO_BATCH_MAX || i + 1 == fs->nprotect) {
			sys_bind_batch(EXO_CAP_SELF, fs->self, n);
			n = 0;
		}
	}
}

long exos_vm_share_with(unsigned long env)
{
	long err = fork_scratch_get();
	if (err == 0)
		err = settle_what_fork_writes();
	if (err < 0)
		return err;
	fs->ngrant = fs->nchild = fs->nprotect = fs->neager = 0;
	err = give_everything(env);
	protect_ours();
	for (unsigned long i = 0; err < 0 && i < fs->neager; i++)
		if (EXO_CAP_TABLE[fs->eager[i]].type != EXO_CAP_NONE)
			sys_cap_drop(fs->eager[i]); /* not moved to the child: ours to give back */
	return err;
}

void exos_vm_after_fork(void)
{
	fs = NULL; /* the parent's work lists are not ours: their region was not given to us */
	for (int i = 0; i < exos_nregions;) {
		if (!(exos_regions[i].flags & EXOS_RG_DONTFORK)) {
			i++;
			continue;
		}
		uint64_t first = exos_regions[i].start >> PAGE_SHIFT, last = exos_regions[i].end >> PAGE_SHIFT;
		region_delete(i, 1);
		struct exos_vpage *map = exos_pagemap_table();
		for (unsigned long k = 0; k < exos_pagemap_size();) {
			if (map[k].vpn >= first && map[k].vpn < last)
				exos_pagemap_erase(&map[k]); /* the parent's slots: nothing of ours to drop */
			else
				k++;
		}
	}
}
