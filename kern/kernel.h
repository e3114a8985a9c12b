/*
 * Kernel-wide declarations. Kernel code only: the library OS includes
 * inc/exo/ and nothing here.
 */
#ifndef KERN_KERNEL_H
#define KERN_KERNEL_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel only; user code includes <exo/...>"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <exo/memlayout.h>
#include <exo/string.h>

#define NORETURN __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROUNDUP(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define ROUNDDOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))

/* Physical memory is mapped at PHYSMAP_BASE. */
#define P2V(pa) ((void *)((uintptr_t)(pa) + PHYSMAP_BASE))
#define V2P(va) ((uint64_t)(uintptr_t)(va)-PHYSMAP_BASE)
/* Kernel image symbols: linked at KERNEL_BASE + physical address. */
#define KIMG_V2P(va) ((uint64_t)(uintptr_t)(va)-KERNEL_BASE)

/* console.c */
void cons_init(void);
void cons_enable_input_irq(void);
void cons_putc(char c);
void cons_write(const char *s, size_t n);
void cons_intr(void);
int cons_getc(void); /* -1 when no input is waiting */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* panic.c */
struct trapframe;
NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
NORETURN void panic_trap(const struct trapframe *tf, const char *what);
void print_backtrace(uint64_t rbp);
/* Leave QEMU through isa-debug-exit: ok=true gives QEMU status 1 (the run scripts read it as success). */
NORETURN void power_off(bool ok);

#define assert(x)                                                                          \
	do {                                                                               \
		if (!(x))                                                                  \
			panic("assertion failed: %s at %s:%d", #x, __FILE__, __LINE__);  \
	} while (0)

/* Kernel image layout (kernel.ld). */
extern char kernel_text_start[], kernel_text_end[], kernel_rodata_start[], kernel_rodata_end[];
extern char kernel_data_start[], kernel_bss_end_virt[];
extern char kernel_load_start[], kernel_bss_end[]; /* physical */

/* Values the 32-bit entry saved (physical addresses in .boot). */
extern uint64_t boot_tsc_phys;
extern uint32_t boot_magic_phys, boot_info_phys;

#endif
