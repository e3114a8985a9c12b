/*
 * Environment creation, running and destruction.
 * Locking: single CPU, interrupts off in the kernel; no locks yet.
 */
#include <exo/error.h>
#include <exo/info.h>
#include "elf.h"
#include "env.h"
#include "vm.h"
#include "x86.h"

struct env envs[NENV];
static uint32_t next_generation = 1;
extern uint64_t info_page_pa;

static struct env *env_alloc_slot(void)
{
	for (int i = 0; i < NENV; i++) {
		if (envs[i].state == ENV_FREE) {
			struct env *e = &envs[i];
			memset(e, 0, sizeof(*e));
			e->id = next_generation++ << 8 | (uint32_t)i;
			e->pages.head = PPN_NIL;
			return e;
		}
	}
	return NULL;
}

static uint64_t seg_pte_flags(uint32_t flags)
{
	uint64_t f = PTE_U;
	if (flags & ELF_SEG_W)
		f |= PTE_W;
	if (!(flags & ELF_SEG_X))
		f |= PTE_NX;
	return f;
}

/* Load one validated segment: fresh zeroed pages, file bytes copied in through the direct map. */
static int load_segment(struct env *e, const unsigned char *img, const struct elf_segment *s)
{
	uintptr_t start = ROUNDDOWN(s->vaddr, PAGE_SIZE), end = ROUNDUP(s->vaddr + s->memsz, PAGE_SIZE);

	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t pa = page_alloc_zeroed(e, PAGE_USER);
		if (!pa || vm_map(e->pml4_pa, va, pa, seg_pte_flags(s->flags), e) < 0)
			return -EXO_ENOMEM;
		/* Copy the part of [vaddr, vaddr+filesz) that falls in this page. */
		uint64_t lo = va > s->vaddr ? va : s->vaddr;
		uint64_t hi = va + PAGE_SIZE < s->vaddr + s->filesz ? va + PAGE_SIZE : s->vaddr + s->filesz;
		if (lo < hi)
			memcpy((char *)P2V(pa) + (lo - va), img + s->offset + (lo - s->vaddr), hi - lo);
	}
	return 0;
}

/* The first environment's stack, with the command line string at its top. */
static int setup_stack(struct env *e, const char *cmdline)
{
	uint64_t top_pa = 0;
	for (int i = 0; i < EXO_BOOTSTACK_PAGES; i++) {
		uint64_t pa = page_alloc_zeroed(e, PAGE_USER);
		uintptr_t va = EXO_BOOTSTACK_TOP - (uintptr_t)(i + 1) * PAGE_SIZE;
		if (!pa || vm_map(e->pml4_pa, va, pa, PTE_U | PTE_W | PTE_NX, e) < 0)
			return -EXO_ENOMEM;
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

int env_create(const void *image, size_t size, const char *name, const char *cmdline, struct env **out)
{
	struct elf_plan plan;
	int err = elf_plan(image, size, USER_MIN, EXO_BOOTSTACK_TOP - EXO_BOOTSTACK_PAGES * PAGE_SIZE - PAGE_SIZE,
			   &plan);
	if (err) {
		kprintf("exo: cannot run '%s': %s\n", name, elf_strerror(err));
		return -EXO_ENOEXEC;
	}
	struct env *e = env_alloc_slot();
	if (!e)
		return -EXO_ENOMEM;
	e->state = ENV_RUNNABLE;
	size_t n = strlen(name);
	memcpy(e->name, name, n < ENV_NAME_MAX - 1 ? n : ENV_NAME_MAX - 1);

	uint64_t fpu_pa = page_alloc_zeroed(e, PAGE_ENVKERN);
	if (!fpu_pa || vm_new_user_space(e, &e->pml4_pa) < 0)
		goto nomem;
	e->fpu = P2V(fpu_pa);
	fpu_init_area(e->fpu);
	if (vm_map(e->pml4_pa, EXO_INFO_VA, info_page_pa, PTE_U | PTE_NX, e) < 0)
		goto nomem;
	for (int i = 0; i < plan.nseg; i++)
		if (load_segment(e, image, &plan.seg[i]) < 0)
			goto nomem;
	if (setup_stack(e, cmdline) < 0)
		goto nomem;
	e->tf.rip = plan.entry;
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
	while (e->pages.head != PPN_NIL)
		pmem_free(&pmem, e->pages.head, &e->pages);
	e->state = ENV_FREE;
	info_update();
}

void env_save_context(struct env *e, const struct trapframe *tf)
{
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
static void env_switch_to(struct env *e)
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
