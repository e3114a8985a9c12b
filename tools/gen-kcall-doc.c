/*
 * Host tool: print docs/kernel-calls.md from inc/exo/kcalls.def, the one
 * place the kernel-call interface is written. `make test` checks that the
 * committed page matches.
 */
#include <stdio.h>
#define EXO_KERNEL /* no user stubs needed here */
#include <exo/kcall.h>

static const char *const error_names[] = {
#define NAME(value, name, text) [value] = #name " (" text ")",
	EXO_ERRORS(NAME)
#undef NAME
};

int main(void)
{
	printf("# exo kernel calls\n\n");
	printf("Generated from `inc/exo/kcalls.def` by `tools/gen-kcall-doc.c`; edit the table, not this page.\n\n");
	printf("A kernel call is a `syscall` instruction with `rax = EXO_KCALL_BASE | index`\n");
	printf("(`EXO_KCALL_BASE` = 0x%llx) and arguments in rdi, rsi, rdx, r10, r8, r9.\n", EXO_KCALL_BASE);
	printf("It returns a value >= 0 on success or a negated error code in rax, clobbers rcx and r11,\n");
	printf("and preserves every other register. Every argument is validated before any state changes.\n");
	printf("Any other `rax` is a foreign (for example Linux) system call, never an exo call.\n");
	printf("From C, include `<exo/kcall.h>` and call `sys_<name>(...)`.\n\n");
	printf("| index | call | summary | errors |\n|---|---|---|---|\n");
#define STR2(...) #__VA_ARGS__
#define STR(...) STR2(__VA_ARGS__)
#define EXO_KCALL(idx, name, nargs, sig, summary, errors) \
	printf("| %d | `long sys_" #name "(%s)` | %s | %s |\n", idx, \
	       STR(EXO_KC_APPLY(EXO_KC_PARAMS_##nargs, EXO_KC_EXPAND sig)), summary, errors);
#include <exo/kcalls.def>
#undef EXO_KCALL
	printf("\n## Error codes\n\n| value | name |\n|---|---|\n");
	for (unsigned i = 1; i < sizeof(error_names) / sizeof(error_names[0]); i++)
		printf("| -%u | %s |\n", i, error_names[i]);
	return 0;
}
