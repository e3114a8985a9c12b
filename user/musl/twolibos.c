/*
 * Two library OSes at once (issue 6 item 6): ExOS processes (this program
 * and two forked workers that keep copy-on-write and demand-zero memory
 * busy) run while /bin/libos2 (user/libos2.c: no ExOS, no musl; its own
 * pager over a physically contiguous run and pages of one cache colour)
 * runs beside them, started by fork and execve. Each checks its own memory;
 * libos2 also checks that it cannot name any page the ExOS processes hold.
 * The verdict line comes after every one of them has ended well.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* An ExOS worker: a buffer shared copy-on-write with the parent, rewritten and checked, rounds times. */
static int worker(unsigned char *buf, size_t len, int id)
{
	for (int round = 1; round <= 20; round++) {
		for (size_t i = 0; i < len; i += 512)
			buf[i] = (unsigned char)(id * 31 + round);
		char *heap = malloc(64 * 1024); /* demand-zero pages, given back on free */
		memset(heap, id, 64 * 1024);
		int ok = heap[65535] == id;
		free(heap);
		for (size_t i = 0; i < len; i += 512)
			ok &= buf[i] == (unsigned char)(id * 31 + round);
		if (!ok)
			return 1;
		sched_yield();
	}
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	size_t len = 256 * 1024;
	unsigned char *buf = malloc(len);
	memset(buf, 0xEE, len);
	pid_t w[2];
	for (int i = 0; i < 2; i++)
		if ((w[i] = fork()) == 0)
			_exit(worker(buf, len, i + 1));
	pid_t other = fork();
	if (other == 0) {
		char *argv[] = {"libos2", "6", NULL};
		execv("/bin/libos2", argv);
		_exit(100 + errno);
	}
	int bad = 0;
	for (int i = 0; i < 3; i++) {
		int st;
		pid_t p = wait(&st);
		int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (!ok)
			printf("twolibos: %s %d ended with status 0x%x\n", p == other ? "libos2" : "worker", p, st);
		bad += !ok;
	}
	for (size_t i = 0; i < len; i++)
		bad += buf[i] != 0xEE; /* the workers' writes were their own */
	printf(bad ? "twolibos: FAIL\n" : "twolibos: PASS\n");
	return bad != 0;
}
