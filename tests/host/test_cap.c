/*
 * Host tests of the capability module (kern/cap.c, compiled in here with
 * stand-ins for the few kernel pieces it calls): the derivation tree,
 * reference counts, how the charge for a page moves, revocation and the
 * repossession records, and a randomized run checking every invariant after
 * each step.
 */
#define HTEST_SUITE "host.cap"
#include "htest.h"

#include "../../kern/cap.c"

/* ---- stand-ins for the kernel around cap.c ---- */
struct env envs[NENV];
struct pmem pmem;
static struct exo_info info_page;
struct exo_info *info = &info_page;
static struct exo_page records[64];
static int unbinds; /* unbind_all_through calls */

void unbind_all_through(uint32_t ppn, uint32_t capid)
{
	(void)ppn, (void)capid;
	unbinds++;
}

struct env *env_by_id(uint32_t id)
{
	struct env *e = &envs[id & 0xFF];
	return (id & 0xFF) < NENV && e->state != ENV_FREE && e->id == id ? e : NULL;
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "# panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static void setup(int nenv)
{
	static struct exo_cap tables[4][EXO_NCAPS];
	static struct exo_envinfo infos[4];
	memset(envs, 0, sizeof(envs));
	memset(tables, 0, sizeof(tables));
	memset(infos, 0, sizeof(infos));
	pmem_init(&pmem, records, 64);
	pmem_add_ram(&pmem, 4096, 64 * 4096);
	for (int i = 0; i < nenv; i++) {
		struct env *e = &envs[i];
		e->state = ENV_RUNNABLE;
		e->id = 1u << 8 | (uint32_t)i;
		e->caps = tables[i];
		e->einfo = &infos[i];
		e->pages.head = PPN_NIL;
		for (int s = 0; s < EXO_NCAPS; s++)
			e->caps[s] = (struct exo_cap){.parent = EXO_CAPID_NIL, .first_child = EXO_CAPID_NIL,
						      .next_sibling = EXO_CAPID_NIL, .prev_sibling = EXO_CAPID_NIL};
	}
	unbinds = 0;
}

/* A page charged to e with a root capability in slot. */
static uint32_t new_page(struct env *e, uint32_t slot)
{
	uint32_t ppn = pmem_alloc(&pmem, PAGE_USER, e->id, &e->pages);
	cap_make_root(e, slot, EXO_CAP_PAGE, EXO_RIGHTS_PAGE_ALL, ppn);
	return ppn;
}

/* Every invariant the kernel's checker states for capabilities, over all tables. */
static const char *invariants(int nenv)
{
	uint32_t count[64] = {0};
	for (int i = 0; i < nenv; i++)
		for (uint32_t s = 0; s < EXO_NCAPS; s++) {
			const struct exo_cap *c = &envs[i].caps[s];
			if (c->type == EXO_CAP_NONE)
				continue;
			uint32_t id = cap_id(&envs[i], s);
			if (c->type == EXO_CAP_PAGE)
				count[c->object]++;
			if (c->parent != EXO_CAPID_NIL && cap_get(c->parent)->object != c->object)
				return "a child names another object than its parent";
			for (uint32_t ch = c->first_child, prev = EXO_CAPID_NIL; ch != EXO_CAPID_NIL;
			     prev = ch, ch = cap_get(ch)->next_sibling)
				if (cap_get(ch)->parent != id || cap_get(ch)->prev_sibling != prev)
					return "a child does not link back";
		}
	for (uint32_t p = 0; p < 64; p++) {
		if (records[p].ncaps != count[p])
			return "a page's ncaps differs from the capabilities naming it";
		if ((records[p].type == PAGE_USER) != (count[p] > 0))
			return "a user page without capabilities, or capabilities naming a non-user page";
		if (records[p].type == PAGE_USER) {
			struct env *payer = env_by_id(records[p].owner);
			int holds = 0;
			for (uint32_t s = 0; payer && s < EXO_NCAPS; s++)
				holds |= payer->caps[s].type == EXO_CAP_PAGE && payer->caps[s].object == p;
			if (!holds)
				return "the environment charged for a page holds no capability for it";
		}
	}
	return pmem_check(&pmem) ? "page records inconsistent" : NULL;
}

TEST(grant_and_drop_count_references)
{
	setup(2);
	uint32_t ppn = new_page(&envs[0], 1);
	CHECK_EQ(records[ppn].ncaps, 1);
	cap_make_child(cap_id(&envs[0], 1), &envs[1], 5, EXO_RIGHT_R);
	CHECK_EQ(records[ppn].ncaps, 2);
	CHECK(envs[1].caps[5].parent == cap_id(&envs[0], 1));
	CHECK(envs[0].caps[1].first_child == cap_id(&envs[1], 5));
	cap_delete(cap_id(&envs[1], 5), 0);
	CHECK_EQ(records[ppn].ncaps, 1);
	CHECK(envs[0].caps[1].first_child == EXO_CAPID_NIL);
	cap_delete(cap_id(&envs[0], 1), 0);
	CHECK_EQ(records[ppn].type, PAGE_FREE);
	CHECK(invariants(2) == NULL);
}

TEST(dropping_the_root_keeps_the_page_for_the_others_and_moves_the_charge)
{
	setup(3);
	uint32_t ppn = new_page(&envs[0], 1);
	uint32_t root = cap_id(&envs[0], 1);
	cap_make_child(root, &envs[1], 2, EXO_RIGHT_R);
	cap_make_child(root, &envs[2], 3, EXO_RIGHT_R | EXO_RIGHT_W);
	cap_delete(root, 0);
	CHECK_EQ(records[ppn].type, PAGE_USER);
	CHECK_EQ(records[ppn].ncaps, 2);
	CHECK(envs[1].caps[2].parent == EXO_CAPID_NIL && envs[2].caps[3].parent == EXO_CAPID_NIL);
	CHECK(records[ppn].owner == envs[1].id || records[ppn].owner == envs[2].id);
	CHECK_EQ(envs[0].pages.count, 0);
	const char *bad = invariants(3);
	CHECKF(bad == NULL, "%s", bad);
}

TEST(children_move_up_to_the_grandparent)
{
	setup(3);
	new_page(&envs[0], 1);
	uint32_t a = cap_id(&envs[0], 1), b = cap_id(&envs[1], 1), c = cap_id(&envs[2], 1);
	cap_make_child(a, &envs[1], 1, EXO_RIGHTS_PAGE_ALL);
	cap_make_child(b, &envs[2], 1, EXO_RIGHT_R);
	cap_delete(b, 0);
	CHECK(cap_get(c)->parent == a);
	CHECK(cap_get(a)->first_child == c);
	CHECK(invariants(3) == NULL);
}

TEST(revoke_withdraws_the_whole_subtree_and_records_it)
{
	setup(4);
	uint32_t ppn = new_page(&envs[0], 1);
	uint32_t prev = cap_id(&envs[0], 1);
	for (int i = 1; i < 4; i++) { /* a chain 0 -> 1 -> 2 -> 3, plus a sibling in 1 */
		cap_make_child(prev, &envs[i], 7, EXO_RIGHTS_PAGE_ALL);
		prev = cap_id(&envs[i], 7);
	}
	cap_make_child(cap_id(&envs[0], 1), &envs[1], 8, EXO_RIGHT_R);
	CHECK_EQ(cap_revoke_descendants(cap_id(&envs[0], 1), EXO_REPO_REVOKED), 4);
	CHECK_EQ(records[ppn].ncaps, 1);
	CHECK_EQ(unbinds, 4);
	CHECK_EQ(envs[1].einfo->nrepo, 2);
	CHECK_EQ(envs[3].einfo->nrepo, 1);
	CHECK_EQ(envs[3].einfo->repo[0].slot, 7);
	CHECK_EQ(envs[3].einfo->repo[0].reason, EXO_REPO_REVOKED);
	CHECK_EQ(envs[3].einfo->repo[0].ppn, ppn);
	CHECK(invariants(4) == NULL);
}

TEST(delete_all_of_page_frees_it_everywhere)
{
	setup(3);
	uint32_t ppn = new_page(&envs[0], 1);
	cap_make_child(cap_id(&envs[0], 1), &envs[1], 4, EXO_RIGHT_R);
	cap_make_child(cap_id(&envs[1], 4), &envs[2], 9, EXO_RIGHT_R);
	cap_delete_all_of_page(ppn, EXO_REPO_REPOSSESSED);
	CHECK_EQ(records[ppn].type, PAGE_FREE);
	CHECK_EQ(envs[0].einfo->nrepo + envs[1].einfo->nrepo + envs[2].einfo->nrepo, 3);
	CHECK(invariants(3) == NULL);
}

TEST(slot_lookup_errors)
{
	setup(1);
	new_page(&envs[0], 3);
	CHECK_EQ(cap_lookup(&envs[0], EXO_NCAPS, EXO_CAP_PAGE, 0), -EXO_EBADCAP);
	CHECK_EQ(cap_lookup(&envs[0], 4, EXO_CAP_PAGE, 0), -EXO_EBADCAP);
	CHECK_EQ(cap_lookup(&envs[0], 3, EXO_CAP_ENV, 0), -EXO_EBADCAP);
	envs[0].caps[3].rights = EXO_RIGHT_R;
	CHECK_EQ(cap_lookup(&envs[0], 3, EXO_CAP_PAGE, EXO_RIGHT_W), -EXO_EPERM);
	CHECK_EQ(cap_lookup(&envs[0], 3, EXO_CAP_PAGE, EXO_RIGHT_R), (long)cap_id(&envs[0], 3));
	CHECK_EQ(cap_free_slot(&envs[0]), 1);
	CHECK_EQ(cap_free_run(&envs[0], 3), 4);
}

TEST(random_grants_drops_and_revokes_keep_every_invariant)
{
	uint64_t rng = htest_seed(0xC0FFEE) | 1;
	setup(4);
	for (int step = 0; step < 20000; step++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		struct env *e = &envs[rng % 4];
		uint32_t s = 1 + (uint32_t)((rng >> 8) % 24);
		struct exo_cap *c = &e->caps[s];
		switch ((rng >> 20) % 5) {
		case 0:
			if (c->type == EXO_CAP_NONE && pmem.free.count)
				new_page(e, s);
			break;
		case 1: { /* grant to a random free slot elsewhere */
			struct env *to = &envs[(rng >> 30) % 4];
			uint32_t ts = 1 + (uint32_t)((rng >> 36) % 24);
			if (c->type == EXO_CAP_PAGE && to->caps[ts].type == EXO_CAP_NONE)
				cap_make_child(cap_id(e, s), to, ts, c->rights & (uint8_t)(rng >> 44));
			break;
		}
		case 2:
		case 3:
			if (c->type != EXO_CAP_NONE)
				cap_delete(cap_id(e, s), 0);
			break;
		default:
			if (c->type != EXO_CAP_NONE)
				cap_revoke_descendants(cap_id(e, s), EXO_REPO_REVOKED);
			break;
		}
		const char *bad = invariants(4);
		CHECKF(bad == NULL, "step %d: %s", step, bad);
	}
}
