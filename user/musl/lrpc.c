/*
 * LRPC between ExOS processes (<exos/api.h>: exos_lrpc_serve, exos_lrpc_call):
 * a forked server offers two services; the parent calls them with four
 * arguments, gets results, and the server sees the caller's real pid. Then
 * the error paths, and the cost of a null call under icount.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <exo/lib.h>
#include <exos/api.h>

#include "expect.h"

static volatile long *shared;

static long add4(uint32_t caller, long a, long b, long c, long d)
{
	shared[1] = caller;
	return a + b * 10 + c * 100 + d * 1000;
}

static long null_service(uint32_t caller, long a, long b, long c, long d)
{
	(void)caller, (void)a, (void)b, (void)c, (void)d;
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t server = fork();
	if (server == 0) {
		if (exos_lrpc_serve(0, add4) != 0 || exos_lrpc_serve(1, null_service) != 0)
			_exit(1);
		expect(exos_lrpc_serve(8, add4) == -EINVAL, "index 8: EINVAL");
		shared[0] = 1;
		for (;;)
			pause();
	}
	while (shared[0] != 1)
		sched_yield();
	long result = 0;
	int ok = 1;
	for (long i = 0; i < 1000; i++) {
		ok &= exos_lrpc_call((uint32_t)server, 0, i, 2, 3, 4, &result) == 0 && result == i + 4320;
	}
	expect(ok, "1000 calls with four arguments, each result right");
	expect(shared[1] == getpid(), "the server saw the caller's pid");
	expect(exos_lrpc_call((uint32_t)server, 5, 0, 0, 0, 0, &result) == -EINVAL, "a service not offered: EINVAL");
	expect(exos_lrpc_call((uint32_t)getpid(), 0, 0, 0, 0, 0, &result) == -EINVAL, "calling oneself: EINVAL");
	expect(exos_lrpc_call(0x7FFFFF, 0, 0, 0, 0, 0, &result) == -ESRCH, "no such process: ESRCH");
	uint64_t best = UINT64_MAX;
	for (int k = 0; k < 5; k++) {
		uint64_t t0 = rdtsc();
		for (int i = 0; i < 200; i++)
			exos_lrpc_call((uint32_t)server, 1, 0, 0, 0, 0, &result);
		uint64_t t = (rdtsc() - t0) / 200;
		best = t < best ? t : best;
	}
	printf("lrpc: null call and return %lu TSC ticks (instructions under icount)\n", (unsigned long)best);
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	expect(exos_lrpc_call((uint32_t)server, 0, 0, 0, 0, 0, &result) == -ESRCH, "a server that ended: ESRCH");
	printf(failures ? "lrpc: FAIL (%d)\n" : "lrpc: PASS\n", failures);
	return failures != 0;
}
