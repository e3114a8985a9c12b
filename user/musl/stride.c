/*
 * Stride scheduling at user level with directed yield (the exokernel paper's
 * experiment): a scheduler process gives the processor to three worker
 * processes holding 3, 2 and 1 tickets, each for one quantum, choosing by
 * stride scheduling (the lowest pass runs next; its pass grows by its
 * stride, BIG / tickets). The kernel has no notion of tickets: the scheduler
 * names the worker to run with directed yield (yield_to), and a worker gives
 * the processor back the same way when its quantum is over. Each worker
 * measures the processor time it really got (TSC) and the work it did; the
 * shares must come out 3:2:1 within 5%.
 *   stride [rounds]
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <exo/lib.h>

#define NWORK 3
#define QUANTUM 20000 /* loop iterations per quantum */
#define BIG 600000

struct shared {
	volatile uint32_t sched_id;
	volatile uint32_t worker_id[NWORK];
	volatile uint64_t cycles[NWORK]; /* TSC ticks each worker ran its quanta for */
	volatile uint64_t work[NWORK];   /* quanta done */
	volatile int stop;
	volatile uint64_t sink;
};

static struct shared *sh;

static void worker(int w)
{
	sh->worker_id[w] = (uint32_t)getpid();
	volatile uint64_t x = 0;
	for (;;) {
		sys_yield_to(sh->sched_id); /* wait to be chosen */
		if (sh->stop)
			_exit(0);
		uint64_t t0 = rdtsc();
		for (int i = 0; i < QUANTUM; i++)
			x += (uint64_t)i * 2654435761u;
		sh->cycles[w] += rdtsc() - t0;
		sh->work[w]++;
		sh->sink = x; /* keep the work */
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	long rounds = argc > 1 ? atol(argv[1]) : 600;
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sh->sched_id = (uint32_t)getpid();
	const int tickets[NWORK] = {3, 2, 1};
	pid_t pid[NWORK];
	for (int w = 0; w < NWORK; w++)
		if ((pid[w] = fork()) == 0)
			worker(w);
	for (int w = 0; w < NWORK; w++)
		while (!sh->worker_id[w])
			sched_yield();
	uint64_t pass[NWORK] = {0}, stride[NWORK];
	for (int w = 0; w < NWORK; w++)
		stride[w] = BIG / (uint64_t)tickets[w];
	for (long r = 0; r < rounds; r++) {
		int next = 0;
		for (int w = 1; w < NWORK; w++)
			if (pass[w] < pass[next])
				next = w;
		pass[next] += stride[next];
		uint64_t before = sh->work[next];
		while (sh->work[next] == before) /* until its quantum is done (a preemption may come between) */
			sys_yield_to(sh->worker_id[next]);
	}
	sh->stop = 1;
	for (int w = 0; w < NWORK; w++) {
		sys_yield_to(sh->worker_id[w]);
		waitpid(pid[w], NULL, 0);
	}
	uint64_t total = 0;
	for (int w = 0; w < NWORK; w++)
		total += sh->cycles[w];
	int ok = total > 0;
	for (int w = 0; w < NWORK; w++) {
		double share = (double)sh->cycles[w] / (double)total, want = tickets[w] / 6.0;
		double err = (share - want) / want;
		printf("stride: worker with %d tickets: %llu quanta, %.1f%% of the time (want %.1f%%, off by %+.1f%%)\n",
		       tickets[w], (unsigned long long)sh->work[w], share * 100, want * 100, err * 100);
		ok &= err < 0.05 && err > -0.05;
	}
	printf(ok ? "stride: PASS\n" : "stride: FAIL\n");
	return ok ? 0 : 1;
}
