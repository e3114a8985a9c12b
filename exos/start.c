/*
 * How a musl program starts on exo. exo's kernel starts the first environment
 * with rdi = its command line (a string near the top of its stack); musl
 * expects Linux's initial block instead: argc, argv[], NULL, envp[], NULL,
 * then auxv pairs ending with AT_NULL, one after the other (musl finds envp at
 * argv + argc + 1 and auxv after envp's NULL). __exos_start_c splits the
 * command line in place at spaces, lays that block out in its own frame (which
 * lives as long as the program: this function never returns), sets ExOS up and
 * enters musl's __libc_start_main, exactly where musl's own _start_c would.
 *
 * auxv: AT_PHDR/AT_PHENT/AT_PHNUM (musl finds the PT_TLS segment through
 * them), AT_PAGESZ, AT_RANDOM (16 bytes: musl's stack-protector canary and
 * malloc secret), AT_EXECFN, AT_NULL. No AT_SYSINFO_EHDR: there is no vDSO.
 * envp is empty. The AT_RANDOM bytes come from the TSC, not from a source
 * of real entropy: exo has none yet.
 */
#include <exo/cmdline.h>
#include <elf.h>
#include "exec.h"
#include "exos.h"
#include "console.h"
#include "fd.h"
#include "fsd.h"
#include "proc.h"
#include "signal.h"
#include "thread.h"

#define MAX_ARGS 128 /* the kernel passes at most 1023 bytes of command line */
#define NAUX 7

int main(int argc, char **argv, char **envp);
void _init(void), _fini(void);
int __libc_start_main(int (*)(int, char **, char **), int, char **, void (*)(void), void (*)(void), void (*)(void));
/* The ELF header as loaded with the program's first segment (defined by the linker). */
extern const Elf64_Ehdr __ehdr_start;

/* argc, argv[argc], NULL, envp: NULL, auxv[2 * NAUX] */
#define BLOCK_WORDS (1 + MAX_ARGS + 1 + 1 + 2 * NAUX)

static uint64_t mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static void fill_auxv(unsigned long *a, const uint64_t *random16, const char *execfn)
{
	const unsigned char *ehdr = (const unsigned char *)&__ehdr_start;
	unsigned long v[2 * NAUX] = {
		AT_PHDR,   (unsigned long)(ehdr + __ehdr_start.e_phoff),
		AT_PHENT,  __ehdr_start.e_phentsize,
		AT_PHNUM,  __ehdr_start.e_phnum,
		AT_PAGESZ, PAGE_SIZE,
		AT_RANDOM, (unsigned long)random16,
		AT_EXECFN, (unsigned long)execfn,
		AT_NULL,   0,
	};
	for (int i = 0; i < 2 * NAUX; i++)
		a[i] = v[i];
}

/* The last component of a path. */
static const char *program_name(const char *path)
{
	const char *name = path;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			name = p + 1;
	return name;
}

static __attribute__((noreturn)) void start_failed(void)
{
	static const char msg[] = "exos: cannot set up memory, processes or the system-call reflection handler\n";
	sys_cputs(msg, sizeof(msg) - 1);
	sys_exit(127);
	__builtin_unreachable();
}

/* Memory, the reflection and exception handlers: what every ExOS program sets up first. */
static long core_init(void)
{
	long r = exos_vm_init();
	if (r == 0)
		r = exos_syscall_init();
	if (r == 0)
		r = exos_signal_init();
	return r;
}

/* A program execve started: the Linux block is at sp, the process's state in execve's handoff. */
static __attribute__((noreturn)) void start_execd(unsigned long *sp)
{
	const struct exos_exec_handoff *h = exos_exec_handoff();
	if (!h)
		start_failed();
	long r = core_init();
	if (r == 0)
		r = exos_proc_init_exec(h);
	if (r < 0)
		start_failed();
	exos_fd_import(h);
	exos_console_attach(h->tty_sig_seen);
	exos_exec_handoff_release(); /* the old program's pages go now */
	exos_proc_set_cmdline((int)sp[0], (char **)&sp[1]);
	exos_prologue_init(); /* asynchronous signals (without it, they wait for the next call) */
	__libc_start_main(main, (int)sp[0], (char **)&sp[1], _init, _fini, 0);
	__builtin_unreachable();
}

/*
 * rdi: the kernel's command line for the first program, 0 for one that
 * execve started; sp: the stack pointer the program started with.
 */
__attribute__((noreturn)) void __exos_start_c(char *cmdline, unsigned long *sp);
void __exos_start_c(char *cmdline, unsigned long *sp)
{
	if (!cmdline)
		start_execd(sp);
	long fsd = exos_fsd_spawn(); /* first: the server's copy of our memory must be as the kernel loaded it */
	unsigned long block[BLOCK_WORDS];
	uint64_t random16[2];
	uint64_t seed = rdtsc() ^ ((uint64_t)EXO_ENV_INFO->id << 32);

	random16[0] = mix64(seed);
	random16[1] = mix64(random16[0] ^ rdtsc());
	char **argv = (char **)&block[1];
	int argc = exo_split_cmdline(cmdline, argv, MAX_ARGS); /* argv[argc] = NULL */
	block[0] = (unsigned long)argc;
	block[1 + argc + 1] = 0; /* envp: empty */
	fill_auxv(&block[1 + argc + 2], random16, argc ? argv[0] : "");

	long r = core_init();
	if (r == 0)
		r = exos_proc_init(program_name(argc ? argv[0] : ""));
	if (r == 0) {
		exos_proc_set_cmdline(argc, argv);
		if (fsd == 0)
			exos_proc_register();
	}
	if (r == 0 && fsd < 0) {
		static const char msg[] = "exos: the file server did not start: file calls will fail with EIO\n";
		sys_cputs(msg, sizeof(msg) - 1);
	}
	if (r < 0)
		start_failed();
	exos_console_init();
	exos_prologue_init();
	__libc_start_main(main, argc, argv, _init, _fini, 0);
	__builtin_unreachable();
}

/* The file server's start (fsd.c starts its environment here): a program named "fsd" with no arguments. */
int exos_fsd_main(int argc, char **argv, char **envp);
__attribute__((noreturn)) void exos_fsd_entry(void);
void exos_fsd_entry(void)
{
	static char name[] = "fsd";
	unsigned long block[BLOCK_WORDS];
	uint64_t random16[2];
	random16[0] = mix64(rdtsc());
	random16[1] = mix64(random16[0]);
	char **argv = (char **)&block[1];
	block[0] = 1;
	argv[0] = name;
	argv[1] = NULL;
	block[3] = 0; /* envp: empty */
	fill_auxv(&block[4], random16, name);
	if (core_init() < 0)
		start_failed();
	__libc_start_main(exos_fsd_main, 1, argv, _init, _fini, 0);
	__builtin_unreachable();
}
