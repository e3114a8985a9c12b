/*
 * libexo: the small runtime for programs that talk to the exo kernel
 * directly (the foundation's tests and demos, before ExOS and musl).
 * A program defines int main(int argc, char **argv); crt0 splits the boot
 * command line into argv and calls exit(main(...)).
 */
#ifndef EXO_LIB_H
#define EXO_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <exo/info.h>
#include <exo/kcall.h>
#include <exo/memlayout.h>
#include <exo/string.h>

/* The read-only kernel information page. */
#define exo_info ((const volatile struct exo_info *)EXO_INFO_VA)

/* TSC at this program's first instruction. */
extern uint64_t exo_first_tsc;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s);
__attribute__((noreturn)) void exit(int status);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* The read-only regions, as C objects. */
#define EXO_PAGE_RECORDS ((const volatile struct exo_page *)EXO_PAGES_VA)
#define EXO_CAP_TABLE ((const volatile struct exo_cap *)EXO_CAPS_VA)
#define EXO_ENV_INFO ((const volatile struct exo_envinfo *)EXO_ENVINFO_VA)

/*
 * Upcalls (lib/upcall.c). An exception handler returns 0 when it dealt with
 * the exception (the context resumes at u->rip, which it may move, with
 * u->regs, which it may change), anything else to decline: a declined fault
 * then ends the program with the kernel's report. A system-call handler gets
 * the registers of a foreign `syscall` and returns its result (rax). A
 * revocation handler should give back u->revoke_pages pages before tick
 * u->revoke_deadline. Setting any handler registers libexo's upcall entry
 * and stack with the kernel.
 */
typedef int (*exo_exception_fn)(struct exo_upcall *u);
/*
 * Inside a handler: the interrupted context's saved x87/SSE/AVX state (an
 * XSAVE or FXSAVE image; its first 512 bytes have the FXSAVE layout: FCW at
 * 0, FSW at 2, MXCSR at 24). It is restored when the handler returns, so a
 * handler changes the interrupted vector state here, not in the registers.
 */
void *exo_upcall_fpu_state(void);
/* Inside a handler: the frame it serves (a system-call handler may change u->rip and all of u->regs). */
struct exo_upcall *exo_upcall_current(void);
/*
 * on = 1: from now on every upcall resumes the context it interrupted (or the
 * one its handler put in the frame) through the kernel (upcall_resume), which
 * writes nothing in user memory, instead of libexo's user-mode restore, which
 * parks rip and rflags just below the resumed rsp. For a context that runs
 * without a stack (a thread that unmapped its own, until it exits): any
 * upcall, asynchronous ones included, may land there. on = 0: back to
 * user-mode restores. Callable anywhere, handlers included; the mode is
 * dispatcher state, private to the process (exo_upcall_private_range).
 */
void exo_upcall_resume_via_kernel(int on);
/* Bytes of the vector-state image at exo_upcall_fpu_state() (what the CPU's XSAVE writes, or 512 for FXSAVE). */
#define EXO_UPCALL_FPU_AREA 4096
typedef long (*exo_syscall_fn)(struct exo_regs *regs);
typedef void (*exo_revoke_fn)(struct exo_upcall *u);
long exo_set_exception_handler(unsigned vector, exo_exception_fn fn);
long exo_set_pagefault_handler(exo_exception_fn fn);
long exo_set_syscall_handler(exo_syscall_fn fn);
long exo_set_revoke_handler(exo_revoke_fn fn);
/*
 * Time-slice upcalls for environments that own slots (slot_alloc): the
 * prologue runs when one of its slots begins (u->vector = the slot), the
 * epilogue EXO_EPILOGUE_GRACE ticks before it ends. NULL keeps the default:
 * the prologue resumes what was running, the epilogue yields at once.
 */
typedef void (*exo_slice_fn)(struct exo_upcall *u);
long exo_set_slice_handlers(exo_slice_fn prologue, exo_slice_fn epilogue);
void exo_upcall_forget(void);
/*
 * For a child that runs this same program in its own copy of its memory
 * (ExOS's fork): register libexo's upcall entry and stack for environment
 * env (an environment-capability slot with CONTROL), and say which pages
 * every upcall writes ([*start, *end), page-aligned), which the child needs
 * private copies of from the start.
 */
long exo_upcall_register_for(unsigned long env);
void exo_upcall_private_range(uint64_t *start, uint64_t *end);

/*
 * Environments running a function of this program (lib/spawn.c).
 * exo_spawn_create makes one (not started) and returns its environment-
 * capability slot; grant it capabilities, then exo_spawn_start runs fn(arg).
 * exo_wait yields until it has ended.
 */
long exo_spawn_create(int (*fn)(long), uint64_t quota);
/*
 * A new page holding a copy of the page at src, filled through a binding
 * at scratch_va (a page-aligned address the caller does not use; unbound
 * again after). Its capability slot, or a negative exo error.
 */
long exo_page_copy(const void *src, uint64_t scratch_va);
long exo_spawn_start(long env, long arg);
long exo_spawn(int (*fn)(long), long arg, uint64_t quota);
/* The FS base (thread pointer) a spawned child inherits; a runtime that sets it overrides this. */
unsigned long exo_tls_base(void);
int exo_wait(long env);

/* Tests: print a check's result; count failures for test_finish. */
void check(int ok, const char *what);
__attribute__((noreturn)) void test_finish(void);
int test_failures(void);

#endif
