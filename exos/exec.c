/*
 * execve from the boot archive (exec.h says how the old program gets out
 * of the way). Everything that can fail happens before the trampoline runs:
 * until then the old program is intact and gets an error back.
 *
 * Programs: static x86-64 ELF executables (ET_EXEC, validated by the shared
 * planner, lib/elf.c: -ENOEXEC when refused), or scripts starting with "#!"
 * (the interpreter is run with the script's path, as Linux does). The new
 * stack is laid out as Linux's: argc, argv[], NULL, envp[], NULL, auxv
 * (AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM, AT_EXECFN,
 * AT_UID/EUID/GID/EGID, AT_SECURE), then the strings at the top.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <exo/elf.h>
#include "cpio.h"
#include "exec.h"
#include "files.h"
#include "exos.h"
#include "fd.h"
#include "proc.h"
#include "vm.h"

#define ARG_MAX_BYTES (256 * 1024) /* argv and envp strings and pointers together */
#define STACK_MIN_PAGES 16         /* the new stack starts with at least 64 KiB, like the first program's */
#define SCRATCH_VA 0x7E8000001000UL /* a page bound for a moment to fill a new page (fork uses the page below) */
#define SHEBANG_MAX 256

struct exos_tramp_args {
	const struct exo_bind_op *ops;
	uint64_t nops, rsp, entry;
	uint64_t kc_set_upcall, kc_bind_batch, kc_exit;
};

extern const char exos_exec_tramp_start[], exos_exec_tramp_end[];

/* ---- the argument strings, copied in ---- */

/* Where execve keeps copies of the path and the argument strings: ExOS memory, gone with the old program. */
struct staging {
	char *buf;
	uint64_t used, size;
	char **argv, **envp; /* into buf */
	long argc, envc;
};

/* A string of the caller's, checked page by page: its length, or -EFAULT / -E2BIG. */
static long user_strlen(const char *s, long max)
{
	long n = 0;
	for (;;) {
		uint64_t room = PAGE_SIZE - ((uint64_t)(s + n) & (PAGE_SIZE - 1));
		if (!exos_user_ok(s + n, room, 0))
			return -EFAULT;
		for (uint64_t i = 0; i < room; i++, n++) {
			if (s[n] == '\0')
				return n;
			if (n >= max)
				return -E2BIG;
		}
	}
}

static char *stage_str(struct staging *st, const char *s)
{
	long n = user_strlen(s, ARG_MAX_BYTES);
	if (n < 0 || st->used + (uint64_t)n + 1 > st->size)
		return NULL;
	char *d = st->buf + st->used;
	memcpy(d, s, (size_t)n + 1);
	st->used += (uint64_t)n + 1;
	return d;
}

/* Copy a NULL-terminated vector of strings (vec may be NULL: empty). Returns the count or -errno. */
static long stage_vec(struct staging *st, char *const *vec, char ***out)
{
	long n = 0;
	while (vec) {
		if (!exos_user_ok(&vec[n], sizeof(vec[n]), 0))
			return -EFAULT;
		if (!vec[n])
			break;
		if (++n > ARG_MAX_BYTES / 8)
			return -E2BIG;
	}
	st->used = (st->used + 7) & ~7UL;
	if (st->used + (uint64_t)(n + 1) * 8 > st->size)
		return -E2BIG;
	char **v = (char **)(st->buf + st->used);
	st->used += (uint64_t)(n + 1) * 8;
	for (long i = 0; i < n; i++)
		if (!(v[i] = stage_str(st, vec[i])))
			return user_strlen(vec[i], ARG_MAX_BYTES) == -EFAULT ? -EFAULT : -E2BIG;
	v[n] = NULL;
	*out = v;
	return n;
}

/* ---- finding the program ---- */

/*
 * "#!interpreter [arg]": run the interpreter with [arg] and the script's
 * path in front of the script's arguments (argv[0] is replaced, as Linux
 * does). 1 when f is a script (*interp and *iarg set, iarg may be NULL).
 */
static int parse_shebang(const struct exos_file *f, char *line, char **interp, char **iarg)
{
	if (f->size < 2 || f->data[0] != '#' || f->data[1] != '!')
		return 0;
	uint64_t n = 0;
	while (n + 2 < f->size && n < SHEBANG_MAX - 1 && f->data[n + 2] != '\n')
		n++;
	memcpy(line, f->data + 2, n);
	line[n] = '\0';
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	*interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	*iarg = NULL;
	if (*p) {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p)
			*iarg = p;
	}
	return **interp != '\0';
}

/* ---- building the new program's pages ---- */

struct image {
	struct exos_exec_handoff *h; /* bound at EXOS_EXEC_HANDOFF_VA */
	uint64_t nh;                  /* its pages */
	uint32_t tramp;               /* the trampoline page's slot, 0 if none yet */
};

/* A new page for va with prot, filled by fill(dst, ctx) through the scratch binding; listed in h->ops. */
static long new_page(struct image *im, uint64_t va, unsigned prot, void (*fill)(void *, uint64_t, const void *),
		     const void *ctx)
{
	if (im->h->nmap == EXOS_EXEC_MAX_PAGES)
		return -ENOMEM;
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return exos_errno(s);
	im->h->ops[im->h->nmap++] = (struct exo_bind_op){EXO_OP_BIND, (uint32_t)s, va, prot, 0};
	long r = sys_bind(EXO_CAP_SELF, SCRATCH_VA, (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
	if (r < 0)
		return exos_errno(r);
	fill((void *)SCRATCH_VA, va, ctx);
	sys_unbind(EXO_CAP_SELF, SCRATCH_VA);
	return 0;
}

struct seg_ctx {
	const unsigned char *file;
	const struct elf_segment *s;
};

/* The bytes of segment s that fall in the page at va; the rest of the page stays zero. */
static void fill_segment(void *dst, uint64_t va, const void *ctx)
{
	const struct seg_ctx *c = ctx;
	uint64_t lo = va > c->s->vaddr ? va : c->s->vaddr;
	uint64_t fend = c->s->vaddr + c->s->filesz;
	uint64_t hi = va + PAGE_SIZE < fend ? va + PAGE_SIZE : fend;
	if (lo < hi)
		memcpy((char *)dst + (lo - va), c->file + c->s->offset + (lo - c->s->vaddr), hi - lo);
}

static unsigned seg_prot(uint32_t flags)
{
	return EXO_PROT_R | (flags & ELF_SEG_W ? EXO_PROT_W : 0) | (flags & ELF_SEG_X ? EXO_PROT_X : 0);
}

static long load_segments(struct image *im, const unsigned char *file, const struct elf_plan *plan)
{
	for (int i = 0; i < plan->nseg; i++) {
		const struct elf_segment *s = &plan->seg[i];
		struct seg_ctx c = {file, s};
		uint64_t start = s->vaddr & ~(PAGE_SIZE - 1), end = (s->vaddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		for (uint64_t va = start; va < end; va += PAGE_SIZE) {
			long err = new_page(im, va, seg_prot(s->flags), fill_segment, &c);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

/* ---- the Linux start-up stack ---- */

struct stack_ctx {
	const unsigned char *block; /* the finished stack, [lo, EXO_BOOTSTACK_TOP) */
	uint64_t lo;
};

static void fill_stack(void *dst, uint64_t va, const void *ctx)
{
	const struct stack_ctx *c = ctx;
	if (va + PAGE_SIZE > c->lo) {
		uint64_t from = va > c->lo ? va : c->lo;
		memcpy((char *)dst + (from - va), c->block + (from - c->lo), va + PAGE_SIZE - from);
	}
}

/* Where the program's headers are in memory (for AT_PHDR), or 0. */
static uint64_t phdr_address(const unsigned char *file, const struct elf_plan *plan)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
	uint64_t off = eh->e_phoff, len = (uint64_t)eh->e_phnum * eh->e_phentsize;
	for (int i = 0; i < plan->nseg; i++)
		if (plan->seg[i].offset <= off && off + len <= plan->seg[i].offset + plan->seg[i].filesz)
			return plan->seg[i].vaddr + (off - plan->seg[i].offset);
	return 0;
}

/*
 * Lay the stack out in buf (the image of [EXO_BOOTSTACK_TOP - size,
 * EXO_BOOTSTACK_TOP)): strings at the top, then the vectors. Returns the
 * new program's rsp, or 0 when it does not fit.
 */
static uint64_t lay_out_stack(char *buf, uint64_t size, const struct staging *st, const char *execfn,
			      const unsigned char *file, const struct elf_plan *plan)
{
	const uint64_t top = EXO_BOOTSTACK_TOP, base = top - size;
	uint64_t at = top;
#define PUT(src, n) (at -= (n), memcpy(buf + (at - base), (src), (n)), at)
	uint64_t fn = PUT(execfn, strlen(execfn) + 1);
	uint64_t strs[2][st->argc + st->envc + 1];
	for (long i = 0; i < st->argc; i++)
		strs[0][i] = PUT(st->argv[i], strlen(st->argv[i]) + 1);
	for (long i = 0; i < st->envc; i++)
		strs[1][i] = PUT(st->envp[i], strlen(st->envp[i]) + 1);
	uint64_t rnd[2] = {rdtsc() * 0x9E3779B97F4A7C15ULL, (rdtsc() ^ EXO_ENV_INFO->id) * 0xBF58476D1CE4E5B9ULL};
	uint64_t random = PUT(rnd, 16);
#undef PUT
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
	uint64_t aux[] = {AT_PHDR,  phdr_address(file, plan), AT_PHENT, eh->e_phentsize, AT_PHNUM, eh->e_phnum,
			  AT_PAGESZ, PAGE_SIZE, AT_ENTRY, plan->entry, AT_RANDOM, random,
			  AT_EXECFN, fn, AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0, AT_NULL, 0};
	uint64_t words = 1 + (uint64_t)st->argc + 1 + (uint64_t)st->envc + 1 + sizeof(aux) / 8;
	uint64_t sp = ((at & ~15UL) - words * 8) & ~15UL;
	if (sp < base + 256)
		return 0;
	uint64_t *w = (uint64_t *)(buf + (sp - base));
	*w++ = (uint64_t)st->argc;
	for (long i = 0; i < st->argc; i++)
		*w++ = strs[0][i];
	*w++ = 0;
	for (long i = 0; i < st->envc; i++)
		*w++ = strs[1][i];
	*w++ = 0;
	memcpy(w, aux, sizeof(aux));
	return sp;
}

static long build_stack(struct image *im, const struct staging *st, const char *execfn, const unsigned char *file,
			const struct elf_plan *plan, uint64_t *rsp)
{
	uint64_t need = st->used + strlen(execfn) + 1024 + (uint64_t)(st->argc + st->envc) * 16;
	uint64_t pages = (need + PAGE_SIZE - 1) / PAGE_SIZE;
	if (pages < STACK_MIN_PAGES)
		pages = STACK_MIN_PAGES;
	uint64_t size = pages * PAGE_SIZE;
	long buf = exos_mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf < 0)
		return buf;
	long err = 0;
	*rsp = lay_out_stack((char *)buf, size, st, execfn, file, plan);
	if (!*rsp)
		err = -E2BIG;
	struct stack_ctx c = {(const unsigned char *)buf, EXO_BOOTSTACK_TOP - size};
	for (uint64_t va = c.lo; va < EXO_BOOTSTACK_TOP && err == 0; va += PAGE_SIZE)
		err = new_page(im, va, EXO_PROT_R | EXO_PROT_W, fill_stack, &c);
	exos_munmap((unsigned long)buf, size);
	return err;
}

/* ---- the handoff and the trampoline ---- */

static long handoff_alloc(struct image *im)
{
	uint64_t pages = (sizeof(struct exos_exec_handoff) + PAGE_SIZE - 1) / PAGE_SIZE;
	_Static_assert((sizeof(struct exos_exec_handoff) + 4095) / 4096 <= 32, "handoff slots fit");
	for (uint64_t i = 0; i < pages; i++) {
		long s = sys_page_alloc(EXO_PPN_ANY);
		long r = s < 0 ? s : sys_bind(EXO_CAP_SELF, EXOS_EXEC_HANDOFF_VA + i * PAGE_SIZE, (unsigned long)s,
					      EXO_PROT_R | EXO_PROT_W);
		if (r < 0) {
			if (s >= 0)
				sys_cap_drop((unsigned long)s);
			return exos_errno(r);
		}
		im->h = (struct exos_exec_handoff *)EXOS_EXEC_HANDOFF_VA;
		im->h->handoff[im->nh++] = (uint32_t)s;
		im->h->nhandoff = im->nh;
	}
	im->h->magic = 0; /* set last, when everything is in place */
	return 0;
}

static void fill_trampoline(void *dst, uint64_t va, const void *ctx)
{
	(void)va, (void)ctx;
	memcpy(dst, exos_exec_tramp_start, (size_t)(exos_exec_tramp_end - exos_exec_tramp_start));
}

static long trampoline_alloc(struct image *im)
{
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return exos_errno(s);
	im->tramp = (uint32_t)s;
	long r = sys_bind(EXO_CAP_SELF, SCRATCH_VA, (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
	if (r == 0) {
		fill_trampoline((void *)SCRATCH_VA, 0, NULL);
		sys_unbind(EXO_CAP_SELF, SCRATCH_VA);
		r = sys_bind(EXO_CAP_SELF, EXOS_EXEC_TRAMPOLINE_VA, (unsigned long)s, EXO_PROT_R | EXO_PROT_X);
	}
	return r < 0 ? exos_errno(r) : 0;
}

/* Undo a failed execve: every new page, the handoff and the trampoline go. */
static void image_discard(struct image *im)
{
	if (im->tramp)
		sys_cap_drop(im->tramp);
	if (!im->h)
		return;
	for (uint64_t i = 0; i < im->h->nmap; i++)
		sys_cap_drop(im->h->ops[i].slot);
	uint32_t slots[32];
	memcpy(slots, im->h->handoff, sizeof(slots));
	for (uint64_t i = 0; i < im->nh; i++)
		sys_cap_drop(slots[i]);
}

/* The old program's pages, for the new one to drop. */
static long list_old_pages(struct exos_exec_handoff *h)
{
	const struct exos_vpage *map = exos_pagemap_table();
	h->nold = 0;
	for (unsigned long i = 0; i < exos_pagemap_size(); i++) {
		if (!map[i].vpn)
			continue;
		const struct exos_region *r = exos_region_of(map[i].vpn << PAGE_SHIFT);
		if (r && (r->flags & EXOS_RG_KEEP))
			continue; /* a pipe's buffer: it crosses (exos_vm_export_keep) */
		if (h->nold == EXOS_EXEC_MAX_PAGES)
			return -ENOMEM;
		h->old[h->nold++] = map[i].slot;
	}
	return 0;
}

/* The point of no return: the arguments go in the handoff (it stays mapped), then to the trampoline. */
static __attribute__((noreturn)) void jump(struct image *im, uint64_t rsp, uint64_t entry)
{
	struct exos_exec_handoff *h = im->h;
	_Static_assert(sizeof(struct exos_tramp_args) == sizeof(h->tramp_args), "trampoline arguments fit");
	struct exos_tramp_args *a = (struct exos_tramp_args *)h->tramp_args;
	*a = (struct exos_tramp_args){h->ops, h->nmap, rsp, entry, EXO_KCALL_BASE | EXO_KCALL_env_set_upcall,
				      EXO_KCALL_BASE | EXO_KCALL_bind_batch, EXO_KCALL_BASE | EXO_KCALL_exit};
	h->trampoline = im->tramp;
	h->magic = EXOS_EXEC_MAGIC;
	((void (*)(struct exos_tramp_args *))EXOS_EXEC_TRAMPOLINE_VA)(a);
	__builtin_unreachable();
}

/* ---- execve ---- */

static long exec_file(const char *path, struct staging *st, int depth);

static long exec_script(const struct exos_file *f, const char *path, struct staging *st, int depth)
{
	char line[SHEBANG_MAX], *interp, *iarg;
	if (!parse_shebang(f, line, &interp, &iarg) || depth > 0)
		return -ENOEXEC;
	/* argv becomes: interp [iarg] path argv[1..], staged so the strings live in st. */
	long extra = iarg ? 2 : 1;
	st->used = (st->used + 7) & ~7UL;
	if (st->used + (uint64_t)(st->argc + extra + 1) * 8 + SHEBANG_MAX * 2 + strlen(path) + 2 > st->size)
		return -E2BIG;
	char **v = (char **)(st->buf + st->used);
	st->used += (uint64_t)(st->argc + extra + 1) * 8;
	v[0] = stage_str(st, interp);
	if (iarg)
		v[1] = stage_str(st, iarg);
	v[extra] = stage_str(st, path);
	for (long i = 1; i < st->argc; i++)
		v[extra + i] = st->argv[i];
	long argc = st->argc > 0 ? st->argc + extra : extra + 1;
	v[argc] = NULL;
	st->argv = v;
	st->argc = argc;
	return exec_file(v[0], st, depth + 1);
}

static long exec_file(const char *path, struct staging *st, int depth)
{
	struct exos_loaded l;
	long err = exos_fs_load(path, &l);
	if (err < 0)
		return err;
	struct exos_file f = {l.data, l.size, 0, 0};
	if (f.size >= 2 && f.data[0] == '#' && f.data[1] == '!') {
		err = exec_script(&f, path, st, depth);
		exos_fs_unload(&l);
		return err;
	}
	struct elf_plan plan;
	if (elf_plan(f.data, f.size, USER_MIN, EXOS_MAP_TOP, &plan) != ELF_OK) {
		exos_fs_unload(&l);
		return -ENOEXEC;
	}
	struct image im = {0};
	uint64_t rsp = 0;
	err = handoff_alloc(&im);
	if (err == 0)
		err = load_segments(&im, f.data, &plan);
	if (err == 0)
		err = build_stack(&im, st, path, f.data, &plan, &rsp);
	if (err == 0)
		err = trampoline_alloc(&im);
	if (err == 0)
		err = exos_fd_export(im.h); /* first: closing close-on-exec pipes unmaps buffers nobody needs */
	if (err == 0)
		err = exos_vm_export_keep(im.h);
	if (err == 0)
		err = list_old_pages(im.h);
	if (err == 0)
		err = exos_proc_export(im.h, path);
	if (err < 0) {
		image_discard(&im);
		exos_fs_unload(&l);
		return err;
	}
	jump(&im, rsp, plan.entry); /* a private copy of the program goes with the old program's pages */
}

long exos_execve(const char *path, char *const argv[], char *const envp[])
{
	struct staging st = {0};
	long r = exos_mmap(0, ARG_MAX_BYTES + PAGE_SIZE * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0)
		return r;
	st.buf = (char *)r;
	st.size = ARG_MAX_BYTES + PAGE_SIZE * 4;
	const char *p = stage_str(&st, path);
	long err = p ? 0 : (user_strlen(path, EXOS_PATH_MAX) == -EFAULT ? -EFAULT : -ENAMETOOLONG);
	if (err == 0 && (err = stage_vec(&st, argv, &st.argv)) >= 0)
		st.argc = err;
	if (err >= 0 && (err = stage_vec(&st, envp, &st.envp)) >= 0)
		st.envc = err;
	if (err >= 0)
		err = exec_file(p, &st, 0); /* returns only on failure */
	exos_munmap((unsigned long)st.buf, st.size);
	return err;
}

/* ---- in the new program ---- */

static const struct exos_exec_handoff *handoff;

const struct exos_exec_handoff *exos_exec_handoff(void)
{
	if (!handoff)
		handoff = exo_exec_handoff_find();
	return handoff;
}

void exos_exec_handoff_release(void)
{
	if (handoff)
		exo_exec_handoff_drop(handoff);
	handoff = NULL;
}
