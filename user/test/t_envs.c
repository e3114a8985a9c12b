/*
 * Several environments and the memory protocol between them.
 *   t_envs share      two children share a page read-write and read-only
 *   t_envs isolate    a child with no capabilities reaches nothing; a page
 *                     granted then revoked disappears from it
 *   t_envs exhaust    a child allocates until it fails; another keeps working
 *   t_envs coop       visible revocation: the hog gives pages back when asked
 *   t_envs abort      abort protocol: the hog ignores the request, the kernel
 *                     takes the pages and lists them in its repossession vector
 *   t_envs yieldto    directed yield runs the named environment next
 *   t_envs theirs     a parent binds a child's pages with the child's own
 *                     capabilities (EXO_OP_BIND_THEIRS): they outlive the
 *                     parent's
 * A mailbox page, bound in every environment, carries the handshakes.
 */
#include <exo/lib.h>

#define MAILBOX 0x30000000UL
#define SHARED 0x31000000UL
#define HOG_BASE 0x50000000UL

struct mailbox {
	volatile long step;     /* handshake counter */
	volatile long value;
	volatile long result;   /* a child's verdict: 1 pass, -1 fail */
	volatile long hog_pages;
	volatile long hog_err;
	volatile long asked, given, lost;
	volatile long worker_done;
	volatile long seq, b_seq, parent_id, stop;
};
#define mb ((struct mailbox *)MAILBOX)

static void wait_step(long s)
{
	while (mb->step < s)
		sys_yield();
}

/* A child with the mailbox bound: parent grants/binds it before start. */
static long child_with_mailbox(int (*fn)(long), long mailbox_slot, uint64_t quota)
{
	long env = exo_spawn_create(fn, quota);
	if (env >= 0 && sys_bind((unsigned long)env, MAILBOX, (unsigned long)mailbox_slot, EXO_PROT_R | EXO_PROT_W) < 0)
		return -1;
	return env;
}

/* ---- share ---- */

static int nothing(long unused)
{
	(void)unused;
	return 0;
}

static int writer(long slot)
{
	if (sys_bind(EXO_CAP_SELF, SHARED, (unsigned long)slot, EXO_PROT_R | EXO_PROT_W) < 0)
		return 1;
	*(volatile long *)SHARED = 0xA11CE;
	mb->step = 1;
	wait_step(3);
	return *(volatile long *)(SHARED + 8) == 0xB0B ? 0 : 1; /* the parent's write, seen here */
}

static int reader(long slot)
{
	wait_step(1);
	long ok = sys_bind(EXO_CAP_SELF, SHARED, (unsigned long)slot, EXO_PROT_R | EXO_PROT_W) == -EXO_EPERM;
	ok &= sys_bind(EXO_CAP_SELF, SHARED, (unsigned long)slot, EXO_PROT_R) == 0;
	ok &= *(volatile long *)SHARED == 0xA11CE;
	ok &= sys_cap_grant((unsigned long)slot, EXO_CAP_SELF, EXO_RIGHT_R) == -EXO_EPERM; /* no GRANT right */
	mb->value = ok;
	mb->step = 2;
	wait_step(3);
	*(volatile long *)SHARED = 1; /* read-only: this must end the reader */
	mb->result = -1;
	return 1;
}

static void test_share(long mbox)
{
	long page = sys_page_alloc(EXO_PPN_ANY);
	check(sys_bind(EXO_CAP_SELF, SHARED, (unsigned long)page, EXO_PROT_R | EXO_PROT_W) == 0, "parent binds the page");
	/* A first spawn leaves page tables for the copying window (kept, like any page table): warm up. */
	exo_wait(exo_spawn(nothing, 0, 64));
	uint64_t usage0 = EXO_ENV_INFO->usage;
	long a = child_with_mailbox(writer, mbox, 64), b = child_with_mailbox(reader, mbox, 64);
	check(a > 0 && b > 0, "two children made");
	long sa = sys_cap_grant((unsigned long)page, (unsigned long)a, EXO_RIGHT_R | EXO_RIGHT_W);
	long sb = sys_cap_grant((unsigned long)page, (unsigned long)b, EXO_RIGHT_R);
	check(sa > 0 && sb > 0, "read-write grant to one, read-only to the other");
	exo_spawn_start(a, sa);
	exo_spawn_start(b, sb);
	wait_step(2);
	check(mb->value == 1, "reader: cannot bind writable, sees the writer's data, cannot re-grant");
	check(*(volatile long *)SHARED == 0xA11CE, "parent sees the writer's data");
	*(volatile long *)(SHARED + 8) = 0xB0B;
	mb->step = 3;
	exo_wait(a);
	exo_wait(b);
	check(mb->result == 0, "the reader's write to a read-only binding ended it");
	check(EXO_PAGE_RECORDS[EXO_CAP_TABLE[page].object].ncaps == 1, "the children's capabilities went with them");
	check(EXO_ENV_INFO->usage == usage0, "exo_wait gave back the children's private pages");
}

/* ---- theirs ---- */

static int theirs_child(long unused)
{
	(void)unused;
	long ok = *(volatile long *)SHARED == 0x7E1125;
	ok &= (sys_binding_bits(EXO_CAP_SELF, SHARED, 0) & EXO_BIND_PRESENT) != 0;
	ok &= (sys_binding_bits(EXO_CAP_SELF, SHARED + 4096, 0) & (EXO_PROT_W | EXO_BIND_PRESENT)) ==
	      (EXO_PROT_W | EXO_BIND_PRESENT);
	*(volatile long *)(SHARED + 4096) = 5;
	mb->result = ok ? 1 : -1;
	return 0;
}

static void test_theirs(long mbox)
{
	long p1 = sys_page_alloc(EXO_PPN_ANY), p2 = sys_page_alloc(EXO_PPN_ANY);
	check(p1 > 0 && p2 > 0 && sys_bind(EXO_CAP_SELF, SHARED, (unsigned long)p1, EXO_PROT_R | EXO_PROT_W) == 0,
	      "two pages");
	*(volatile long *)SHARED = 0x7E1125;
	check(sys_unbind(EXO_CAP_SELF, SHARED) == 0, "parent unbinds its view");
	long c = child_with_mailbox(theirs_child, mbox, 64);
	check(c > 0, "child made");
	/* cap_grant_batch puts the child's capabilities in the slots we choose. */
	long s1 = 700, s2 = 701;
	struct exo_grant_op g[2] = {{(uint32_t)p1, (uint32_t)s1, EXO_RIGHT_R, 0},
				    {(uint32_t)p2, (uint32_t)s2, EXO_RIGHT_R | EXO_RIGHT_W, 0}};
	g[1].to_slot = (uint32_t)s1;
	check(sys_cap_grant_batch((unsigned long)c, g, 2) == -EXO_EINVAL, "the same receiving slot twice: EINVAL");
	g[1].to_slot = 0;
	check(sys_cap_grant_batch((unsigned long)c, g, 2) == -EXO_EINVAL, "receiving slot 0: EINVAL");
	g[1].to_slot = EXO_NCAPS;
	check(sys_cap_grant_batch((unsigned long)c, g, 2) == -EXO_EINVAL, "receiving slot out of range: EINVAL");
	g[1].to_slot = (uint32_t)s2;
	g[1].rights = EXO_RIGHT_CONTROL;
	check(sys_cap_grant_batch((unsigned long)c, g, 2) == -EXO_EPERM, "rights the source lacks: EPERM");
	g[1].rights = EXO_RIGHT_R | EXO_RIGHT_W;
	g[1].slot = 4095;
	check(sys_cap_grant_batch((unsigned long)c, g, 2) == -EXO_EBADCAP, "an empty source slot: EBADCAP");
	g[1].slot = (uint32_t)p2;
	check(sys_cap_grant_batch((unsigned long)c, g, 0) == -EXO_EINVAL, "an empty batch: EINVAL");
	check(sys_cap_grant_batch((unsigned long)c, (void *)0xFFFF800000000000UL, 2) == -EXO_EFAULT,
	      "a kernel pointer: EFAULT");
	check(sys_cap_grant_batch(EXO_CAP_SELF + 4000, g, 2) == -EXO_EBADCAP, "no environment capability: EBADCAP");
	check(sys_cap_grant_batch((unsigned long)c, g, 2) == 2, "two grants into the slots we chose");
	check(sys_cap_grant_batch((unsigned long)c, g, 1) == -EXO_EBUSY, "a receiving slot in use: EBUSY");
	struct exo_bind_op ops[3] = {
		{EXO_OP_BIND_THEIRS, (uint32_t)s1, SHARED, EXO_PROT_R, 0},
		{EXO_OP_BIND_THEIRS, (uint32_t)s2, SHARED + 4096, EXO_PROT_R | EXO_PROT_W, 0},
		{EXO_OP_BIND_THEIRS, (uint32_t)s1, SHARED + 8192, EXO_PROT_R | EXO_PROT_W, 0},
	};
	check(sys_bind_batch((unsigned long)c, ops, 3) == -EXO_EPERM, "more rights than the child's capability: EPERM");
	ops[2].slot = 4000;
	check(sys_bind_batch((unsigned long)c, ops, 3) == -EXO_EBADCAP, "a slot the child does not hold: EBADCAP");
	ops[2].slot = (uint32_t)s1;
	ops[2].prot = EXO_PROT_R;
	check(sys_bind_batch((unsigned long)c, ops, 3) == 3, "bind through the child's capabilities");
	check(sys_cap_drop((unsigned long)p1) == 0 && sys_cap_drop((unsigned long)p2) == 0, "parent drops its own");
	exo_spawn_start(c, 0);
	exo_wait(c);
	check(mb->result == 1, "the child's bindings outlived the parent's capabilities");
}

/* ---- isolate ---- */

static int outsider(long unused)
{
	(void)unused;
	long ok = 1;
	for (unsigned long s = 1; s < EXO_NCAPS; s++)
		ok &= sys_bind(EXO_CAP_SELF, SHARED, s, EXO_PROT_R) == -EXO_EBADCAP;
	ok &= sys_page_alloc((unsigned long)mb->value) == -EXO_EBUSY; /* the parent's page by number */
	ok &= sys_bind(1, SHARED, 1, EXO_PROT_R) == -EXO_EBADCAP;       /* no environment capability */
	mb->result = ok;
	mb->step = 1;
	wait_step(2); /* now it holds a granted page in slot mb->hog_pages */
	long slot = mb->hog_pages;
	ok = sys_bind(EXO_CAP_SELF, SHARED, (unsigned long)slot, EXO_PROT_R) == 0 && *(volatile long *)SHARED == 77;
	mb->result = ok;
	mb->step = 3;
	wait_step(4); /* the parent revoked it */
	const volatile struct exo_repo_entry *r = &EXO_ENV_INFO->repo[(EXO_ENV_INFO->nrepo - 1) % EXO_REPO_MAX];
	ok = EXO_ENV_INFO->nrepo == 1 && r->slot == slot && r->reason == EXO_REPO_REVOKED;
	ok &= EXO_CAP_TABLE[slot].type == EXO_CAP_NONE;
	ok &= sys_binding_bits(EXO_CAP_SELF, SHARED, 0) == -EXO_ENOENT;
	ok &= sys_bind(EXO_CAP_SELF, SHARED, (unsigned long)slot, EXO_PROT_R) == -EXO_EBADCAP;
	mb->result = ok;
	mb->step = 5;
	(void)*(volatile long *)SHARED; /* no binding any more: this ends it */
	mb->result = -1;
	return 1;
}

static void test_isolate(long mbox)
{
	long page = sys_page_alloc(EXO_PPN_ANY);
	sys_bind(EXO_CAP_SELF, SHARED, (unsigned long)page, EXO_PROT_R | EXO_PROT_W);
	*(volatile long *)SHARED = 77;
	mb->value = EXO_CAP_TABLE[page].object;
	long c = child_with_mailbox(outsider, mbox, 64);
	exo_spawn_start(c, 0);
	wait_step(1);
	check(mb->result == 1, "a child without capabilities: every slot EBADCAP, our page EBUSY");
	long s = sys_cap_grant((unsigned long)page, (unsigned long)c, EXO_RIGHT_R);
	mb->hog_pages = s;
	mb->step = 2;
	wait_step(3);
	check(mb->result == 1, "after a grant it can bind and read the page");
	check(sys_cap_revoke((unsigned long)page) == 1, "cap_revoke withdraws the one grant");
	mb->step = 4;
	wait_step(5);
	check(mb->result == 1, "revoked: its binding is gone, the slot is empty, its vector says REVOKED");
	exo_wait(c);
	check(mb->result == 1 && *(volatile long *)SHARED == 77, "it could no longer reach the page; ours is intact");
}

/* ---- exhaust, coop, abort ---- */

static int hog_mode; /* 0: no handler, 1: cooperative, 2: ignores requests */
static long hog_slots[8192];
static long hog_n;

static void hog_revoke(struct exo_upcall *u)
{
	mb->asked += (long)u->revoke_pages;
	if (hog_mode != 1)
		return; /* uncooperative: keep everything */
	for (uint64_t i = 0; i < u->revoke_pages && hog_n > 0; i++) { /* our choice: the newest pages */
		sys_cap_drop((unsigned long)hog_slots[--hog_n]);
		mb->given++;
	}
}

static int hog(long mode)
{
	hog_mode = (int)mode;
	if (mode)
		exo_set_revoke_handler(hog_revoke);
	long s;
	while ((s = sys_page_alloc(EXO_PPN_ANY)) > 0)
		hog_slots[hog_n++] = s;
	mb->hog_pages = hog_n;
	mb->hog_err = s;
	mb->step = 1;
	while (mb->step < 2) { /* hold everything (and grab what frees up) until first asked */
		if (!mb->asked && (s = sys_page_alloc(EXO_PPN_ANY)) > 0)
			hog_slots[hog_n++] = s;
		sys_yield();
	}
	if (mode == 2) { /* recover: the vector says what the kernel took */
		long lost = 0;
		for (uint64_t i = 0; i < EXO_ENV_INFO->nrepo && i < EXO_REPO_MAX; i++) {
			const volatile struct exo_repo_entry *r = &EXO_ENV_INFO->repo[i];
			lost += r->reason == EXO_REPO_REPOSSESSED && EXO_CAP_TABLE[r->slot].type == EXO_CAP_NONE;
		}
		mb->lost = lost;
	}
	return 0;
}

static int worker(long unused)
{
	(void)unused;
	long sum = 0;
	for (long i = 0; i < 1000; i++) {
		sum += i;
		if (i % 100 == 0)
			sys_yield();
	}
	mb->worker_done = sum == 499500;
	return 0;
}

static void test_pressure(long mbox, int mode)
{
	long h = child_with_mailbox(hog, mbox, 32);
	long w = child_with_mailbox(worker, mbox, 64);
	check(h > 0 && w > 0, "hog and worker made");
	exo_spawn_start(h, mode);
	wait_step(1);
	check(mb->hog_err == -EXO_ENOMEM && mb->hog_pages > 100, "allocating until it fails gives -EXO_ENOMEM");
	printf("hog holds %ld pages, %lu free\n", mb->hog_pages, (unsigned long)exo_info->free_pages);
	exo_spawn_start(w, 0);
	exo_wait(w);
	check(mb->worker_done == 1, "another environment keeps working");
	if (mode == 0) {
		mb->step = 2;
		exo_wait(h);
		return;
	}
	/* Below our quota with nothing free: the kernel must get pages back from the hog for us. */
	while (exo_info->free_pages > 0) /* the hog grabs what the worker left */
		sys_yield();
	long got = 0;
	for (int i = 0; i < 16; i++)
		got += sys_page_alloc(EXO_PPN_ANY) > 0;
	check(got == 16, "an environment below its quota still gets its pages");
	mb->step = 2;
	exo_wait(h);
	printf("hog was asked for %ld pages, gave %ld, lost %ld by force\n", mb->asked, mb->given, mb->lost);
	if (mode == 1)
		check(mb->asked >= 16 && mb->given >= 16 && mb->lost == 0, "the hog was asked and gave pages back itself");
	else
		check(mb->asked >= 16 && mb->given == 0 && mb->lost >= 16,
		      "the hog kept its pages; the kernel took them and listed each in its repossession vector");
}

/* ---- directed yield ---- */

static int bystander(long unused) /* always runnable: plain round robin would pick it */
{
	(void)unused;
	while (!mb->stop) {
		mb->seq++;
		sys_yield();
	}
	return 0;
}

static int named(long unused)
{
	(void)unused;
	while (!mb->stop) {
		mb->b_seq = ++mb->seq; /* first thing after being run */
		sys_yield_to((unsigned long)mb->parent_id);
	}
	return 0;
}

static void test_yield_to(long mbox)
{
	mb->parent_id = EXO_ENV_INFO->id;
	long a = child_with_mailbox(bystander, mbox, 64), b = child_with_mailbox(named, mbox, 64);
	exo_spawn_start(a, 0);
	exo_spawn_start(b, 0);
	unsigned long b_id = EXO_CAP_TABLE[b].object;
	int direct = 0;
	for (int i = 0; i < 100; i++) {
		long before = ++mb->seq;
		if (sys_yield_to(b_id) != 0)
			check(0, "yield_to returns 0");
		direct += mb->b_seq == before + 1;
	}
	printf("the named environment ran next %d times of 100\n", direct);
	check(direct >= 98, "directed yield runs the named environment next");
	/* Plain yield hands over too: the bystander, always runnable, must run between our yields. */
	int handed = 0;
	for (int i = 0; i < 50; i++) {
		long before = mb->seq;
		sys_yield();
		handed += mb->seq != before;
	}
	printf("a plain yield let another environment run %d times of 50\n", handed);
	check(handed >= 45, "yield gives the CPU to another runnable environment");
	check(sys_yield_to(0x12345) == -EXO_ENOENT, "yield_to an unknown id: -EXO_ENOENT");
	check(sys_yield_to(EXO_ENV_INFO->id) == 0, "yield_to oneself returns 0");
	long c = exo_spawn_create(bystander, 64);
	check(sys_yield_to(EXO_CAP_TABLE[c].object) == -EXO_EBUSY, "yield_to one not started: -EXO_EBUSY");
	sys_env_destroy((unsigned long)c);
	mb->stop = 1;
	exo_wait(a);
	exo_wait(b);
}

int main(int argc, char **argv)
{
	/* We start out guaranteed all memory; give most of the guarantee up so children can have some. */
	check(sys_env_set_quota(EXO_CAP_SELF, 512) == 0, "lower our own quota to make room for others'");
	long mbox = sys_page_alloc(EXO_PPN_ANY);
	check(mbox > 0 && sys_bind(EXO_CAP_SELF, MAILBOX, (unsigned long)mbox, EXO_PROT_R | EXO_PROT_W) == 0,
	      "mailbox page");
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "share"))
		test_share(mbox);
	else if (!strcmp(what, "isolate"))
		test_isolate(mbox);
	else if (!strcmp(what, "exhaust"))
		test_pressure(mbox, 0);
	else if (!strcmp(what, "coop"))
		test_pressure(mbox, 1);
	else if (!strcmp(what, "abort"))
		test_pressure(mbox, 2);
	else if (!strcmp(what, "yieldto"))
		test_yield_to(mbox);
	else if (!strcmp(what, "theirs"))
		test_theirs(mbox);
	else
		check(0, "usage: t_envs share|isolate|exhaust|coop|abort|yieldto|theirs");
	check(sys_kernel_check() >= 0, "kernel invariant check");
	test_finish();
}
