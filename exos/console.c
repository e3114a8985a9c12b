/*
 * ExOS's console (console.h): output through the kernel's cputs, input
 * through cgetc, with a line discipline between the typist and readers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <exos/api.h>
#include "exos.h"
#include "console.h"
#include "proc.h"
#include "signal.h"
#include "vm.h"

static int console_pushback = -1; /* a console byte poll took, for the next read */
static void echo_str(const char *s);

long exos_console_write(const char *buf, unsigned long len)
{
	unsigned long done = 0;
	while (done < len) {
		unsigned long n = len - done < EXO_CPUTS_MAX ? len - done : EXO_CPUTS_MAX;
		long r = sys_cputs(buf + done, n);
		if (r < 0)
			return done ? (long)done : exos_errno(r);
		done += n;
	}
	return (long)done;
}

/*
 * Typed-ahead input shared by every process of the console (a page made by
 * the first that needs it, shared by fork and kept across execve, at a fixed
 * address): a process that waits for a child (wait4) takes the kernel's
 * console input into it, so that Ctrl-C reaches the foreground job (SIGINT to
 * the process group) while no one reads, and the rest is read later by
 * whoever reads the console.
 */
#define TYPEAHEAD_VA (EXOS_PROCTAB_VA + 0x600000UL)
struct typeahead {
	volatile uint32_t lock;
	volatile uint32_t head, tail; /* bytes [tail, head) modulo the buffer are waiting */
	unsigned char buf[4000];
};
static struct typeahead *ta;

static struct typeahead *typeahead(void)
{
	if (ta)
		return ta;
	long bits = sys_binding_bits(EXO_CAP_SELF, TYPEAHEAD_VA, 0);
	if ((bits > 0 && (bits & EXO_BIND_PRESENT)) || exos_vm_map_keep_at(TYPEAHEAD_VA, 4096) >= 0)
		ta = (struct typeahead *)TYPEAHEAD_VA;
	return ta;
}

static void ta_lock(struct typeahead *t)
{
	while (__atomic_exchange_n(&t->lock, 1, __ATOMIC_ACQUIRE))
		sys_yield();
}

static void ta_unlock(struct typeahead *t) { __atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE); }

static long typeahead_pop(void)
{
	struct typeahead *t = typeahead();
	long c = -EXO_EAGAIN;
	if (!t || t->head == t->tail)
		return c;
	ta_lock(t);
	if (t->head != t->tail) {
		c = t->buf[t->tail % sizeof(t->buf)];
		t->tail++;
	}
	ta_unlock(t);
	return c;
}

void exos_console_watch(void)
{
	struct typeahead *t = typeahead();
	long c;
	while (t && (c = sys_cgetc()) >= 0) {
		if (c == 0x03) { /* Ctrl-C: the foreground job is interrupted, the line typed so far is gone */
			echo_str("^C\r\n");
			exos_kill(0, SIGINT);
			continue;
		}
		ta_lock(t);
		if (t->head - t->tail < sizeof(t->buf))
			t->buf[t->head++ % sizeof(t->buf)] = (unsigned char)c;
		ta_unlock(t);
	}
}

/* One byte of input if there is one: the pushed-back byte first, then what was typed ahead, then the kernel's. */
static long console_getc(void)
{
	if (console_pushback >= 0) {
		long c = console_pushback;
		console_pushback = -1;
		return c;
	}
	long c = typeahead_pop();
	return c >= 0 ? c : sys_cgetc();
}

/*
 * The console's line discipline (canonical mode; a first cut of issue 7's
 * terminal): typed characters are echoed and gathered into a line; Enter
 * (CR or LF) ends it, Backspace/Delete erases a character, Ctrl-U the line,
 * Ctrl-D at the start of a line is end of file (else it hands over the line
 * so far), Ctrl-C discards the line and sends SIGINT to the process group. A
 * read returns what it can of the current line. Each process has its own
 * line being typed; there is no raw mode yet.
 */
#define LINE_MAX_ 256
static char line[LINE_MAX_];
static unsigned line_len, line_given; /* [line_given, line_len) is ready to be read once line_done */
static int line_done;

static void echo(const char *s, unsigned long n) { exos_console_write(s, n); }

/* Take one typed character into the line. 1 when the line is ready, -1 for end of file, 0 otherwise. */
static int discipline(long c)
{
	switch (c) {
	case '\r':
	case '\n':
		line[line_len++] = '\n';
		echo("\r\n", 2);
		return 1;
	case 0x7f:
	case 0x08:
		if (line_len > 0) {
			line_len--;
			echo("\b \b", 3);
		}
		return 0;
	case 0x15: /* Ctrl-U */
		while (line_len > 0) {
			line_len--;
			echo("\b \b", 3);
		}
		return 0;
	case 0x04: /* Ctrl-D */
		return line_len == 0 ? -1 : 1;
	case 0x03: /* Ctrl-C */
		echo("^C\r\n", 4);
		line_len = 0;
		exos_kill(0, SIGINT);
		return 0;
	default:
		if (line_len < LINE_MAX_ - 1 && (c >= 0x20 || c == '\t')) {
			char ch = (char)c;
			line[line_len++] = ch;
			echo(&ch, 1);
		}
		return 0;
	}
}

long exos_console_read(char *buf, unsigned long len)
{
	while (!line_done) {
		long c = console_getc();
		if (c == -EXO_EAGAIN) {
			long r = exos_signal_wait_point(1);
			if (r < 0)
				return r;
			sys_yield();
			continue;
		}
		int d = discipline(c);
		if (d < 0)
			return 0; /* end of file */
		if (d > 0) {
			line_done = 1;
			line_given = 0;
		}
	}
	unsigned long n = line_len - line_given < len ? line_len - line_given : len;
	memcpy(buf, line + line_given, n);
	line_given += (unsigned)n;
	if (line_given == line_len)
		line_done = 0, line_len = line_given = 0;
	return (long)n;
}

int exos_console_readable(void)
{
	if (line_done || console_pushback >= 0)
		return 1;
	long c = console_getc();
	if (c < 0)
		return 0;
	console_pushback = (int)c;
	return 1;
}

static void echo_str(const char *s) { exos_console_write(s, strlen(s)); }

long exos_console_ioctl(unsigned long req, unsigned long arg)
{
	(void)req;
	(void)arg;
	return -ENOTTY; /* no termios yet */
}
