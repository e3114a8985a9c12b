/*
 * Panic: report a broken kernel invariant or a kernel-mode exception on the
 * console with registers and a symbolised backtrace, then end QEMU with a
 * failing status. Symbols come from the table tools/gen-ksyms.sh makes at
 * link time (text symbols only, sorted by address).
 */
#include <stdarg.h>
#include <exo/fmt.h>
#include "kernel.h"
#include "trap.h"
#include "x86.h"

struct ksym {
	uint64_t addr;
	uint32_t name; /* offset in ksym_names */
	uint32_t pad;
};
extern const struct ksym ksym_table[];
extern const uint64_t ksym_count;
extern const char ksym_names[];

#define DEBUG_EXIT_PORT 0xF4

void power_off(bool ok)
{
	cli();
	outl(DEBUG_EXIT_PORT, ok ? 0 : 1); /* QEMU exits with (value << 1) | 1 */
	for (;;)
		hlt(); /* no isa-debug-exit device (real hardware): stop here */
}

/* The symbol containing addr, or NULL; *off gets the distance from its start. */
static const char *ksym_lookup(uint64_t addr, uint64_t *off)
{
	uint64_t lo = 0, hi = ksym_count;

	if (addr < (uint64_t)kernel_text_start || addr >= (uint64_t)kernel_text_end || hi == 0)
		return NULL;
	while (hi - lo > 1) { /* last symbol with addr >= its start */
		uint64_t mid = (lo + hi) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksym_table[lo].addr > addr)
		return NULL;
	*off = addr - ksym_table[lo].addr;
	return ksym_names + ksym_table[lo].name;
}

static void print_pc(uint64_t pc)
{
	uint64_t off;
	const char *name = ksym_lookup(pc, &off);
	if (name)
		kprintf("  [<%016lx>] %s+0x%lx\n", pc, name, off);
	else
		kprintf("  [<%016lx>] ?\n", pc);
}

/* Follow the frame-pointer chain while it stays in the kernel's half. */
void print_backtrace(uint64_t rbp)
{
	kprintf("backtrace:\n");
	for (int depth = 0; depth < 32 && rbp >= PHYSMAP_BASE && !(rbp & 7); depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		if (!frame[1])
			break;
		print_pc(frame[1]);
		rbp = frame[0];
	}
}

static void panic_header(void)
{
	cli();
	kprintf("\n*** exo kernel PANIC: ");
}

void panic(const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	panic_header();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("%s\n", msg);
	uint64_t rbp;
	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	print_backtrace(rbp);
	power_off(false);
}

void panic_trap(const struct trapframe *tf, const char *what)
{
	panic_header();
	kprintf("%s in kernel mode (vector %lu, error 0x%lx)\n", what, tf->vector, tf->err);
	if (tf->vector == T_PF)
		kprintf("  fault address cr2=%016lx\n", read_cr2());
	kprintf("  rip %016lx cs %04lx rflags %08lx rsp %016lx ss %04lx\n", tf->rip, tf->cs, tf->rflags, tf->rsp,
		tf->ss);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx cr3 %016lx\n", tf->r13, tf->r14, tf->r15, read_cr3());
	kprintf("faulting instruction:\n");
	print_pc(tf->rip);
	print_backtrace(tf->rbp);
	power_off(false);
}
