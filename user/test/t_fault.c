/*
 * Hostile programs: each argument names one thing a user program must not be
 * able to do. The kernel must end only this program, with a one-line report
 * naming the fault (the test list gives the expected report), and stay up.
 */
#include <exo/lib.h>

int main(int argc, char **argv);

static char data_page[4096] __attribute__((aligned(4096))) = {(char)0xC3};

static volatile long depth_limit = 1L << 40; /* far deeper than the stack allows */

static void recurse(volatile char *prev, long depth)
{
	volatile char frame[512];
	frame[0] = prev ? prev[0] : 0;
	if (depth < depth_limit)
		recurse(frame, depth + 1);
	frame[1] = 0; /* not a tail call */
}

/* Each case does its one bad thing; none should return. */
static void run_case(const char *what)
{
	if (!strcmp(what, "hlt"))
		__asm__ volatile("hlt");
	else if (!strcmp(what, "cli"))
		__asm__ volatile("cli");
	else if (!strcmp(what, "wrmsr"))
		__asm__ volatile("wrmsr" ::"c"(0xC0000082), "a"(0), "d"(0)); /* LSTAR */
	else if (!strcmp(what, "rdmsr"))
		__asm__ volatile("rdmsr" ::"c"(0xC0000082) : "rax", "rdx");
	else if (!strcmp(what, "mov-cr3"))
		__asm__ volatile("mov %0, %%cr3" ::"r"(0UL));
	else if (!strcmp(what, "read-cr3")) {
		uint64_t v;
		__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	} else if (!strcmp(what, "in"))
		__asm__ volatile("inb $0x64, %%al" ::: "rax");
	else if (!strcmp(what, "out"))
		__asm__ volatile("outb %%al, $0xf4" ::"a"(0)); /* would power QEMU off */
	else if (!strcmp(what, "lidt")) {
		struct { uint16_t limit; uint64_t base; } __attribute__((packed)) p = {0, 0};
		__asm__ volatile("lidt %0" ::"m"(p));
	} else if (!strcmp(what, "sgdt")) { /* UMIP makes this fault; without UMIP it is allowed */
		struct { uint16_t limit; uint64_t base; } __attribute__((packed)) p;
		__asm__ volatile("sgdt %0" : "=m"(p));
		printf("sgdt allowed (no UMIP): base 0x%lx\n", p.base);
		exit(0);
	} else if (!strcmp(what, "int80"))
		__asm__ volatile("int $0x80");
	else if (!strcmp(what, "read-kernel"))
		(void)*(volatile uint64_t *)0xFFFFFFFF80100000UL;
	else if (!strcmp(what, "write-kernel"))
		*(volatile uint64_t *)0xFFFFFFFF80100000UL = 0;
	else if (!strcmp(what, "read-physmap"))
		(void)*(volatile uint64_t *)0xFFFF800000100000UL;
	else if (!strcmp(what, "write-physmap"))
		*(volatile uint64_t *)0xFFFF800000100000UL = 0;
	else if (!strcmp(what, "jump-physmap"))
		((void (*)(void))0xFFFF800000100000UL)();
	else if (!strcmp(what, "write-info"))
		*(volatile uint64_t *)EXO_INFO_VA = 0;
	else if (!strcmp(what, "write-bootfs"))
		*(volatile uint64_t *)EXO_BOOTFS_VA = 0;
	else if (!strcmp(what, "jump-bootfs"))
		((void (*)(void))EXO_BOOTFS_VA)();
	else if (!strcmp(what, "read-bootfs")) /* with no archive: nothing is mapped there */
		(void)*(volatile uint64_t *)EXO_BOOTFS_VA;
	else if (!strcmp(what, "write-text"))
		*(volatile uint8_t *)(uintptr_t)&main = 0xCC;
	else if (!strcmp(what, "exec-data"))
		((void (*)(void))(uintptr_t)data_page)();
	else if (!strcmp(what, "null"))
		(void)*(volatile uint64_t *)0;
	else if (!strcmp(what, "div0")) {
		volatile int zero = 0, result;
		result = 100 / zero;
		(void)result;
	} else if (!strcmp(what, "jump-noncanonical"))
		((void (*)(void))0x0000800000000000UL)();
	else if (!strcmp(what, "jump-kernel"))
		((void (*)(void))0xFFFFFFFF80100000UL)();
	else if (!strcmp(what, "ud2"))
		__asm__ volatile("ud2");
	else if (!strcmp(what, "int3"))
		__asm__ volatile("int3");
	else if (!strcmp(what, "stack-overflow"))
		recurse(NULL, 0);
	else if (!strcmp(what, "linux-syscall"))
		__asm__ volatile("syscall" ::"a"(39) : "rcx", "r11", "memory"); /* getpid */
	else if (!strcmp(what, "bad-rsp-kcall")) { /* the kernel never uses the user's stack pointer */
		long ret;
		__asm__ volatile("mov %%rsp, %%rbx\n\t"
				 "movabs $0xFFFFFFFF80100000, %%rsp\n\t"
				 "syscall\n\t"
				 "mov %%rbx, %%rsp\n\t"
				 : "=a"(ret)
				 : "a"(EXO_KCALL_BASE)
				 : "rbx", "rcx", "r11", "memory");
		printf("kernel call with a kernel-address rsp returned %ld\n", ret);
		exit(ret == 0 ? 0 : 1);
	} else {
		printf("t_fault: unknown case '%s'\n", what);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		printf("usage: t_fault <case>\n");
		return 2;
	}
	printf("t_fault: trying %s\n", argv[1]);
	run_case(argv[1]);
	printf("t_fault: %s did not fault\n", argv[1]);
	return 1;
}
