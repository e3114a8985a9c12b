/*
 * Environments: creation (the first from an ELF boot module, others by
 * env_create), running and destruction.
 *
 * Everything made for an environment is charged to it (on its page list):
 * its page tables, FPU area, capability table, information region and
 * reverse-map entries, and the memory it allocates. Destroying it deletes
 * its capabilities (what it granted stays valid for the holders) and frees
 * what is charged to it alone.
 * Locking: single CPU, interrupts off in the kernel; no locks yet.
 */
#include <exo/elf.h>
#include <exo/error.h>
#include <exo/info.h>
#include "bind.h"
#include "cap.h"
#include "env.h"
#include "vm.h"
#include "x86.h"

struct env envs[NENV];
uint32_t env_slots_used;
static uint32_t next_generation = 1;
extern uint64_t info_page_pa;
extern struct exo_info *info;

#define CAP_TABLE_PAGES ((EXO_NCAPS * sizeof(struct exo_cap) + PAGE_SIZE - 1) / PAGE_SIZE)
_Static_assert(sizeof(struct exo_envinfo) <= EXO_ENVINFO_PAGES * PAGE_SIZE, "envinfo fits its region");
_Static_assert(sizeof(struct exo_info) <= PAGE_SIZE, "the information page holds struct exo_info");
_Static_assert(EXO_CAPS_VA + CAP_TABLE_PAGES * PAGE_SIZE <= EXO_GLOBAL_RO_VA, "cap table fits");

struct env *env_by_id(uint32_t id)
{
	struct env *e = &envs[id & 0xFF];
	if ((id & 0xFF) >= NENV || e->state == ENV_FREE || e->id != id)
		return NULL;
	return e;
}

static struct env *env_alloc_slot(void)
{
	for (int i = 0; i < NENV; i++) {
		if (envs[i].state == ENV_FREE) {
			struct env *e = &envs[i];
			if ((uint32_t)i >= env_slots_used)
				env_slots_used = (uint32_t)i + 1;
			memset(e, 0, sizeof(*e));
			e->id = next_generation++ << 8 | (uint32_t)i;
			e->pages.head = PPN_NIL;
			return e;
		}
	}
	return NULL;
}

/* n physically contiguous zeroed pages charged to e, mapped read-only at va; the kernel's pointer. */
static void *alloc_ro_region(struct env *e, uint32_t n, uint64_t va)
{
	uint32_t first = pmem_alloc_run(&pmem, n, 1, PAGE_ENVKERN, e->id, &e->pages);
	if (first == PPN_NIL)
		return NULL;
	uint64_t pa = (uint64_t)first << PAGE_SHIFT;
	memset(P2V(pa), 0, n * PAGE_SIZE);
	for (uint32_t i = 0; i < n; i++)
		if (vm_map(e->pml4_pa, va + i * PAGE_SIZE, pa + i * PAGE_SIZE, PTE_U | PTE_NX, e) < 0)
			return NULL;
	return P2V(pa);
}

/* A new environment with its kernel structures; state ENV_NEW. */
static long env_alloc(const char *name, uint64_t quota, struct env **out)
{
	struct env *e = env_alloc_slot();
	if (!e)
		return -EXO_ENOMEM;
	e->state = ENV_NEW;
	e->quota = quota;
	size_t n = strlen(name);
	memcpy(e->name, name, n < ENV_NAME_MAX - 1 ? n : ENV_NAME_MAX - 1);

	uint64_t fpu_pa = page_alloc_zeroed(e, PAGE_ENVKERN);
	if (!fpu_pa || vm_new_user_space(e, &e->pml4_pa) < 0)
		goto nomem;
	e->fpu = P2V(fpu_pa);
	fpu_init_area(e->fpu);
	e->caps = alloc_ro_region(e, CAP_TABLE_PAGES, EXO_CAPS_VA);
	e->einfo = e->caps ? alloc_ro_region(e, EXO_ENVINFO_PAGES, EXO_ENVINFO_VA) : NULL;
	if (!e->einfo)
		goto nomem;
	for (uint32_t s = 0; s < EXO_NCAPS; s++)
		e->caps[s] = (struct exo_cap){.parent = EXO_CAPID_NIL, .first_child = EXO_CAPID_NIL,
					      .next_sibling = EXO_CAPID_NIL, .prev_sibling = EXO_CAPID_NIL};
	cap_make_root(e, EXO_CAP_SELF, EXO_CAP_ENV, EXO_RIGHTS_ENV_ALL, e->id);
	e->einfo->id = e->id;
	e->einfo->quota = quota;
	info->env_id[e - envs] = e->id;
	e->tf.cs = SEL_UCODE;
	e->tf.ss = SEL_UDATA;
	e->tf.rflags = RFLAGS_IF | 2;
	*out = e;
	info_update();
	return 0;
nomem:
	env_destroy(e, NULL);
	return -EXO_ENOMEM;
}

/* A fresh zeroed page for e with a root capability, bound at va; records it in the boot map. */
static long boot_page(struct env *e, uint64_t va, unsigned prot, uint64_t *pa_out)
{
	long slot = cap_free_slot(e);
	if (slot < 0)
		return slot;
	uint64_t pa = page_alloc_zeroed(e, PAGE_USER);
	if (!pa)
		return -EXO_ENOMEM;
	cap_make_root(e, (uint32_t)slot, EXO_CAP_PAGE, EXO_RIGHTS_PAGE_ALL, (uint32_t)(pa >> PAGE_SHIFT));
	if (bind_page(e, va, cap_id(e, (uint32_t)slot), prot) < 0)
		return -EXO_ENOMEM; /* the capability and page go with the environment */
	struct exo_envinfo *ei = e->einfo;
	if (ei->nbootmap < EXO_BOOTMAP_MAX)
		ei->bootmap[ei->nbootmap++] = (struct exo_bootmap_entry){va, (uint32_t)slot, prot};
	*pa_out = pa;
	return 0;
}

static unsigned seg_prot(uint32_t flags)
{
	return EXO_PROT_R | (flags & ELF_SEG_W ? EXO_PROT_W : 0) | (flags & ELF_SEG_X ? EXO_PROT_X : 0);
}

/* Load one validated segment: fresh zeroed pages, file bytes copied in through the direct map. */
static long load_segment(struct env *e, const unsigned char *img, const struct elf_segment *s)
{
	uintptr_t start = ROUNDDOWN(s->vaddr, PAGE_SIZE), end = ROUNDUP(s->vaddr + s->memsz, PAGE_SIZE);

	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t pa;
		long err = boot_page(e, va, seg_prot(s->flags), &pa);
		if (err < 0)
			return err;
		uint64_t lo = va > s->vaddr ? va : s->vaddr;
		uint64_t hi = va + PAGE_SIZE < s->vaddr + s->filesz ? va + PAGE_SIZE : s->vaddr + s->filesz;
		if (lo < hi)
			memcpy((char *)P2V(pa) + (lo - va), img + s->offset + (lo - s->vaddr), hi - lo);
	}
	return 0;
}

/* The first environment's stack, with the command line string at its top. */
static long setup_stack(struct env *e, const char *cmdline)
{
	uint64_t top_pa = 0;
	for (int i = 0; i < EXO_BOOTSTACK_PAGES; i++) {
		uint64_t pa;
		long err = boot_page(e, EXO_BOOTSTACK_TOP - (uintptr_t)(i + 1) * PAGE_SIZE, EXO_PROT_R | EXO_PROT_W, &pa);
		if (err < 0)
			return err;
		if (i == 0)
			top_pa = pa;
	}
	size_t len = strlen(cmdline) + 1;
	if (len > 1024)
		len = 1024;
	uintptr_t str_va = EXO_BOOTSTACK_TOP - ROUNDUP(len, 16);
	char *dst = (char *)P2V(top_pa) + (str_va - (EXO_BOOTSTACK_TOP - PAGE_SIZE));
	memcpy(dst, cmdline, len - 1);
	dst[len - 1] = '\0';
	e->tf.rdi = str_va;
	e->tf.rsp = str_va - 8; /* as after a call: rsp+8 is 16-byte aligned */
	return 0;
}

int env_create_from_elf(const void *image, size_t size, const char *name, const char *cmdline, uint64_t quota,
			struct env **out)
{
	struct elf_plan plan;
	int err = elf_plan(image, size, USER_MIN, EXO_BOOTSTACK_TOP - (EXO_BOOTSTACK_PAGES + 1) * PAGE_SIZE, &plan);
	if (err) {
		kprintf("exo: cannot run '%s': %s\n", name, elf_strerror(err));
		return -EXO_ENOEXEC;
	}
	struct env *e;
	long r = env_alloc(name, quota, &e);
	if (r < 0)
		return (int)r;
	for (int i = 0; i < plan.nseg && r == 0; i++)
		r = load_segment(e, image, &plan.seg[i]);
	if (r == 0)
		r = setup_stack(e, cmdline);
	if (r < 0) {
		env_destroy(e, NULL);
		return (int)r;
	}
	e->tf.rip = plan.entry;
	e->state = ENV_RUNNABLE;
	*out = e;
	return 0;
}

long env_create_empty(uint64_t quota, struct env **out) { return env_alloc("child", quota, out); }

/* Environments waiting for memory may now find some. */
void env_wake_memory_waiters(void)
{
	for (int i = 0; i < NENV; i++)
		if (envs[i].state == ENV_WAIT_MEM)
			envs[i].state = ENV_RUNNABLE;
}

void env_destroy(struct env *e, const char *why)
{
	struct cpu *c = this_cpu();

	if (why)
		kprintf("exo: env %u '%s' %s\n", e->id, e->name, why);
	if (c->curenv == e) {
		vm_switch(kernel_pml4_pa); /* leave its address space before freeing it */
		c->curenv = NULL;
	}
	if (c->fpu_env == e)
		c->fpu_env = NULL; /* the next env's restore overwrites every component */
	if (e->caps) {
		unbind_everything(e);
		for (uint32_t s = 0; s < EXO_NCAPS; s++)
			if (e->caps[s].type != EXO_CAP_NONE)
				cap_delete(cap_id(e, s), 0);
	}
	while (e->pages.head != PPN_NIL) {
		assert(pmem.pages[e->pages.head].type != PAGE_USER);
		pmem_free(&pmem, e->pages.head, &e->pages);
	}
	pct_env_ending(e);
	sched_forget(e);
	e->state = ENV_FREE;
	info->env_id[e - envs] = 0;
	env_wake_memory_waiters();
	info_update();
}

void env_refresh_info(struct env *e)
{
	e->einfo->usage = env_usage(e);
	info_update();
}

void env_save_context(struct env *e, const struct trapframe *tf)
{
	if (e->pct_lazy) {
		e->pct_saved = e->tf; /* its own context, left in tf by trapentry.S's pct_call_fast */
		e->pct_lazy = false;
	}
	e->tf = *tf;
}

int env_count(void)
{
	int n = 0;
	for (int i = 0; i < NENV; i++)
		n += envs[i].state != ENV_FREE;
	return n;
}

static bool is_user_canonical(uint64_t va) { return va < (1ULL << 47); }

/* Switch the CPU to e: address space, FPU state and segment bases. */
void env_switch_to(struct env *e)
{
	struct cpu *c = this_cpu();
	struct env *prev = c->curenv;

	if (prev == e)
		return;
	if (prev && prev->state != ENV_FREE) {
		prev->fs_base = rdmsr(MSR_FS_BASE);
		prev->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	}
	if (c->fpu_env != e) {
		if (c->fpu_env)
			fpu_save(c->fpu_env->fpu);
		fpu_restore(e->fpu);
		c->fpu_env = e;
	}
	wrmsr(MSR_FS_BASE, e->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, e->gs_base);
	vm_switch(e->pml4_pa);
	c->curenv = e;
}

void env_run(struct env *e)
{
	env_switch_to(e);
	upcall_deliver_pending(e);
	env_refresh_info(e);
	struct trapframe *tf = &e->tf;
	/* Only user selectors, interrupts on, no IOPL; a non-canonical rip would fault in ring 0. */
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	tf->rflags = (tf->rflags & ~(uint64_t)(RFLAGS_IOPL | RFLAGS_NT | RFLAGS_VM)) | RFLAGS_IF | 2;
	if (!is_user_canonical(tf->rip)) {
		env_destroy(e, "killed: resume at a non-canonical address");
		sched_run(NULL);
	}
	trap_return_iret(tf);
}
