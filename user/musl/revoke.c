/*
 * Visible revocation through ExOS (issue 6 item 3): a child above its quota
 * holds thousands of pages it only read (demand-zero, still zero) and a few
 * it wrote; the parent, below its quota, then needs memory that is not free.
 * The kernel asks the child for pages; the child's ExOS chooses the pages
 * still zero and gives them back, so the parent gets its memory, nothing is
 * taken by force (the child's repossession vector stays empty), and the
 * child's written pages are intact. Run with little memory (mem=16M).
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <exo/lib.h>

static volatile long *shared;

static int child(void)
{
	size_t free_pages = exo_info->free_pages, n = free_pages > 200 ? free_pages - 200 : 0;
	volatile unsigned char *big = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += big[i * 4096]; /* read: a zero page each, never written */
	for (size_t i = 0; i < 16; i++)
		big[i * 4096 * 7] = (unsigned char)(i + 1); /* written: these must survive */
	shared[1] = (long)n;
	shared[0] = 1;
	time_t give_up = time(NULL) + 30; /* if the parent died, do not wait for ever */
	while (shared[0] != 2 && time(NULL) < give_up)
		sched_yield();
	int ok = sum == 0 && EXO_ENV_INFO->nrepo == 0;
	for (size_t i = 0; i < 16; i++)
		ok &= big[i * 4096 * 7] == (unsigned char)(i + 1);
	ok &= big[4096 * 3] == 0; /* given back or not, a page that was zero reads zero */
	shared[2] = (long)EXO_ENV_INFO->usage;
	return ok ? 0 : 1;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sys_env_set_quota(EXO_CAP_SELF, exo_info->total_pages / 2);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child());
	while (shared[0] != 1)
		sched_yield();
	long held = shared[1];
	size_t want = 800;
	unsigned char *mine = mmap(NULL, want * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < want; i++)
		mine[i * 4096] = 0xAB; /* more than is free: the child must give pages back */
	int got = 1;
	for (size_t i = 0; i < want; i++)
		got &= mine[i * 4096] == 0xAB;
	shared[0] = 2;
	int st;
	waitpid(pid, &st, 0);
	int ok = got && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	printf("revoke: child held %ld zero pages; parent got %zu pages; child then used %ld pages\n", held, want,
	       shared[2]);
	printf(ok ? "revoke: PASS\n" : "revoke: FAIL (got %d, child status 0x%x)\n", got, st);
	return ok ? 0 : 1;
}
