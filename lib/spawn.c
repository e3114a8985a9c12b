/*
 * exo_spawn: run a function of this program in a new environment. The new
 * environment shares this program's read-only pages (code, read-only data)
 * and gets private copies of its writable ones (data, bss, stack), all bound
 * through capabilities this environment holds (so they stay charged to it,
 * and last while it keeps them). It starts fn(arg) on a fresh stack and
 * exits with fn's return value.
 */
#include <exo/lib.h>

#define SCRATCH_VA 0x3F000000UL
#define einfo EXO_ENV_INFO

static int (*child_fn)(long);
void exo_child_entry(long arg);

void exo_child_entry(long arg)
{
	exo_upcall_forget(); /* the registration was the parent's */
	exit(child_fn(arg));
}

/* A private copy of the page at va for the new environment; returns its slot in our table. */
static long copy_page(long env, uint64_t va, unsigned prot)
{
	long s = sys_page_alloc(EXO_PPN_ANY);
	if (s < 0)
		return s;
	long r = sys_bind(EXO_CAP_SELF, SCRATCH_VA, (unsigned long)s, EXO_PROT_R | EXO_PROT_W);
	if (r == 0) {
		memcpy((void *)SCRATCH_VA, (const void *)va, 4096);
		sys_unbind(EXO_CAP_SELF, SCRATCH_VA);
		r = sys_bind((unsigned long)env, va, (unsigned long)s, prot);
	}
	if (r < 0) {
		sys_cap_drop((unsigned long)s);
		return r;
	}
	return s;
}

long exo_spawn_create(int (*fn)(long), uint64_t quota)
{
	long env = sys_env_create(quota);
	if (env < 0)
		return env;
	child_fn = fn; /* copied into the child with the rest of .data */
	for (uint64_t i = 0; i < einfo->nbootmap; i++) {
		uint64_t va = einfo->bootmap[i].va;
		unsigned prot = einfo->bootmap[i].prot;
		long r = (prot & EXO_PROT_W) ? copy_page(env, va, prot)
					     : sys_bind((unsigned long)env, va, einfo->bootmap[i].slot, prot);
		if (r < 0) {
			sys_env_destroy((unsigned long)env);
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
	return 0;
}
