/* libexo: start-up, console output and test helpers; see inc/exo/lib.h. */
#include <exo/cmdline.h>
#include <exos/api.h>
#include <exo/fmt.h>
#include <exo/lib.h>

#define MAX_ARGS 16
#define OUTBUF 256

int main(int argc, char **argv);

static int failures;

struct outbuf {
	char buf[OUTBUF];
	size_t len;
};

static void flush(struct outbuf *o)
{
	if (o->len)
		sys_cputs(o->buf, o->len);
	o->len = 0;
}

static void out_putc(void *ctx, char c)
{
	struct outbuf *o = ctx;
	o->buf[o->len++] = c;
	if (o->len == OUTBUF)
		flush(o);
}

int vprintf(const char *fmt, va_list ap)
{
	struct outbuf o = {.len = 0};
	int n = fmt_vformat(out_putc, &o, fmt, ap);
	flush(&o);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s) { return printf("%s\n", s); }

void exit(int status)
{
	sys_exit(status);
	__builtin_unreachable();
}

void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	if (!ok)
		failures++;
}

int test_failures(void) { return failures; }

void test_finish(void)
{
	printf(failures ? "FAIL (%d checks failed)\n" : "PASS\n", failures);
	exit(failures ? 1 : 0);
}

/*
 * cmdline: the kernel's command line (the first environment), or NULL when
 * a library OS's execve started us with a Linux start-up block at sp
 * (argc, argv[], NULL, envp[], NULL, auxv): ExOS's execve runs libexo
 * programs too.
 */
void exo_start(char *cmdline, unsigned long *sp);
void exo_start(char *cmdline, unsigned long *sp)
{
	char *argv[MAX_ARGS + 1];
	if (!cmdline) {
		const struct exos_exec_handoff *h = exo_exec_handoff_find(); /* started by ExOS's execve */
		if (h)
			exo_exec_handoff_drop(h);
		exit(main((int)sp[0], (char **)&sp[1]));
	}
	int argc = exo_split_cmdline(cmdline, argv, MAX_ARGS);
	exit(main(argc, argv));
}
