/* Trap frames, vectors and the per-CPU block. Kernel only. */
#ifndef KERN_TRAP_H
#define KERN_TRAP_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

/* Vectors. 0-31 are the CPU's exceptions. */
#define T_DE 0
#define T_DB 1
#define T_NMI 2
#define T_BP 3
#define T_OF 4
#define T_BR 5
#define T_UD 6
#define T_NM 7
#define T_DF 8
#define T_TS 10
#define T_NP 11
#define T_SS 12
#define T_GP 13
#define T_PF 14
#define T_MF 16
#define T_AC 17
#define T_MC 18
#define T_XM 19
#define T_VE 20
#define T_CP 21
#define IRQ_BASE 32
#define T_TIMER 32           /* local APIC timer */
#define T_IRQ_COM1 (IRQ_BASE + 4)
#define T_SPURIOUS 255
#define T_KCALL 256          /* not a vector: marks a frame saved by the syscall entry */

/* Interrupt stack table slots (TSS.ist[n-1]). */
#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3

/* Offsets into struct cpu and struct env used by assembly (checked in env.h). */
#define CPU_KSTACK_TOP 0
#define CPU_SCRATCH 8
#define CPU_CURENV 16
#define CPU_FPU_ENV 24
#define CPU_PARK0 48
#define CPU_PARK1 56
#define CPU_DONEE 64
#define ENV_UPCALL_ENTRY 176
#define ENV_UPCALL_STACK_TOP 184
#define ENV_UPCALL_STACK_SIZE 192
#define ENV_CRIT_START 200
#define ENV_CRIT_LEN 208
#define ENV_ID 216            /* uint32_t id, then enum env_state state */
#define ENV_PML4 256
#define ENV_PAGES_COUNT 268   /* uint32_t */
#define ENV_FPU 272
#define ENV_FS_BASE 280
#define ENV_GS_BASE 288
#define ENV_EINFO 304
#define ENV_PCT 352           /* struct pct_entry {rip, stack_top}[PCT_ENTRIES] */
#define ENV_PCT_ACTIVE 480    /* bool pct_active, then bool pct_lazy */
#define ENV_PCT_LAZY 481
#define ENV_PCT_CALLER 664
#define ENV_SIZE 688
#define ENV_COUNT 64          /* NENV */
#define ENV_STATE_RUNNABLE 2
#define ENV_STATE_WAIT_PCT 4
#define PCT_ENTRIES 8         /* EXO_PCT_ENTRIES */
#define EINFO_USAGE 16        /* in struct exo_envinfo */
#define TF_RIP 136            /* in struct trapframe */
#define TF_RFLAGS 152
#define TF_RSP 160
#define UPCALL_FRAME_SIZE 192 /* sizeof(struct exo_upcall) */
/* The kernel calls with an assembly fast path (the full rax; kcall.c checks them against kcalls.def). */
#define KCALL_PCT_CALL 0x45584F0000000019
#define KCALL_PCT_RETURN 0x45584F000000001B
/*
 * Exceptions the fast path hands to an upcall handler: all but NMI (2), #DF
 * (8), reserved (9, 15, 22-31) and #MC (18), which always go through trap().
 */
#define FAST_UPCALL_VECTORS 0x3B7CFB

#ifndef ASM_FILE
#include <stdint.h>

/* What every kernel entry saves, lowest address first. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, err;
	uint64_t rip, cs, rflags, rsp, ss; /* as pushed by the CPU */
};

struct env;

/*
 * Per-CPU state; GS points here while in the kernel. The first two fields
 * are read by the entry assembly (CPU_KSTACK_TOP, CPU_SCRATCH).
 */
struct cpu {
	uint64_t kstack_top;
	uint64_t scratch;
	struct env *curenv;  /* the environment this CPU runs, or NULL when idle */
	struct env *fpu_env; /* whose FPU/vector state is in the registers, or NULL */
	struct trapframe *kcall_tf; /* the frame of the kernel call being served */
	uint64_t kcall_rax;         /* its call number, kept for a restart */
	uint64_t park[2];           /* registers trapentry.S's fast paths park while they have no stack */
	struct env *donee;          /* sched.c: runs for the rest of the slot (directed yield, PCT) */
};

extern struct cpu cpu0;
static inline struct cpu *this_cpu(void) { return &cpu0; } /* one CPU until SMP */

void cpu_init_early(void);
void cpu_init_features(void);
void cpu_init_tables(uint64_t kstack_top, const uint64_t ist_top[3]);
uint64_t cpu_features(void); /* EXO_CPU_* bits turned on */
uint64_t xsave_area_size(void);
void fpu_save(void *area);
void fpu_restore(const void *area);
void fpu_init_area(void *area);

void trap(struct trapframe *tf);
const char *trap_name(uint64_t vector);
void kcall_entry(void);
void kcall_entry_pct(void); /* kcall_entry with the PCT fast paths: needs FSGSBASE and XSAVE */
void kcall(struct trapframe *tf);
__attribute__((noreturn)) void trap_return_iret(const struct trapframe *tf);
__attribute__((noreturn)) void trap_return_sysret(const struct trapframe *tf);

/* A kernel-mode fault inside a user-copy routine resumes at its fixup. */
extern char uaccess_start[], uaccess_end[], uaccess_fault[];
/* The same for the exception fast path's writes to the upcall stack: {start, end, fixup} per stub. */
struct fastup_range {
	uint64_t start, end, fixup;
};
extern const struct fastup_range fastup_table[], fastup_table_end[];
extern const uint64_t trap_stubs[256], trap_stubs_smap[256]; /* IDT targets without and with SMAP */
#endif /* !ASM_FILE */

#endif
