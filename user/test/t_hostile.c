/*
 * A hostile environment: 100,000 kernel calls (memory, environments, slots,
 * directed yield, protected control transfer) with random and extreme
 * arguments (random page numbers, kernel and non-canonical addresses, huge
 * batch counts, misaligned values, its own page tables and kernel pages as
 * targets, random slots). It must get errors, never a panic, never access it
 * was not given; the kernel's invariant check runs every 10,000 calls and at
 * the end. The seed is printed: `t_hostile SEED` replays a run.
 */
#include <exo/lib.h>

#define CALLS 100000
#define SANDBOX 0x20000000UL /* the only addresses it binds: its own code and stack stay intact */
#define SANDBOX_PAGES 4096
#define MAX_HELD 256

#define pages ((const volatile struct exo_page *)EXO_PAGES_VA)
#define caps ((const volatile struct exo_cap *)EXO_CAPS_VA)
#define einfo ((const volatile struct exo_envinfo *)EXO_ENVINFO_VA)

static uint64_t rng;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static uint64_t pick(uint64_t n) { return next() % n; }

static long held[MAX_HELD]; /* page and env slots it made and may drop */
static int nheld;
static uint32_t own_tables[64], kernel_pages[64];
static int ntables, nkernel;
static struct exo_grant_op gops[40];
static struct exo_bind_op ops[EXO_BATCH_MAX + 8];

static void find_targets(void)
{
	for (uint64_t p = 0; p < exo_info->npages; p++) {
		if ((pages[p].type == EXO_PAGE_PGTABLE || pages[p].type == EXO_PAGE_ENVKERN) &&
		    pages[p].owner == einfo->id && ntables < 64)
			own_tables[ntables++] = (uint32_t)p;
		if (pages[p].type == EXO_PAGE_KERNEL && nkernel < 64 && pick(8) == 0)
			kernel_pages[nkernel++] = (uint32_t)p;
	}
}

static uint64_t any_value(void)
{
	switch (pick(10)) {
	case 0: return next();
	case 1: return pick(64);
	case 2: return ~0UL - pick(4);
	case 3: return 1UL << pick(64);
	case 4: return 0xFFFF800000000000UL + pick(1UL << 30);
	case 5: return 0x0000800000000000UL + pick(1UL << 20);
	default: return pick(2048);
	}
}

static uint64_t any_ppn(void)
{
	switch (pick(6)) {
	case 0: return ntables ? own_tables[pick(ntables)] : 0;
	case 1: return nkernel ? kernel_pages[pick(nkernel)] : 0;
	case 2: return pick(exo_info->npages + 16);
	case 3: return EXO_PPN_ANY;
	case 4: return any_value();
	default: return pick(exo_info->npages);
	}
}

static uint64_t any_va(void)
{
	switch (pick(8)) {
	case 0: return any_value();
	case 1: return SANDBOX + pick(SANDBOX_PAGES * 4096); /* misaligned mostly */
	case 2: return EXO_BIND_TOP - 4096 * pick(3);
	case 3: return EXO_INFO_VA + 4096 * pick(4);
	case 4: return EXO_CAPS_VA;
	default: return SANDBOX + 4096 * pick(SANDBOX_PAGES);
	}
}

/*
 * The capabilities it held before the storm (its code, data and stack, the
 * mailbox, the bystander and its pages): destructive calls spare them, or the
 * fuzzer would only be killing itself.
 */
static unsigned char protected_slot[EXO_NCAPS];

static void protect_current_slots(void)
{
	for (int s = 0; s < EXO_NCAPS; s++)
		protected_slot[s] = EXO_CAP_TABLE[s].type != EXO_CAP_NONE;
}

static int is_boot_slot(uint64_t slot) { return slot < EXO_NCAPS && protected_slot[slot]; }

/* A capability for this environment itself (slot 0, or a copy it granted itself): destroying through it is suicide. */
static int names_self(uint64_t slot)
{
	return slot < EXO_NCAPS && EXO_CAP_TABLE[slot].type == EXO_CAP_ENV && EXO_CAP_TABLE[slot].object == EXO_ENV_INFO->id;
}

/*
 * A slot to use: one it holds, one of the kernel-made ones (not for
 * destructive calls: dropping its own stack would only kill itself), or anything.
 */
static uint64_t any_slot(int destructive)
{
	uint64_t s;
	switch (pick(4)) {
	case 0: s = nheld ? (uint64_t)held[pick(nheld)] : 1; break;
	case 1: s = einfo->bootmap[pick(einfo->nbootmap)].slot; break;
	case 2: s = any_value(); break;
	default: s = nheld ? (uint64_t)held[pick(nheld)] : pick(EXO_NCAPS); break;
	}
	if (destructive && (is_boot_slot(s) || names_self(s)))
		return EXO_NCAPS + pick(100);
	return s;
}

static void forget(long slot)
{
	for (int i = 0; i < nheld; i++)
		if (held[i] == slot) {
			held[i] = held[--nheld];
			return;
		}
}

static void remember(long slot)
{
	if (slot <= 0)
		return;
	if (nheld == MAX_HELD) {
		long old = held[pick(MAX_HELD)];
		sys_cap_drop((unsigned long)old);
		forget(old);
	}
	held[nheld++] = slot;
}

static uint64_t any_prot(void) { return pick(4) ? pick(8) : any_value(); }

static int verbose;

/*
 * A well-behaved bystander: it serves PCT entry 0 (return at once), keeps a
 * pattern in its memory and checks it until told to stop. The storm must not
 * disturb it.
 */
#define MAILBOX 0x2F000000UL
struct mailbox {
	volatile long id, stop, intact, served, done;
};
#define mb ((struct mailbox *)MAILBOX)
static char bystander_stack[4096] __attribute__((aligned(16)));
static uint64_t pattern[512];
__asm__(".text\nbystander_entry:\n\t"
	"lock incq 0x2F000018\n\t"
	"movabs $0x45584f000000001b, %rax\n\tsyscall\n\tud2\n");
extern char bystander_entry[];

static int bystander(long unused)
{
	(void)unused;
	sys_pct_set_entry(0, (unsigned long)bystander_entry, (unsigned long)(bystander_stack + sizeof(bystander_stack)));
	for (int i = 0; i < 512; i++)
		pattern[i] = (uint64_t)i * 0x9E3779B97F4A7C15ULL;
	mb->id = EXO_ENV_INFO->id;
	long intact = 1;
	while (!mb->stop) {
		for (int i = 0; i < 512; i++)
			intact &= pattern[i] == (uint64_t)i * 0x9E3779B97F4A7C15ULL;
		sys_yield();
	}
	mb->intact = intact;
	mb->done = 1;
	return 0;
}

static uint64_t any_env_id(void)
{
	switch (pick(3)) {
	case 0: return (uint64_t)mb->id;
	case 1: return (uint64_t)EXO_PAGE_RECORDS[pick(exo_info->npages)].owner;
	default: return any_value();
	}
}

static long one_call(uint64_t *ok)
{
	long r;
	uint64_t env = pick(4) ? EXO_CAP_SELF : any_slot(0);
	uint64_t which = pick(25);
	if (verbose)
		printf("op %lu env %lu\n", which, env);
	switch (which) {
	case 0: remember(r = sys_page_alloc(any_ppn())); break;
	case 1:
		r = sys_page_alloc_run(pick(3) ? pick(16) : any_value(), pick(3) ? 1UL << pick(10) : any_value());
		if (r > 0)
			remember(r);
		break;
	case 2: {
		uint64_t s = any_slot(1);
		r = sys_cap_drop(s);
		if (r == 0)
			forget((long)s);
		break;
	}
	case 3: { /* a slot granted to another environment is in its table, not ours: do not keep it */
		uint64_t to = pick(3) ? EXO_CAP_SELF : any_slot(0);
		r = sys_cap_grant(any_slot(0), to, any_value() & 0x3F);
		if (to == EXO_CAP_SELF)
			remember(r);
		break;
	}
	case 4: r = sys_cap_revoke(any_slot(1)); break;
	case 5: case 6: r = sys_bind(env, any_va(), any_slot(0), any_prot()); break;
	case 7: r = sys_unbind(env, any_va()); break;
	case 8: r = sys_protect(env, any_va(), any_prot()); break;
	case 9: {
		uint64_t n = pick(4) ? pick(EXO_BATCH_MAX + 8) : any_value();
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			ops[i] = (struct exo_bind_op){(uint32_t)pick(5), (uint32_t)any_slot(0), any_va(), (uint32_t)any_prot(), 0};
		const struct exo_bind_op *p = pick(8) ? ops : (const struct exo_bind_op *)any_value();
		r = sys_bind_batch(env, p, n);
		break;
	}
	case 10: r = sys_binding_bits(env, any_va(), pick(3)); break;
	case 11: remember(r = sys_env_create(pick(2) ? pick(64) : any_value())); break;
	case 12: {
		uint64_t s = any_slot(1);
		if (s == EXO_CAP_SELF)
			s = EXO_NCAPS;
		r = sys_env_destroy(s);
		break;
	}
	case 13: {
		uint64_t s = any_slot(1);
		if (s == EXO_CAP_SELF)
			s = EXO_NCAPS;
		r = sys_env_set_upcall(s, any_va(), any_va(), any_value(), any_value(), any_value());
		break;
	}
	case 14: r = sys_env_set_quota(pick(4) ? any_slot(1) : EXO_NCAPS, any_value()); break;
	case 15: r = sys_env_status(any_slot(0)); break;
	case 16: r = sys_yield_to(pick(2) ? any_value() : (uint64_t)EXO_PAGE_RECORDS[pick(exo_info->npages)].owner); break;
	case 17: { /* slots: take one, and mostly give it straight back (owning slots changes when we run) */
		r = sys_slot_alloc(pick(3) ? pick(EXO_NSLOTS + 2) : any_value());
		if (r > 0 && pick(8))
			sys_cap_drop((unsigned long)r);
		else if (r > 0)
			remember(r);
		break;
	}
	case 18: r = sys_pct_set_entry(pick(3) ? pick(EXO_PCT_ENTRIES + 2) : any_value(), pick(2) ? 0 : any_va(),
				       any_va()); break;
	case 19: r = sys_pct_call(any_env_id(), pick(3) ? pick(EXO_PCT_ENTRIES + 2) : any_value()); break;
	case 20: r = sys_pct_send(pick(2) ? any_env_id() : EXO_ENV_INFO->id, pick(EXO_PCT_ENTRIES + 2)); break;
	case 21: {
		uint64_t n = pick(4) ? pick(40) : any_value();
		for (size_t i = 0; i < sizeof(gops) / sizeof(gops[0]); i++) {
			uint64_t slot = any_slot(0);
			uint32_t flags = (uint32_t)pick(3);
			if (is_boot_slot(slot)) /* moving one of its own pages away would only kill itself */
				flags &= ~(uint32_t)EXO_GRANT_MOVE;
			gops[i] = (struct exo_grant_op){(uint32_t)slot, (uint32_t)(pick(2) ? any_slot(0) : any_value()),
							(uint32_t)(any_value() & 0x3F), flags};
		}
		uint64_t to = pick(3) ? EXO_CAP_SELF : any_slot(0);
		r = sys_cap_grant_batch(to, pick(8) ? gops : (const struct exo_grant_op *)any_value(), n);
		if (r > 0 && to == EXO_CAP_SELF)
			for (long i = 0; i < r; i++)
				remember(gops[i].to_slot);
		break;
	}
	case 22: { /* idle: mostly refused values, now and then one tick (valid waits only stall the test) */
		uint64_t t = any_value();
		r = sys_idle(pick(16) == 0 ? 1 : t > EXO_IDLE_MAX ? t : 0);
		break;
	}
	case 23: r = sys_sched_prologue(pick(2) ? pick(3) : any_value()); break;
	default: r = sys_pct_return(); break;
	}
	if (r >= 0)
		(*ok)++;
	return r;
}

int main(int argc, char **argv)
{
	rng = 0;
	for (const char *p = argc > 1 ? argv[1] : ""; *p >= '0' && *p <= '9'; p++)
		rng = rng * 10 + (uint64_t)(*p - '0');
	if (!rng)
		rng = rdtsc() | 1;
	printf("t_hostile: seed %lu (replay: make run PROG=test/t_hostile ARGS=%lu)\n", rng, rng);
	verbose = argc > 2;
	find_targets();
	sys_env_set_quota(EXO_CAP_SELF, exo_info->total_pages / 2);
	long mbox = sys_page_alloc(EXO_PPN_ANY);
	sys_bind(EXO_CAP_SELF, MAILBOX, (unsigned long)mbox, EXO_PROT_R | EXO_PROT_W);
	long by = exo_spawn_create(bystander, 128);
	sys_bind((unsigned long)by, MAILBOX, (unsigned long)mbox, EXO_PROT_R | EXO_PROT_W);
	exo_spawn_start(by, 0);
	while (!mb->id)
		sys_yield();
	/* No authority over it from here on: the storm must not be able to touch it. */
	sys_cap_drop((unsigned long)by);
	protect_current_slots();
	uint64_t ok = 0;
	for (int i = 1; i <= CALLS; i++) {
		long r = one_call(&ok);
		if (r < -EXO_NERRORS) {
			printf("call %d returned an undocumented error %ld\n", i, r);
			check(0, "every error is a documented one");
		}
		if (i % 10000 == 0)
			check(sys_kernel_check() >= 0, "kernel invariant check during the storm");
	}
	printf("t_hostile: %d calls, %lu succeeded, %d capabilities held\n", CALLS, ok, nheld);
	check(sys_kernel_check() >= 0, "kernel invariant check after 100,000 hostile calls");
	mb->stop = 1;
	while (!mb->done)
		sys_yield();
	printf("t_hostile: the bystander served %ld of our transfers\n", mb->served);
	check(mb->intact == 1, "a well-behaved environment alongside was not disturbed");
	test_finish();
}
