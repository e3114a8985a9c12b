/*
 * exo_spawn: run a function of this program in a new environment. The new
 * environment shares this program's read-only pages (code, read-only data)
 * and gets private copies of its writable ones (data, bss, stack), all bound
 * through capabilities this environment holds (so they stay charged to it,
 * and last while it keeps them). It starts fn(arg) on a fresh stack and
 * exits with fn's return value. exo_wait gives the private copies back once
 * the child has ended. A child has no boot map of its own, so it cannot
 * spawn in turn.
 */
#include <exo/lib.h>

#define SCRATCH_VA 0x3F000000UL
#define einfo EXO_ENV_INFO

static int (*child_fn)(long);
static unsigned long child_fs_base; /* the parent's thread pointer, copied into the child's .data */

/*
 * This environment's FS base (the TLS thread pointer), which a child gets
 * too: it names the same address in the child's copy of the writable pages.
 * ExOS, which sets it for musl, overrides this (it knows the value even
 * without FSGSBASE); a libexo program has none unless the CPU can say.
 */
__attribute__((weak)) unsigned long exo_tls_base(void)
{
	unsigned long fs = 0;
	if (exo_info->cpu_features & EXO_CPU_FSGSBASE)
		__asm__ volatile("rdfsbase %0" : "=r"(fs));
	return fs;
}

/* The private pages of each child, by environment slot, until exo_wait drops them. */
#define MAX_CHILDREN 32
#define POOL 8192
static struct {
	long env;  /* 0: free */
	int first; /* in pool[] */
	int count;
} children[MAX_CHILDREN];
static long pool[POOL];
static int pool_used;

static int record_child(long env)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (!children[i].env) {
			children[i].env = env;
			children[i].first = pool_used;
			children[i].count = 0;
			return i;
		}
	return -1;
}

static void release_child(int i)
{
	for (int k = 0; k < children[i].count; k++)
		sys_cap_drop((unsigned long)pool[children[i].first + k]);
	if (children[i].first + children[i].count == pool_used) /* the newest: reuse its part of the pool */
		pool_used = children[i].first;
	children[i].env = 0;
}

static int find_child(long env)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i].env == env)
			return i;
	return -1;
}
void exo_child_entry(long arg);

void exo_child_entry(long arg)
{
	exo_upcall_forget(); /* the registration was the parent's */
	if (child_fs_base) { /* a new environment starts with FS base 0 */
		if (exo_info->cpu_features & EXO_CPU_FSGSBASE)
			__asm__ volatile("wrfsbase %0" ::"r"(child_fs_base) : "memory");
		else
			sys_set_fs_base(child_fs_base);
	}
	exit(child_fn(arg));
}

long exo_page_copy(const void *src, uint64_t scratch_va)
{
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return s;
	long r = sys_bind(EXO_CAP_SELF, scratch_va, (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
	if (r < 0) {
		sys_cap_drop((unsigned long)s);
		return r;
	}
	memcpy((void *)scratch_va, src, 4096);
	sys_unbind(EXO_CAP_SELF, scratch_va);
	return s;
}

/* A private copy of the page at va for the new environment; returns its slot in our table. */
static long copy_page(long env, uint64_t va, unsigned prot)
{
	long s = exo_page_copy((const void *)va, SCRATCH_VA);
	if (s < 0)
		return s;
	long r = sys_bind((unsigned long)env, va, (unsigned long)s, prot);
	if (r < 0) {
		sys_cap_drop((unsigned long)s);
		return r;
	}
	return s;
}

long exo_spawn_create(int (*fn)(long), uint64_t quota)
{
	if (einfo->nbootmap == 0)
		return -EXO_EINVAL; /* we were spawned ourselves: no boot map to copy from */
	long env = sys_env_create(quota);
	if (env < 0)
		return env;
	int c = record_child(env);
	if (c < 0) {
		sys_env_destroy((unsigned long)env);
		return -EXO_ENOSPC;
	}
	child_fn = fn; /* copied into the child with the rest of .data */
	child_fs_base = exo_tls_base();
	for (uint64_t i = 0; i < einfo->nbootmap; i++) {
		uint64_t va = einfo->bootmap[i].va;
		unsigned prot = einfo->bootmap[i].prot;
		long r;
		if (prot & EXO_PROT_W) {
			r = pool_used < POOL ? copy_page(env, va, prot) : -EXO_ENOSPC;
			if (r > 0) {
				pool[pool_used++] = r;
				children[c].count++;
			}
		} else {
			r = sys_bind((unsigned long)env, va, einfo->bootmap[i].slot, prot);
		}
		if (r < 0) {
			sys_env_destroy((unsigned long)env);
			release_child(c);
			return r;
		}
	}
	return env;
}

long exo_spawn_start(long env, long arg)
{
	uint64_t rsp = EXO_BOOTSTACK_TOP - 64; /* a fresh stack in the child's copy of the boot stack */
	return sys_env_start((unsigned long)env, (unsigned long)exo_child_entry, rsp - 8, (unsigned long)arg);
}

long exo_spawn(int (*fn)(long), long arg, uint64_t quota)
{
	long env = exo_spawn_create(fn, quota);
	if (env < 0)
		return env;
	long r = exo_spawn_start(env, arg);
	return r < 0 ? r : env;
}

int exo_wait(long env)
{
	while (sys_env_status((unsigned long)env) >= 0)
		sys_yield();
	int c = find_child(env);
	if (c >= 0)
		release_child(c);
	sys_cap_drop((unsigned long)env); /* the stale environment capability */
	return 0;
}
