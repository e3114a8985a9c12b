/*
 * The time vector. Three environments own 3, 2 and 1 slots and spin; the
 * kernel's accounting (exo_envinfo.cpu_ticks) and their own work counts
 * must show CPU time in the ratio 3:2:1 within 5%.
 *   t_slots           the three, with libexo's default epilogue (yield)
 *   t_slots overrun   plus a fourth owning 1 slot whose epilogue handler
 *                     keeps spinning: it is preempted by force, its overruns
 *                     are recorded and penalised, and the others keep 3:2:1
 */
#include <exo/lib.h>

#define MAILBOX 0x30000000UL
#define ROUNDS 8

struct mailbox {
	volatile long ready, go, stop;
	volatile uint64_t ticks[4], work[4], overruns[4], penalised[4], slots_run[4], prologues[4];
};
#define mb ((struct mailbox *)MAILBOX)

static volatile uint64_t prologues;
static void count_prologue(struct exo_upcall *u)
{
	(void)u;
	prologues++;
}

static void ignore_epilogue(struct exo_upcall *u) /* does not yield: runs until forced off */
{
	(void)u;
	uint64_t until = exo_info->ticks + 2 * EXO_SLOT_TICKS; /* well past the end of this slot */
	while (exo_info->ticks < until)
		;
}

static int spinner(long who)
{
	static const int nslots[4] = {3, 2, 1, 1};
	exo_set_slice_handlers(count_prologue, who == 3 ? ignore_epilogue : NULL);
	for (int i = 0; i < nslots[who]; i++)
		if (sys_slot_alloc((unsigned long)(who * 4 + i)) < 0)
			return 1;
	__atomic_add_fetch(&mb->ready, 1, __ATOMIC_SEQ_CST);
	while (!mb->go)
		;
	uint64_t t0 = EXO_ENV_INFO->cpu_ticks, o0 = EXO_ENV_INFO->overruns, s0 = EXO_ENV_INFO->slots_run;
	uint64_t work = 0;
	while (!mb->stop)
		work++;
	mb->ticks[who] = EXO_ENV_INFO->cpu_ticks - t0;
	mb->work[who] = work;
	mb->overruns[who] = EXO_ENV_INFO->overruns - o0;
	mb->slots_run[who] = EXO_ENV_INFO->slots_run - s0;
	mb->prologues[who] = prologues;
	return 0;
}

static int within(uint64_t a, uint64_t b, uint64_t ratio_num, uint64_t ratio_den)
{
	/* a/b == ratio within 5% */
	uint64_t lhs = a * ratio_den * 100, rhs = b * ratio_num;
	return lhs >= rhs * 95 && lhs <= rhs * 105;
}

int main(int argc, char **argv)
{
	int n = argc > 1 && !strcmp(argv[1], "overrun") ? 4 : 3;
	sys_env_set_quota(EXO_CAP_SELF, 512);
	long mbox = sys_page_alloc(EXO_PPN_ANY);
	sys_bind(EXO_CAP_SELF, MAILBOX, (unsigned long)mbox, EXO_PROT_R | EXO_PROT_W);
	long env[4];
	for (int i = 0; i < n; i++) {
		env[i] = exo_spawn_create(spinner, 64);
		sys_bind((unsigned long)env[i], MAILBOX, (unsigned long)mbox, EXO_PROT_R | EXO_PROT_W);
		exo_spawn_start(env[i], i);
	}
	while (mb->ready < n)
		sys_yield();
	int owned = 0;
	for (int s = 0; s < EXO_NSLOTS; s++)
		owned += exo_info->slot_owner[s] != 0;
	check(owned == (n == 4 ? 7 : 6), "the info page shows who owns which slot");
	uint64_t start = exo_info->ticks;
	mb->go = 1;
	while (exo_info->ticks < start + ROUNDS * EXO_NSLOTS * EXO_SLOT_TICKS)
		sys_yield();
	mb->stop = 1;
	for (int i = 0; i < n; i++)
		exo_wait(env[i]);
	for (int i = 0; i < n; i++)
		printf("env %d: %lu ticks, %lu work, %lu slots, %lu overruns, %lu prologues\n", i, mb->ticks[i],
		       mb->work[i], mb->slots_run[i], mb->overruns[i], mb->prologues[i]);
	check(within(mb->ticks[0], mb->ticks[2], 3, 1) && within(mb->ticks[1], mb->ticks[2], 2, 1),
	      "kernel-accounted CPU time is 3:2:1 within 5%");
	check(within(mb->work[0], mb->work[2], 3, 1) && within(mb->work[1], mb->work[2], 2, 1),
	      "work done is 3:2:1 within 5%");
	check(mb->overruns[0] + mb->overruns[1] + mb->overruns[2] == 0, "owners that yield at the epilogue never overrun");
	check(mb->prologues[0] >= ROUNDS * 3 - 3, "each owned slot began with a prologue upcall");
	if (n == 4) {
		check(mb->overruns[3] >= 3, "the one that ignores its epilogue is preempted by force, each time recorded");
		check(mb->slots_run[3] < ROUNDS - 2, "repeated overruns cost it slots (penalty)");
		check(mb->ticks[3] <= mb->ticks[2], "it never gets more than its share");
	}
	test_finish();
}
