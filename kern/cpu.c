/*
 * Processor setup: feature detection and control-register bits, the GDT
 * with its TSS, the IDT, the syscall MSRs, and FPU/vector state handling.
 */
#include <exo/info.h>
#include "kernel.h"
#include "trap.h"
#include "x86.h"

struct cpu cpu0;

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct tss tss0;
static uint64_t gdt[7];
static struct idt_gate idt[256];

static uint64_t features;       /* EXO_CPU_* turned on */
static bool smap_on;
static uint64_t xsave_mask;     /* XCR0 */
static uint64_t xsave_size = 512;

uint64_t cpu_features(void) { return features; }
uint64_t xsave_area_size(void) { return xsave_size; }

/* CPUID bits we look at. */
#define ID1_ECX_XSAVE (1u << 26)
#define ID1_EDX_PGE (1u << 13)
#define ID1_ECX_PCID (1u << 17)
#define ID7_EBX_FSGSBASE (1u << 0)
#define ID7_EBX_SMEP (1u << 7)
#define ID7_EBX_SMAP (1u << 20)
#define ID7_ECX_UMIP (1u << 2)
#define IDX_EDX_NX (1u << 20)
#define XCR0_X87 1
#define XCR0_SSE 2
#define XCR0_AVX 4

/* Turn on every protection the CPU offers; the kernel works without any of them. */
void cpu_init_features(void)
{
	uint32_t a, b, c, d, max;
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	cpuid(0, 0, &max, &b, &c, &d);
	cpuid(1, 0, &a, &b, &c, &d);
	uint32_t ecx1 = c, edx1 = d;
	uint32_t ebx7 = 0, ecx7 = 0;
	if (max >= 7)
		cpuid(7, 0, &a, &ebx7, &ecx7, &d);
	cpuid(0x80000001, 0, &a, &b, &c, &d);

	if (d & IDX_EDX_NX)
		features |= EXO_CPU_NX; /* EFER.NXE was set by boot.S */
	if (edx1 & ID1_EDX_PGE)
		cr4 |= CR4_PGE, features |= EXO_CPU_PGE;
	if (ebx7 & ID7_EBX_SMEP)
		cr4 |= CR4_SMEP, features |= EXO_CPU_SMEP;
	if (ebx7 & ID7_EBX_SMAP)
		cr4 |= CR4_SMAP, features |= EXO_CPU_SMAP, smap_on = true;
	if (ecx7 & ID7_ECX_UMIP)
		cr4 |= CR4_UMIP, features |= EXO_CPU_UMIP;
	if (ebx7 & ID7_EBX_FSGSBASE)
		cr4 |= CR4_FSGSBASE, features |= EXO_CPU_FSGSBASE;
	if (ecx1 & ID1_ECX_PCID)
		cr4 |= CR4_PCIDE, features |= EXO_CPU_PCID; /* every address space uses PCID 0 for now */
	if (ecx1 & ID1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE, features |= EXO_CPU_XSAVE;
	write_cr4(cr4);
	/* AM: user code that sets RFLAGS.AC gets #AC on misaligned accesses. */
	write_cr0((read_cr0() | CR0_MP | CR0_NE | CR0_WP | CR0_AM) & ~(uint64_t)(CR0_EM | CR0_TS));

	if (features & EXO_CPU_XSAVE) {
		cpuid(0xD, 0, &a, &b, &c, &d);
		xsave_mask = a & (XCR0_X87 | XCR0_SSE | XCR0_AVX);
		xsetbv(0, xsave_mask);
		cpuid(0xD, 0, &a, &b, &c, &d); /* ebx: size for the components now enabled */
		xsave_size = b;
	}
	if (!(features & EXO_CPU_SMAP))
		kprintf("exo: no SMAP on this CPU; user-copy routines still check every range\n");
}

static void set_gate(int vec, uint64_t handler, int ist, int dpl)
{
	idt[vec] = (struct idt_gate){
		.off_lo = handler & 0xFFFF,
		.sel = GDT_KCODE,
		.ist = (uint8_t)ist,
		.type_attr = (uint8_t)(0x8E | dpl << 5), /* present, interrupt gate */
		.off_mid = (handler >> 16) & 0xFFFF,
		.off_hi = (uint32_t)(handler >> 32),
	};
}

/*
 * GDT layout, fixed by syscall/sysret: STAR[47:32] = 0x08 gives kernel CS
 * 0x08 and SS 0x10; STAR[63:48] = 0x10 gives user SS 0x18|3 and CS 0x20|3.
 */
static void load_gdt(void)
{
	uint64_t base = (uint64_t)&tss0, limit = sizeof(tss0) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00209A0000000000ULL; /* kernel code, 64-bit */
	gdt[2] = 0x0000920000000000ULL; /* kernel data */
	gdt[3] = 0x0000F20000000000ULL; /* user data, DPL 3 */
	gdt[4] = 0x0020FA0000000000ULL; /* user code, 64-bit, DPL 3 */
	gdt[5] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ULL << 40 | ((limit >> 16) & 0xF) << 48 |
		 ((base >> 24) & 0xFF) << 56; /* available 64-bit TSS */
	gdt[6] = base >> 32;

	struct desc_ptr p = {sizeof(gdt) - 1, (uint64_t)gdt};
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(GDT_KCODE), "i"(GDT_KDATA), "r"(GDT_TSS)
			 : "rax", "memory");
}

/* GS base for the kernel (the entry code finds struct cpu through it), user GS base 0. */
void cpu_init_early(void)
{
	wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void cpu_init_tables(uint64_t kstack_top, const uint64_t ist_top[3])
{
	tss0.rsp[0] = kstack_top;
	tss0.ist[IST_DF - 1] = ist_top[0];
	tss0.ist[IST_NMI - 1] = ist_top[1];
	tss0.ist[IST_MC - 1] = ist_top[2];
	tss0.iomap_base = sizeof(tss0); /* no I/O permission bitmap: every port faults in ring 3 */
	load_gdt(); /* loading the segment registers cleared the GS base: set it again */
	cpu_init_early();

	const uint64_t *stubs = smap_on ? trap_stubs_smap : trap_stubs; /* stac/clac fault without SMAP */
	for (int v = 0; v < 256; v++)
		set_gate(v, stubs[v], 0, 0);
	set_gate(T_BP, stubs[T_BP], 0, 3); /* int3 from user mode is a breakpoint, not a #GP */
	set_gate(T_DF, stubs[T_DF], IST_DF, 0);
	set_gate(T_NMI, stubs[T_NMI], IST_NMI, 0);
	set_gate(T_MC, stubs[T_MC], IST_MC, 0);
	struct desc_ptr p = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" ::"m"(p));

	cpu0.kstack_top = kstack_top;
	wrmsr(MSR_STAR, (uint64_t)GDT_KDATA << 48 | (uint64_t)GDT_KCODE << 32);
	bool pct_fast = (features & EXO_CPU_FSGSBASE) && (features & EXO_CPU_XSAVE);
	wrmsr(MSR_LSTAR, (uint64_t)(pct_fast ? kcall_entry_pct : kcall_entry));
	wrmsr(MSR_CSTAR, 0);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL);
}

void fpu_save(void *area)
{
	if (features & EXO_CPU_XSAVE)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)xsave_mask), "d"((uint32_t)(xsave_mask >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	if (features & EXO_CPU_XSAVE)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xsave_mask), "d"((uint32_t)(xsave_mask >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

/* A save area that restores to the power-on state: nothing leaks from whoever ran before. */
void fpu_init_area(void *area)
{
	memset(area, 0, xsave_size);
	*(uint16_t *)area = 0x37F;                  /* FCW: all x87 exceptions masked */
	*(uint32_t *)((char *)area + 24) = 0x1F80;  /* MXCSR: all SSE exceptions masked */
	/* XSAVE header (offset 512) stays zero: XSTATE_BV = 0 loads every component's init state. */
}
