/*
 * Where every exception and interrupt lands (trapentry.S -> trap()).
 *
 * From user mode: interrupts are serviced (the timer advances the time
 * vector) and the environment resumes or another runs; NMI and machine check
 * are hardware trouble and panic; any other exception goes to the
 * environment's upcall handler (usually already by trapentry.S's fast path;
 * here when it nests or the fast path gave up), or ends the environment with
 * a one-line report when it has none.
 * From kernel mode: interrupts are only expected in the idle loop; a fault
 * inside a user-copy routine (or the fast path's frame writes) is fixed up;
 * any other exception is a kernel bug and panics.
 */
#include <exo/fmt.h>
#include <exo/info.h>
#include "apic.h"
#include "env.h"
#include "kernel.h"
#include "trap.h"
#include "x86.h"

extern struct exo_info *info;

const char *trap_name(uint64_t v)
{
	static const char *const names[] = {
		"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
		"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
		"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
		"#PF page fault", "reserved", "#MF x87 floating point", "#AC alignment check", "#MC machine check",
		"#XM SIMD floating point", "#VE virtualization", "#CP control protection",
	};
	if (v < ARRAY_SIZE(names))
		return names[v];
	if (v < 32)
		return "reserved exception";
	if (v == T_TIMER)
		return "timer interrupt";
	if (v == T_KCALL)
		return "kernel call";
	return "interrupt";
}

static void handle_irq(const struct trapframe *tf)
{
	switch (tf->vector) {
	case T_TIMER:
		lapic_eoi();
		break; /* accounted in trap() */
	case T_IRQ_COM1:
		cons_intr();
		lapic_eoi();
		break;
	case T_SPURIOUS:
		break; /* no EOI for spurious interrupts */
	default:
		kprintf("exo: unexpected interrupt vector %lu\n", (unsigned long)tf->vector);
		lapic_eoi();
		break;
	}
}

/* A user-mode exception: end the environment with a report naming the fault. */
static NORETURN void user_exception(struct env *e, const struct trapframe *tf)
{
	char why[160];

	if (tf->vector == T_PF)
		fmt_snprintf(why, sizeof(why), "killed: %s at address 0x%lx (error 0x%lx) rip 0x%lx", trap_name(T_PF),
			     read_cr2(), tf->err, tf->rip);
	else
		fmt_snprintf(why, sizeof(why), "killed: %s (error 0x%lx) at rip 0x%lx", trap_name(tf->vector),
			     tf->err, tf->rip);
	env_destroy(e, why);
	sched_run(NULL);
}

static void kernel_trap(struct trapframe *tf)
{
	if (tf->vector >= IRQ_BASE) {
		handle_irq(tf);
		if (tf->vector == T_TIMER) { /* idle: time and deadlines still pass */
			sched_tick();
			mem_tick();
		}
		return;
	}
	if (tf->vector == T_PF && tf->rip >= (uint64_t)uaccess_start && tf->rip < (uint64_t)uaccess_end) {
		tf->rip = (uint64_t)uaccess_fault; /* the copy returns -EXO_EFAULT */
		return;
	}
	for (const struct fastup_range *f = fastup_table; tf->vector == T_PF && f < fastup_table_end; f++) {
		if (tf->rip >= f->start && tf->rip < f->end) {
			tf->rip = f->fixup; /* the fast path gives up; trap() delivers or ends the env */
			return;
		}
	}
	panic_trap(tf, trap_name(tf->vector));
}

void trap(struct trapframe *tf)
{
	if ((tf->cs & 3) == 0) {
		kernel_trap(tf);
		return;
	}
	struct env *e = this_cpu()->curenv;
	assert(e != NULL);
	if (tf->vector == T_NMI || tf->vector == T_MC)
		panic_trap(tf, trap_name(tf->vector)); /* hardware trouble, not the program's fault */
	env_save_context(e, tf);
	if (tf->vector >= IRQ_BASE) {
		handle_irq(tf);
		if (tf->vector == T_TIMER) {
			bool slot_changed = sched_tick();
			mem_tick(); /* revocation deadlines */
			if (slot_changed)
				sched_run(NULL);
		}
		env_run(e);
	}
	if (upcall_exception(e, tf->vector, tf->err, tf->vector == T_PF ? read_cr2() : 0))
		env_run(e);
	user_exception(e, tf);
}
