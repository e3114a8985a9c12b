/*
 * Protected control transfer between two environments.
 *  - calls reach only registered entry points; bad targets and entries fail cleanly;
 *  - general-purpose registers pass through as arguments and results;
 *  - the callee learns the caller's id, which it cannot be handed falsely;
 *  - the callee runs in its own address space: the caller's memory is not its;
 *  - an activation that gives up the CPU (yield) still returns its results, and the callee's own
 *    context survives it;
 *  - a callee that ends during a call: the caller resumes with -EXO_ENOENT and cleared registers;
 *  - an asynchronous transfer runs the callee at once, then the caller resumes.
 * With `bench`: the null call round trip in TSC ticks (instructions under icount).
 */
#include <exo/lib.h>

#define MAILBOX 0x30000000UL
struct mailbox {
	volatile long ready, stop, async_count, server_id;
};
#define mb ((struct mailbox *)MAILBOX)

static char server_stack[8192] __attribute__((aligned(16)));
static volatile long secret; /* set by the client after the server's copy of .data was made */

long serve_c(long caller, long arg);
long serve_c(long caller, long arg)
{
	(void)caller;
	return arg == 1 ? secret : -1; /* the server's own copy: never the client's value */
}

/* Entry 0: rdx += r10; r8 = caller id (rax at entry); r9 = 0x5eed; others pass back untouched. */
__asm__(".text\n"
	"add_entry:\n\t"
	"add %r10, %rdx\n\t"
	"mov %rax, %r8\n\t"
	"mov $0x5eed, %r9\n\t"
	"movabs $0x45584f000000001b, %rax\n\t" /* pct_return */
	"syscall\n\t"
	"ud2\n"
	/* Entry 1: C code on the entry stack; rdx = serve_c(caller, rdx). */
	"c_entry:\n\t"
	"mov %rax, %rdi\n\t"
	"mov %rdx, %rsi\n\t"
	"call serve_c\n\t"
	"mov %rax, %rdx\n\t"
	"movabs $0x45584f000000001b, %rax\n\t"
	"syscall\n\t"
	"ud2\n"
	/* Entry 2 (async): count, then return. */
	"count_entry:\n\t"
	"lock incq 0x30000010\n\t"
	"movabs $0x45584f000000001b, %rax\n\t"
	"syscall\n\t"
	"ud2\n"
	/* Entry 3: as entry 0, but yield first (the activation is descheduled and saved). */
	"yield_entry:\n\t"
	"mov %rax, %r8\n\t"
	"movabs $0x45584f0000000003, %rax\n\t" /* yield */
	"syscall\n\t"
	"add %r10, %rdx\n\t"
	"mov $0x5eed, %r9\n\t"
	"movabs $0x45584f000000001b, %rax\n\t"
	"syscall\n\t"
	"ud2\n"
	/* Entry 4: the server ends during the call, with secrets in its registers. */
	"exit_entry:\n\t"
	"mov $0x5ec2e7, %ebx\n\tmov %rbx, %rdx\n\tmov %rbx, %r12\n\t"
	"xor %edi, %edi\n\t"
	"movabs $0x45584f0000000002, %rax\n\t" /* exit(0) */
	"syscall\n\t"
	"ud2\n");
extern char add_entry[], c_entry[], count_entry[], yield_entry[], exit_entry[];

static int server_idles; /* "idle": the server waits in the kernel's idle call, not by yielding */

static int server(long unused)
{
	(void)unused;
	uint64_t top = (uint64_t)(server_stack + sizeof(server_stack));
	sys_pct_set_entry(0, (unsigned long)add_entry, top);
	sys_pct_set_entry(1, (unsigned long)c_entry, top);
	sys_pct_set_entry(2, (unsigned long)count_entry, top);
	sys_pct_set_entry(3, (unsigned long)yield_entry, top);
	sys_pct_set_entry(4, (unsigned long)exit_entry, top);
	mb->server_id = EXO_ENV_INFO->id;
	mb->ready = 1;
	while (!mb->stop)
		if (server_idles)
			sys_idle(2); /* calls into us still run (and a preempted one is still scheduled) */
		else
			sys_yield();
	return 0;
}

struct result {
	long rax, rdx, r8, r9, rbx, r12; /* out; rdx and r10 (in r8's slot) in */
};

/*
 * void pct_call_regs(struct result *io, id, index): pct_call with rdx = io->rdx,
 * r10 = io->r8, rbx/r12 set to patterns; the registers after the call go back
 * into *io.
 */
__asm__(".text\n"
	"pct_call_regs:\n\t"
	"push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
	"push %rdi\n\t"
	"mov %rdi, %r11\n\t"
	"mov %rsi, %rdi\n\t"
	"mov %rdx, %rsi\n\t"
	"mov 8(%r11), %rdx\n\t"
	"mov 16(%r11), %r10\n\t"
	"xor %r8d, %r8d\n\txor %r9d, %r9d\n\t"
	"mov $0xB1B1, %rbx\n\tmov $0xC2C2, %r12\n\t"
	"movabs $0x45584f0000000019, %rax\n\t" /* pct_call */
	"syscall\n\t"
	"pop %r11\n\t"
	"mov %rax, 0(%r11)\n\tmov %rdx, 8(%r11)\n\tmov %r8, 16(%r11)\n\tmov %r9, 24(%r11)\n\t"
	"mov %rbx, 32(%r11)\n\tmov %r12, 40(%r11)\n\t"
	"pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\t"
	"ret\n");
void pct_call_regs(struct result *io, unsigned long id, unsigned long index);

static struct result call(unsigned long id, unsigned long index, long a, long b)
{
	struct result r = {.rdx = a, .r8 = b};
	pct_call_regs(&r, id, index);
	return r;
}

int main(int argc, char **argv)
{
	sys_env_set_quota(EXO_CAP_SELF, 512);
	long mbox = sys_page_alloc(EXO_PPN_ANY);
	sys_bind(EXO_CAP_SELF, MAILBOX, (unsigned long)mbox, EXO_PROT_R | EXO_PROT_W);
	server_idles = argc > 1 && !strcmp(argv[1], "idle");
	long s = exo_spawn_create(server, 64);
	sys_bind((unsigned long)s, MAILBOX, (unsigned long)mbox, EXO_PROT_R | EXO_PROT_W);
	exo_spawn_start(s, 0);
	while (!mb->ready)
		sys_yield();
	unsigned long id = (unsigned long)mb->server_id;
	secret = 0x5ec2e7;

	if (argc > 1 && !strcmp(argv[1], "bench")) {
		for (int i = 0; i < 100; i++)
			call(id, 0, 1, 2);
		uint64_t t0 = rdtsc();
		for (int i = 0; i < 2000; i++)
			call(id, 0, 1, 2);
		printf("pct null call round trip: %lu TSC ticks (instructions under -icount shift=0)\n",
		       (rdtsc() - t0) / 2000);
		mb->stop = 1;
		exo_wait(s);
		return 0;
	}

	struct result r = call(id, 0, 40, 2);
	check(r.rax == 0 && r.rdx == 42, "arguments in rdx and r10 arrive; the result comes back in rdx");
	check(r.r8 == EXO_ENV_INFO->id, "the callee learned the caller's id");
	check(r.r9 == 0x5eed, "a register the callee set comes back");
	check(r.rbx == 0xB1B1 && r.r12 == 0xC2C2, "registers the callee did not touch pass through both ways");
	r = call(id, 1, 1, 0);
	check(r.rax == 0 && r.rdx == 0, "the callee sees its own memory at the caller's addresses, not the caller's");
	check(call(id, 5, 0, 0).rax == -EXO_EINVAL, "an entry the callee did not register: -EXO_EINVAL");
	check(call(id, EXO_PCT_ENTRIES, 0, 0).rax == -EXO_EINVAL, "an entry index out of range: -EXO_EINVAL");
	check(call(0x12345, 0, 0, 0).rax == -EXO_ENOENT, "an unknown environment: -EXO_ENOENT");
	check(call(EXO_ENV_INFO->id, 0, 0, 0).rax == -EXO_EINVAL, "a call to oneself: -EXO_EINVAL");
	check(sys_pct_return() == -EXO_EINVAL, "pct_return while serving no call: -EXO_EINVAL");
	check(sys_pct_set_entry(0, 0xFFFF800000000000UL, 0x1000) == -EXO_EINVAL, "a kernel entry point: -EXO_EINVAL");
	check(sys_pct_set_entry(0, 0x401000, 0xFFFF800000001000UL) == -EXO_EINVAL, "a kernel stack: -EXO_EINVAL");
	check(sys_pct_set_entry(0, 0x401000, 0x401001) == -EXO_EINVAL, "a misaligned stack: -EXO_EINVAL");
	long before = mb->async_count;
	check(sys_pct_send(id, 2) == 0, "pct_send returns 0");
	check(mb->async_count == before + 1, "the asynchronous callee ran before the caller resumed (slice donated)");
	for (int i = 0; i < 3; i++) {
		r = call(id, 3, 40, i);
		check(r.rax == 0 && r.rdx == 40 + i && r.r8 == EXO_ENV_INFO->id && r.r9 == 0x5eed && r.rbx == 0xB1B1,
		      "an activation that yields still returns its results");
		r = call(id, 0, 1, 2);
		check(r.rax == 0 && r.rdx == 3, "and the callee is ready for the next call");
		sys_yield(); /* the server's own code runs: its context must have survived */
	}
	r = call(id, 4, 7, 7);
	check(r.rax == -EXO_ENOENT && r.rdx == 0 && r.r8 == 0 && r.rbx == 0 && r.r12 == 0,
	      "the callee ended during the call: -EXO_ENOENT, every register cleared");
	exo_wait(s);
	check(call(id, 0, 0, 0).rax == -EXO_ENOENT, "after it ended: -EXO_ENOENT");
	test_finish();
}
