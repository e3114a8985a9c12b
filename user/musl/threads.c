/*
 * musl's pthreads on ExOS's user-level threads (exos/thread.c): create and
 * join with results, gettid, a mutex four threads fight over (preemption
 * must interleave them), a condition-variable bounded queue, __thread
 * variables, detached threads, pthread_exit, a thread that runs on after
 * unmapping its own stack (upcalls in that window), sched_yield, the futex error
 * paths through both doors (function call and a reflected `syscall`),
 * pthread_kill, fork from a threaded process, clone flags ExOS refuses.
 *   threads [quick]     quick: fewer additions (for a fast look)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <exo/info.h>
#include <exo/memlayout.h>
#include <exos/api.h>
#include "expect.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE 128

static long nadd = 200000;

static long sys_futex(volatile int *addr, int op, int val, const struct timespec *to)
{
	long r = syscall(SYS_futex, addr, op, val, to, 0, 0);
	return r < 0 ? -errno : r;
}

/* The same through a raw `syscall` instruction: the kernel reflects it to ExOS. */
static long raw_futex(volatile int *addr, long op, long val, const struct timespec *to)
{
	long r;
	register long r10 __asm__("r10") = (long)to;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"((long)SYS_futex), "D"(addr), "S"(op), "d"(val), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- create, join, results, gettid ---- */

static long tids[8];

static void *square(void *arg)
{
	long x = (long)arg;
	tids[x] = gettid();
	return (void *)(x * x);
}

static void test_join(void)
{
	pthread_t t[8];
	for (long i = 0; i < 8; i++)
		expect(pthread_create(&t[i], NULL, square, (void *)i) == 0, "pthread_create");
	for (long i = 0; i < 8; i++) {
		void *r = NULL;
		expect(pthread_join(t[i], &r) == 0 && (long)r == i * i, "pthread_join gives the thread's result");
	}
	expect(gettid() == getpid(), "the first thread's tid is the pid");
	for (int i = 0; i < 8; i++) {
		expect(tids[i] > 0 && tids[i] != getpid(), "a thread's tid is its own");
		for (int j = 0; j < i; j++)
			expect(tids[i] != tids[j], "tids are distinct");
	}
}

/* ---- a contended mutex ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long interleaved[4];

static void *adder(void *arg)
{
	long id = (long)arg, last = -1;
	for (long i = 0; i < nadd; i++) {
		pthread_mutex_lock(&lock);
		if (last >= 0 && counter != last)
			interleaved[id]++; /* another thread added since this one's last turn */
		last = ++counter;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void test_mutex(void)
{
	long live;
	unsigned long p0, p1, s0, s1;
	exos_thread_stats(&live, &p0, &s0);
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		expect(pthread_create(&t[i], NULL, adder, (void *)i) == 0, "pthread_create adder");
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	exos_thread_stats(&live, &p1, &s1);
	long inter = interleaved[0] + interleaved[1] + interleaved[2] + interleaved[3];
	printf("threads: mutex total %ld (expected %ld), %ld interleavings, %lu preemptions, %lu switches\n", counter,
	       4 * nadd, inter, p1 - p0, s1 - s0);
	expect(counter == 4 * nadd, "the mutex keeps every addition");
	expect(p1 > p0, "threads were preempted");
	expect(inter > 0, "preemption interleaved the adders");
	expect(live == 1, "only the first thread is left");
}

/* ---- condition variables: a bounded queue ---- */

#define QN 4
#define ITEMS 5000
static pthread_mutex_t qm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t notfull = PTHREAD_COND_INITIALIZER, notempty = PTHREAD_COND_INITIALIZER;
static int queue[QN], qhead, qcount, producers_done;
static long consumed_sum[2], consumed_n[2];

static void *producer(void *arg)
{
	(void)arg;
	for (int v = 1; v <= ITEMS; v++) {
		pthread_mutex_lock(&qm);
		while (qcount == QN)
			pthread_cond_wait(&notfull, &qm);
		queue[(qhead + qcount++) % QN] = v;
		pthread_cond_signal(&notempty);
		pthread_mutex_unlock(&qm);
	}
	pthread_mutex_lock(&qm);
	producers_done++;
	pthread_cond_broadcast(&notempty);
	pthread_mutex_unlock(&qm);
	return NULL;
}

static void *consumer(void *arg)
{
	long id = (long)arg;
	for (;;) {
		pthread_mutex_lock(&qm);
		while (qcount == 0 && producers_done < 2)
			pthread_cond_wait(&notempty, &qm);
		if (qcount == 0) {
			pthread_mutex_unlock(&qm);
			return NULL;
		}
		int v = queue[qhead];
		qhead = (qhead + 1) % QN;
		qcount--;
		pthread_cond_signal(&notfull);
		pthread_mutex_unlock(&qm);
		consumed_sum[id] += v;
		consumed_n[id]++;
	}
}

static void test_cond(void)
{
	pthread_t p[2], c[2];
	for (long i = 0; i < 2; i++) {
		expect(pthread_create(&c[i], NULL, consumer, (void *)i) == 0, "pthread_create consumer");
		expect(pthread_create(&p[i], NULL, producer, NULL) == 0, "pthread_create producer");
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(p[i], NULL);
		pthread_join(c[i], NULL);
	}
	long n = consumed_n[0] + consumed_n[1], sum = consumed_sum[0] + consumed_sum[1];
	expect(n == 2 * ITEMS, "every item consumed once");
	expect(sum == 2L * ITEMS * (ITEMS + 1) / 2, "the items' sum");
}

/* ---- __thread ---- */

static __thread long tls_var = 7;
static __thread char tls_buf[32];

static void *tls_user(void *arg)
{
	long id = (long)arg;
	int ok = tls_var == 7 && tls_buf[0] == 0; /* a fresh copy */
	tls_var = id * 10;
	snprintf(tls_buf, sizeof(tls_buf), "thread %ld", id);
	for (int i = 0; i < 20; i++)
		sched_yield(); /* the others write theirs meanwhile */
	char want[32];
	snprintf(want, sizeof(want), "thread %ld", id);
	ok = ok && tls_var == id * 10 && !strcmp(tls_buf, want);
	return (void *)(long)ok;
}

static void test_tls(void)
{
	tls_var = 1;
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, tls_user, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *ok = NULL;
		pthread_join(t[i], &ok);
		expect(ok == (void *)1L, "__thread variables are each thread's own");
	}
	expect(tls_var == 1, "the first thread's __thread variable is untouched");
}

/* ---- detached threads, pthread_exit ---- */

static int detached_done;

static void *detached(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
	return NULL; /* musl unmaps its stack and exits with a raw `syscall` (reflected) */
}

static __attribute__((noinline)) void leave_from_deep(long value)
{
	pthread_exit((void *)value);
}

static void *exiter(void *arg)
{
	(void)arg;
	leave_from_deep(42);
	return NULL;
}

static void test_detach_exit(void)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 6; i++)
		expect(pthread_create(&(pthread_t){0}, &a, detached, NULL) == 0, "detached pthread_create");
	pthread_t t;
	pthread_create(&t, NULL, detached, NULL);
	expect(pthread_detach(t) == 0, "pthread_detach");
	for (int i = 0; i < 1000 && __atomic_load_n(&detached_done, __ATOMIC_SEQ_CST) < 7; i++)
		sched_yield();
	expect(detached_done == 7, "detached threads ran");
	for (int i = 0; i < 20; i++)
		sched_yield(); /* let them finish exiting */
	void *r = NULL;
	pthread_create(&t, NULL, exiter, NULL);
	expect(pthread_join(t, &r) == 0 && r == (void *)42L, "pthread_exit's value reaches the joiner");
	long live;
	unsigned long p, s;
	exos_thread_stats(&live, &p, &s);
	expect(live == 1, "detached and exited threads are gone");
}

/*
 * musl's __unmapself, with its window held open: a thread unmaps its own
 * stack, then runs on without one until two slots have begun (so at least one
 * prologue upcall lands while its rsp points at unmapped memory), then exits.
 * Every upcall in that window must resume it without writing below its rsp.
 * A raw clone, not pthread_create: musl knows nothing of this thread, whose
 * thread pointer stays the caller's (no CLONE_SETTLS). The thread uses no
 * stack and clears *ctid (CLONE_CHILD_CLEARTID) as it ends.
 */
static void stackless_thread(void *stack, size_t size, volatile int *ctid)
{
	const volatile uint64_t *slot = &((const volatile struct exo_info *)EXO_INFO_VA)->cur_slot;
	long flags =
		CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID;
	long r = SYS_clone;
	register long r10 __asm__("r10") = (long)ctid;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 9f\n\t"
			 "mov %[base], %%rdi\n\t" /* the child: munmap(its own stack) */
			 "mov %[size], %%rsi\n\t"
			 "mov %[munmap], %%eax\n\t"
			 "syscall\n\t"
			 "mov %[nslot], %%edx\n" /* then wait out two slot changes, stackless */
			 "1:\tmov (%[slot]), %%rcx\n"
			 "2:\tcmp (%[slot]), %%rcx\n\t"
			 "je 2b\n\t"
			 "dec %%edx\n\t"
			 "jnz 1b\n\t"
			 "xor %%edi, %%edi\n\t" /* and exit(0) */
			 "mov %[exit], %%eax\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "9:"
			 : "+a"(r)
			 : "D"(flags), "S"((char *)stack + size), "d"(0L),
			   "r"(r10), [base] "r"(stack), [size] "r"(size), [slot] "r"(slot), [munmap] "i"(SYS_munmap),
			   [exit] "i"(SYS_exit), [nslot] "i"(2)
			 : "rcx", "r11", "memory");
	expect(r > 0, "raw clone of a thread that unmaps its own stack");
	if (r <= 0) {
		munmap(stack, size);
		return;
	}
	while (*ctid != 0)
		sys_futex(ctid, FUTEX_WAIT, 1, NULL);
}

static void test_stackless_window(void)
{
	size_t size = 64 * 1024;
	static volatile int ctid;
	for (int i = 0; i < 3; i++) {
		void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		expect(stack != MAP_FAILED, "mmap a stack");
		if (stack == MAP_FAILED)
			return;
		ctid = 1;
		stackless_thread(stack, size, &ctid); /* returns once the thread ended; it unmapped the stack */
	}
	long live;
	unsigned long p, s;
	exos_thread_stats(&live, &p, &s);
	expect(live == 1, "the stackless threads are gone");
}

/* ---- sched_yield ---- */

static volatile int turn;
#define ROUNDS 1000

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		while (turn != 1)
			sched_yield();
		turn = 0;
	}
	return NULL;
}

static void test_yield(void)
{
	pthread_t t;
	unsigned long p0, p1, s0, s1;
	long live;
	uint64_t t0 = now_ms();
	pthread_create(&t, NULL, ponger, NULL);
	exos_thread_stats(&live, &p0, &s0);
	for (int i = 0; i < ROUNDS; i++) {
		turn = 1;
		while (turn != 0)
			sched_yield();
	}
	exos_thread_stats(&live, &p1, &s1);
	pthread_join(t, NULL);
	expect(s1 - s0 >= 2 * ROUNDS, "sched_yield switches threads");
	expect(now_ms() - t0 < 2000, "ping-pong by sched_yield does not wait for preemption");
}

/* ---- futex: both doors, the error paths ---- */

static volatile int word;

static void *waker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++)
		sched_yield();
	word = 1;
	expect(sys_futex(&word, FUTEX_WAKE | FUTEX_PRIVATE, 1, NULL) == 1, "FUTEX_WAKE wakes the waiter");
	return NULL;
}

static void test_futex(void)
{
	word = 5;
	expect(sys_futex(&word, FUTEX_WAIT, 4, NULL) == -EAGAIN, "FUTEX_WAIT on a changed value: EAGAIN");
	expect(raw_futex(&word, FUTEX_WAIT, 4, NULL) == -EAGAIN, "raw FUTEX_WAIT on a changed value: EAGAIN");
	expect(sys_futex((int *)0x1000, FUTEX_WAIT, 0, NULL) == -EFAULT, "FUTEX_WAIT on an unmapped word: EFAULT");
	expect(raw_futex((int *)0x1000, FUTEX_WAIT, 0, NULL) == -EFAULT, "raw FUTEX_WAIT unmapped: EFAULT");
	expect(sys_futex((int *)((char *)&word + 1), FUTEX_WAIT, 0, NULL) == -EINVAL, "a misaligned word: EINVAL");
	expect(sys_futex(&word, 6 /* FUTEX_LOCK_PI */, 0, NULL) == -ENOSYS, "an unsupported operation: ENOSYS");
	struct timespec bad = {0, 2000000000L}, to = {0, 30000000L};
	expect(sys_futex(&word, FUTEX_WAIT, 5, &bad) == -EINVAL, "a bad timeout: EINVAL");
	expect(sys_futex(&word, FUTEX_WAIT, 5, (struct timespec *)0x1000) == -EFAULT, "an unmapped timeout: EFAULT");
	uint64_t t0 = now_ms();
	expect(sys_futex(&word, FUTEX_WAIT | FUTEX_PRIVATE, 5, &to) == -ETIMEDOUT, "FUTEX_WAIT times out");
	uint64_t t1 = now_ms();
	expect(t1 - t0 >= 29, "the timeout took its time");
	expect(raw_futex(&word, FUTEX_WAIT, 5, &to) == -ETIMEDOUT, "raw FUTEX_WAIT times out");
	expect(now_ms() - t1 >= 29, "the raw timeout took its time");
	expect(sys_futex(&word, FUTEX_WAKE, 1, NULL) == 0, "FUTEX_WAKE with no waiter: 0");

	/* Block through each door while another thread wakes us. */
	pthread_t t;
	word = 0;
	pthread_create(&t, NULL, waker, NULL);
	long r;
	while ((r = sys_futex(&word, FUTEX_WAIT | FUTEX_PRIVATE, 0, NULL)) == 0 && word == 0)
		;
	expect((r == 0 || r == -EAGAIN) && word == 1, "FUTEX_WAIT woken by FUTEX_WAKE");
	pthread_join(t, NULL);
	word = 0;
	pthread_create(&t, NULL, waker, NULL);
	while ((r = raw_futex(&word, FUTEX_WAIT | FUTEX_PRIVATE, 0, NULL)) == 0 && word == 0)
		;
	expect((r == 0 || r == -EAGAIN) && word == 1, "raw FUTEX_WAIT woken by FUTEX_WAKE");
	pthread_join(t, NULL);
}

/* ---- signals to threads ---- */

static volatile int usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

static void *signaller(void *arg)
{
	pthread_t main_thread = *(pthread_t *)arg;
	expect(pthread_kill(main_thread, SIGUSR1) == 0, "pthread_kill another thread");
	expect(pthread_kill(pthread_self(), SIGUSR1) == 0, "pthread_kill oneself");
	return NULL;
}

static void test_signals(void)
{
	signal(SIGUSR1, on_usr1);
	pthread_t self = pthread_self(), t;
	pthread_create(&t, NULL, signaller, &self);
	pthread_join(t, NULL);
	for (int i = 0; i < 10 && usr1 < 2; i++)
		sched_yield();
	if (usr1 != 2)
		printf("threads: SIGUSR1 taken %d times\n", usr1);
	expect(usr1 == 2, "both signals were taken by the process");
	expect(syscall(SYS_tgkill, getpid(), 0x7fffffff, 0) == -1 && errno == ESRCH, "tgkill of no thread: ESRCH");
	signal(SIGUSR1, SIG_DFL);
}

/* ---- fork from a threaded process ---- */

static pthread_mutex_t fm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fc = PTHREAD_COND_INITIALIZER;
static int release;

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&fm);
	while (!release)
		pthread_cond_wait(&fc, &fm);
	pthread_mutex_unlock(&fm);
	return (void *)7L;
}

static int child_of_threaded(void)
{
	long live;
	unsigned long p, s;
	exos_thread_stats(&live, &p, &s);
	if (live != 1 || gettid() != getpid())
		return 1;
	pthread_t t;
	void *r = NULL;
	if (pthread_create(&t, NULL, square, (void *)3L) != 0 || pthread_join(t, &r) != 0 || r != (void *)9L)
		return 2;
	return 0;
}

static void test_fork(void)
{
	pthread_t t;
	pthread_create(&t, NULL, sleeper, NULL);
	sched_yield(); /* it waits on the condition now */
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_of_threaded());
	int status = -1;
	expect(pid > 0 && waitpid(pid, &status, 0) == pid, "fork and wait in a threaded process");
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child has one thread and makes new ones");
	pthread_mutex_lock(&fm);
	release = 1;
	pthread_cond_broadcast(&fc);
	pthread_mutex_unlock(&fm);
	void *r = NULL;
	pthread_join(t, &r);
	expect(r == (void *)7L, "the parent's thread lived on");
}

/* ---- clone flags ExOS does not support ---- */

static void test_clone_errors(void)
{
	errno = 0;
	expect(syscall(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0) == -1 && errno == EINVAL,
	       "clone(CLONE_VM|CLONE_VFORK): EINVAL");
	errno = 0;
	expect(syscall(SYS_clone, CLONE_THREAD | CLONE_SIGHAND, 0, 0, 0, 0) == -1 && errno == EINVAL,
	       "clone(CLONE_THREAD without CLONE_VM): EINVAL");
	unsigned long th = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	errno = 0;
	expect(syscall(SYS_clone, th | CLONE_NEWNS, 0, 0, 0, 0) == -1 && errno == EINVAL,
	       "clone with a namespace flag: EINVAL");
	errno = 0;
	expect(syscall(SYS_clone, th, 0x10000, 0, 0, 0) == -1 && errno == ENOSYS,
	       "a thread clone by function call (no frame to return through): ENOSYS");
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_clone), "D"(th), "S"(0L) : "rcx", "r11", "memory");
	expect(r == -EFAULT, "a thread clone without a stack: EFAULT");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "quick"))
		nadd = 20000;
	setvbuf(stdout, NULL, _IONBF, 0);
	test_clone_errors();
	test_join();
	test_mutex();
	test_cond();
	test_tls();
	test_detach_exit();
	test_stackless_window();
	test_yield();
	test_futex();
	test_signals();
	test_fork();
	if (failures)
		printf("threads: FAIL (%d)\n", failures);
	else
		printf("threads: PASS\n");
	return failures != 0;
}
