/*
 * ExOS memory, first cut: brk, and anonymous private mmap/munmap/mprotect.
 *
 * Every page ExOS hands out is a page of its own (page_alloc: zeroed, charged
 * to this environment) bound at its virtual address (bind). ExOS remembers
 * each virtual page it manages in a small hash table (pagemap.c): the slot of
 * its physical page (EXOS_NO_PAGE when it has none) and its Linux protection. A
 * PROT_NONE page keeps its physical page, unbound, so that its contents come
 * back when mprotect makes it accessible again. Pages are given to the
 * program eagerly (at mmap, brk or mprotect time); demand-zero pages, the
 * page-table structure of issue 6 item 3, and file or shared mappings come
 * later.
 *
 * Layout: the break starts at the first page after the program's image
 * (_end) and may grow by BRK_MAX; mmap without MAP_FIXED hands out addresses
 * upwards from MMAP_BASE and never reuses them.
 */
#include <errno.h>
#include <sys/mman.h>
#include "exos.h"
#include "pagemap.h"

#define BRK_MAX (1UL << 30)
#define MMAP_BASE 0x10000000000UL /* 1 TiB */
#define MMAP_TOP 0x7E0000000000UL /* well below the boot stack */
#define PAGE_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

static unsigned long brk_start, brk_cur, mmap_next;

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

void exos_vm_init(void)
{
	brk_start = brk_cur = PAGE_UP((unsigned long)_end);
	mmap_next = MMAP_BASE;
}

/* ---- pages ---- */

static unsigned exo_prot(long prot)
{
	return EXO_PROT_R | (prot & PROT_WRITE ? EXO_PROT_W : 0) | (prot & PROT_EXEC ? EXO_PROT_X : 0);
}

/* Give e a fresh zeroed page and bind it with e->prot (unless PROT_NONE). */
static long page_fill(struct exos_vpage *e)
{
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return exos_errno(s);
	if (e->prot != PROT_NONE) {
		long r = sys_bind(EXO_CAP_SELF, e->vpn << PAGE_SHIFT, (unsigned long)s, exo_prot(e->prot));
		if (r < 0) {
			sys_cap_drop((unsigned long)s);
			return exos_errno(r);
		}
	}
	e->slot = (uint32_t)s;
	return 0;
}

/* Forget the page at e: unbind it and give its physical page back. */
static void page_free(struct exos_vpage *e)
{
	if (e->slot != EXOS_NO_PAGE) {
		if (e->prot != PROT_NONE)
			sys_unbind(EXO_CAP_SELF, e->vpn << PAGE_SHIFT);
		sys_cap_drop(e->slot);
	}
	exos_pagemap_erase(e);
}

static void unmap_range(unsigned long va, unsigned long npages)
{
	for (unsigned long i = 0; i < npages; i++) {
		struct exos_vpage *e = exos_pagemap_lookup((va >> PAGE_SHIFT) + i);
		if (e)
			page_free(e);
	}
}

static int range_has_pages(unsigned long va, unsigned long npages)
{
	for (unsigned long i = 0; i < npages; i++)
		if (exos_pagemap_lookup((va >> PAGE_SHIFT) + i))
			return 1;
	return 0;
}

/*
 * Map npages fresh pages at va with prot, replacing whatever ExOS had there
 * (PROT_NONE: reserved, no physical page). On failure nothing is left
 * mapped in the range.
 */
static long map_range(unsigned long va, unsigned long npages, long prot)
{
	unmap_range(va, npages);
	for (unsigned long i = 0; i < npages; i++) {
		struct exos_vpage *e = exos_pagemap_insert((va >> PAGE_SHIFT) + i);
		long r = e ? 0 : -ENOMEM;
		if (e) {
			e->prot = (uint32_t)prot;
			if (prot != PROT_NONE && (r = page_fill(e)) < 0)
				exos_pagemap_erase(e);
		}
		if (r < 0) {
			unmap_range(va, i);
			return r;
		}
	}
	return 0;
}

/* Change the protection of one managed page. */
static long protect_page(struct exos_vpage *e, long prot)
{
	unsigned long va = e->vpn << PAGE_SHIFT;
	long r = 0;
	if (e->slot == EXOS_NO_PAGE) {
		e->prot = (uint32_t)prot;
		return prot == PROT_NONE ? 0 : page_fill(e);
	}
	if (prot == PROT_NONE)
		r = e->prot == PROT_NONE ? 0 : sys_unbind(EXO_CAP_SELF, va);
	else if (e->prot == PROT_NONE)
		r = sys_bind(EXO_CAP_SELF, va, e->slot, exo_prot(prot));
	else
		r = sys_protect(EXO_CAP_SELF, va, exo_prot(prot));
	if (r < 0)
		return exos_errno(r);
	e->prot = (uint32_t)prot;
	return 0;
}

/* ---- the system calls ---- */

static int prot_ok(long prot) { return !(prot & ~(long)(PROT_READ | PROT_WRITE | PROT_EXEC)); }

/* exo never maps a page writable and executable: refused like a denied PROT_EXEC. */
static int prot_wx(long prot) { return (prot & PROT_WRITE) && (prot & PROT_EXEC); }

long exos_brk(unsigned long addr)
{
	if (addr < brk_start || addr > brk_start + BRK_MAX)
		return (long)brk_cur;
	unsigned long old_top = PAGE_UP(brk_cur), new_top = PAGE_UP(addr);
	if (new_top > old_top) {
		unsigned long n = (new_top - old_top) >> PAGE_SHIFT;
		if (range_has_pages(old_top, n) || map_range(old_top, n, PROT_READ | PROT_WRITE) < 0)
			return (long)brk_cur;
	} else if (new_top < old_top) {
		unmap_range(new_top, (old_top - new_top) >> PAGE_SHIFT);
	}
	brk_cur = addr;
	return (long)brk_cur;
}

long exos_mmap(unsigned long addr, unsigned long len, long prot, long flags, long fd, long off)
{
	(void)fd;
	(void)off;
	if (len == 0 || !prot_ok(prot))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) || (flags & MAP_TYPE) != MAP_PRIVATE)
		return -ENOSYS; /* files and shared memory: not yet */
	if (prot_wx(prot))
		return -EACCES;
	if (len > MMAP_TOP)
		return -ENOMEM;
	unsigned long npages = PAGE_UP(len) >> PAGE_SHIFT, va;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (addr < USER_MIN || addr > EXO_BIND_TOP - (npages << PAGE_SHIFT))
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && range_has_pages(addr, npages))
			return -EEXIST;
		va = addr;
	} else {
		if (mmap_next + (npages << PAGE_SHIFT) > MMAP_TOP)
			return -ENOMEM;
		va = mmap_next;
		mmap_next += npages << PAGE_SHIFT;
	}
	long r = map_range(va, npages, prot);
	return r < 0 ? r : (long)va;
}

long exos_munmap(unsigned long addr, unsigned long len)
{
	if ((addr & (PAGE_SIZE - 1)) || len == 0 || addr >= EXO_BIND_TOP || len > EXO_BIND_TOP - addr)
		return -EINVAL;
	unmap_range(addr, PAGE_UP(len) >> PAGE_SHIFT);
	return 0;
}

long exos_mprotect(unsigned long addr, unsigned long len, long prot)
{
	if ((addr & (PAGE_SIZE - 1)) || !prot_ok(prot))
		return -EINVAL;
	if (prot_wx(prot))
		return -EACCES;
	if (addr >= EXO_BIND_TOP || len > EXO_BIND_TOP - addr)
		return -ENOMEM;
	unsigned long npages = PAGE_UP(len) >> PAGE_SHIFT;
	for (unsigned long i = 0; i < npages; i++)
		if (!exos_pagemap_lookup((addr >> PAGE_SHIFT) + i))
			return -ENOMEM; /* not all of it is mapped by ExOS */
	for (unsigned long i = 0; i < npages; i++) {
		long r = protect_page(exos_pagemap_lookup((addr >> PAGE_SHIFT) + i), prot);
		if (r < 0)
			return r;
	}
	return 0;
}
