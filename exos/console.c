/*
 * ExOS's console (console.h): the terminal. Output goes through the kernel's
 * cputs, input comes from cgetc through a line discipline with Linux's
 * termios: canonical mode (echo, erase, kill, word erase, reprint, literal
 * next, end of file), non-canonical mode (VMIN and VTIME), ISIG (the
 * interrupt, quit and suspend characters signal the foreground process
 * group), ICRNL, INLCR and IGNCR on input; output is always OPOST|ONLCR (the
 * kernel's console adds the carriage return).
 *
 * One terminal, shared by every process of the console: its state
 * (termios, foreground group, window size, typed input) lives in one page
 * at TTY_VA, made by the first process that needs it, shared by fork and
 * kept across execve; the lock word in it protects all of it.
 *
 * Input is taken from the kernel lazily, only as far as a consumer needs:
 * a reader until its read can be satisfied, poll until it would not wait,
 * a parent waiting in wait4 for a child of the foreground group, which
 * stands in for the job that does not read so that its signal characters
 * reach it, and a process of the foreground group that computes without
 * system calls (its prologue: exos_console_watch_busy), which may be the only
 * one left to see them (a shell's builtin loop). Such a watcher, after a
 * signal character, leaves the rest of the input alone for TTY_HOLD_NS so
 * the signal can take effect first: what follows was typed for whoever comes
 * next.
 *
 * Signals for the foreground group go through the page as well: a ring of
 * the last TTY_SIGS (group, signal) pairs and a count; every process looks
 * at it on its way out of system calls (signal.h) and takes those for its
 * group, whether or not it is kin to the process that posted them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <exos/api.h>
#include "exos.h"
#include "console.h"
#include "proc.h"
#include "signal.h"
#include "vm.h"

#define TTY_VA (EXOS_PROCTAB_VA + 0x600000UL)
#define TTY_SIGS 8
#define RQ_SIZE 1024 /* entries of the read queue */
#define LINE_CAP 512 /* a canonical line, its newline included */
#define RQ_EOF 0x100 /* an entry that is an empty record: end of file */
#define RQ_END 0x200 /* flag: a record (a line) ends with this byte */
#define TTY_HOLD_NS (300 * 1000000ULL)

/* The kernel's struct termios (TCGETS and TCSETS move these 36 bytes; musl's is longer). */
struct ktermios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[19];
};

struct tty {
	volatile uint32_t lock; /* the environment holding it, 0 if none */
	uint32_t fg;            /* the foreground process group */
	uint32_t sid;           /* the session of the process that made the terminal */
	struct ktermios tio;
	struct winsize ws;
	uint64_t hold_until_ns; /* watchers take no input before this */
	volatile uint32_t sig_seq;
	struct {
		uint32_t pgrp, sig;
	} sigs[TTY_SIGS];          /* signal number n is at sigs[n % TTY_SIGS] */
	uint32_t rq_head, rq_tail; /* entries [rq_tail, rq_head) modulo RQ_SIZE are ready to read */
	uint32_t rq_records;       /* entries with RQ_END or RQ_EOF among them */
	uint16_t rq[RQ_SIZE];
	uint32_t line_len; /* the canonical line being typed */
	uint8_t line[LINE_CAP];
	uint8_t lnext; /* the next byte is taken literally (VLNEXT) */
};
_Static_assert(sizeof(struct tty) <= 4096, "the terminal fits its page");

static struct tty *tty_page;
volatile uint32_t *exos_tty_sig_seq;
uint32_t exos_tty_sig_seen;

static uint32_t my_id(void) { return EXO_ENV_INFO->id; }
/* Is this environment an ExOS process? (one exo_spawn made runs our code without a process entry) */
static int a_process(void) { return exos_inbox_env == my_id(); }
/* Our process group and session; 0 outside a process, which the terminal treats as in the foreground. */
static uint32_t my_pgid(void) { return a_process() ? (uint32_t)exos_getpgid(0) : 0; }
static uint32_t my_sid(void) { return a_process() ? (uint32_t)exos_getsid(0) : 0; }

static void tty_defaults(struct tty *t)
{
	static const uint8_t cc[19] = {
		[VINTR] = 3,       [VQUIT] = 0x1c,   [VERASE] = 0x7f, [VKILL] = 0x15, [VEOF] = 4,
		[VMIN] = 1,        [VSTART] = 0x11,  [VSTOP] = 0x13,  [VSUSP] = 0x1a, [VREPRINT] = 0x12,
		[VDISCARD] = 0x0f, [VWERASE] = 0x17, [VLNEXT] = 0x16};
	t->tio = (struct ktermios){.iflag = ICRNL,
				   .oflag = OPOST | ONLCR,
				   .cflag = B38400 | CS8 | CREAD | HUPCL,
				   .lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN};
	memcpy(t->tio.cc, cc, sizeof(cc));
	t->ws = (struct winsize){.ws_row = 24, .ws_col = 80};
	t->fg = my_pgid();
	t->sid = my_sid();
}

/* Note the page, and look at its signals from number seen on. */
static struct tty *tty_adopt(uint32_t seen)
{
	tty_page = (struct tty *)TTY_VA;
	exos_tty_sig_seen = seen;
	exos_tty_sig_seq = &tty_page->sig_seq;
	return tty_page;
}

static int tty_bound(void)
{
	long bits = sys_binding_bits(EXO_CAP_SELF, TTY_VA, 0);
	return bits > 0 && (bits & EXO_BIND_PRESENT);
}

void exos_console_attach(uint32_t seen)
{
	if (!tty_page && tty_bound())
		tty_adopt(seen);
}


/*
 * The terminal, made now if no process of the console has made it yet; NULL
 * without memory, or in an environment exo_spawn made (it runs our code with
 * a copy of our data but not the terminal's page: a plain console for it).
 */
static struct tty *tty(void)
{
	if (!a_process())
		return NULL;
	if (tty_page)
		return tty_page;
	if (tty_bound()) /* made by a process we do not descend from since it was made (rare): from now on */
		return tty_adopt(__atomic_load_n(&((struct tty *)TTY_VA)->sig_seq, __ATOMIC_ACQUIRE));
	if (exos_vm_map_keep_at(TTY_VA, 4096) < 0)
		return NULL;
	tty_defaults((struct tty *)TTY_VA);
	return tty_adopt(0);
}

void exos_console_init(void) { tty(); }

/* The lock; a holder that ended without letting go (killed) loses it. */
static void tty_lock(struct tty *t)
{
	uint32_t me = my_id();
	for (;;) {
		uint32_t holder = 0;
		if (__atomic_compare_exchange_n(&t->lock, &holder, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		if (sys_yield_to(holder) == -EXO_ENOENT)
			__atomic_compare_exchange_n(&t->lock, &holder, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

static void tty_unlock(struct tty *t) { __atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE); }

/* ---- output ---- */

static long cputs_all(const char *buf, unsigned long len)
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
 * A process outside the foreground group uses the terminal: with sig's
 * action ignored or blocked, 0 (go on) for SIGTTOU and -EIO for SIGTTIN;
 * otherwise sig goes to the caller's group and 1 says: deliver it (the
 * process stops), then try again.
 */
static long background(struct tty *t, int sig)
{
	uint32_t pg = my_pgid();
	if (!t->fg || !pg || pg == t->fg)
		return 0;
	if (exos_signal_ignored_or_blocked(sig))
		return sig == SIGTTIN ? -EIO : 0;
	exos_kill(0, sig);
	return 1;
}

/* Wait for a background process's SIGTTIN/SIGTTOU to take effect: 0 to try again, or -EINTR. */
static long background_wait(void)
{
	long r = exos_signal_wait_point(1);
	if (r < 0)
		return r;
	sys_yield();
	return 0;
}

long exos_console_write(const char *buf, unsigned long len)
{
	struct tty *t = a_process() ? tty_page : NULL;
	while (t && (t->tio.lflag & TOSTOP)) {
		long b = background(t, SIGTTOU);
		if (b <= 0)
			break;
		if (background_wait() < 0)
			return -EINTR;
	}
	return cputs_all(buf, len);
}

/* ---- echo ---- */

static void echo(const struct tty *t, const char *s, unsigned long n)
{
	if (t->tio.lflag & ECHO)
		cputs_all(s, n);
}

/* Is c shown as ^X when echoed? */
static int shown_as_ctl(const struct tty *t, uint8_t c)
{
	return (t->tio.lflag & ECHOCTL) && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n';
}

static void echo_char(const struct tty *t, uint8_t c)
{
	if (c == '\n' && (t->tio.lflag & ECHONL) && !(t->tio.lflag & ECHO)) {
		cputs_all("\n", 1);
		return;
	}
	if (shown_as_ctl(t, c)) {
		char s[2] = {'^', (char)(c == 0x7f ? '?' : c + 0x40)};
		echo(t, s, 2);
		return;
	}
	echo(t, (const char *)&c, 1);
}

/* ---- the read queue ---- */

static uint32_t rq_used(const struct tty *t) { return t->rq_head - t->rq_tail; }

static int rq_push(struct tty *t, uint16_t v)
{
	if (rq_used(t) >= RQ_SIZE)
		return -1;
	t->rq[t->rq_head++ % RQ_SIZE] = v;
	if (v & (RQ_END | RQ_EOF))
		t->rq_records++;
	return 0;
}

static uint16_t rq_pop(struct tty *t)
{
	uint16_t v = t->rq[t->rq_tail++ % RQ_SIZE];
	if (v & (RQ_END | RQ_EOF))
		t->rq_records--;
	return v;
}

/* Bytes ready to read (end-of-file marks are not bytes). */
static uint32_t rq_bytes(const struct tty *t)
{
	uint32_t n = 0;
	for (uint32_t i = t->rq_tail; i != t->rq_head; i++)
		n += !(t->rq[i % RQ_SIZE] & RQ_EOF);
	return n;
}

static void flush_input(struct tty *t)
{
	t->rq_tail = t->rq_head;
	t->rq_records = 0;
	t->line_len = 0;
	t->lnext = 0;
}

/* The canonical line becomes a record to read (end: it ends one; else its bytes just join the queue). */
static void line_to_queue(struct tty *t, int end)
{
	if (RQ_SIZE - rq_used(t) < t->line_len) {
		t->line_len = 0; /* no room: the line is lost (Linux would stop taking input) */
		return;
	}
	for (uint32_t i = 0; i < t->line_len; i++)
		rq_push(t, (uint16_t)(t->line[i] | (end && i + 1 == t->line_len ? RQ_END : 0)));
	t->line_len = 0;
}

/* ---- input processing ---- */

/* The foreground group gets sig from the terminal. */
static void post_signal(struct tty *t, int sig)
{
	if (!t->fg)
		return;
	uint32_t n = t->sig_seq;
	t->sigs[n % TTY_SIGS].pgrp = t->fg;
	t->sigs[n % TTY_SIGS].sig = (uint32_t)sig;
	__atomic_store_n(&t->sig_seq, n + 1, __ATOMIC_RELEASE);
}

/* Erase the last character of the canonical line from it and, with ECHOE, from the screen. */
static void erase_one(struct tty *t)
{
	if (!t->line_len)
		return;
	uint8_t c = t->line[--t->line_len];
	if (!(t->tio.lflag & ECHOE)) {
		echo_char(t, t->tio.cc[VERASE]);
		return;
	}
	for (int w = shown_as_ctl(t, c) ? 2 : 1; w > 0; w--)
		echo(t, "\b \b", 3);
}

static void erase_word(struct tty *t)
{
	while (t->line_len && (t->line[t->line_len - 1] == ' ' || t->line[t->line_len - 1] == '\t'))
		erase_one(t);
	while (t->line_len && t->line[t->line_len - 1] != ' ' && t->line[t->line_len - 1] != '\t')
		erase_one(t);
}

static void kill_line(struct tty *t)
{
	if ((t->tio.lflag & ECHOKE) && (t->tio.lflag & ECHOE)) {
		while (t->line_len)
			erase_one(t);
		return;
	}
	echo_char(t, t->tio.cc[VKILL]);
	if (t->tio.lflag & ECHOK)
		echo(t, "\n", 1);
	t->line_len = 0;
}

/* Is c the enabled special character cc[i]? (0 is _POSIX_VDISABLE) */
static int is_cc(const struct tty *t, uint8_t c, int i) { return t->tio.cc[i] && c == t->tio.cc[i]; }

/* An editing character of canonical mode: handled (1) or not one (0). */
static int canon_edit(struct tty *t, uint8_t c)
{
	int ext = (t->tio.lflag & IEXTEN) != 0;
	if (is_cc(t, c, VERASE))
		erase_one(t);
	else if (is_cc(t, c, VKILL))
		kill_line(t);
	else if (ext && is_cc(t, c, VWERASE))
		erase_word(t);
	else if (ext && is_cc(t, c, VLNEXT)) {
		t->lnext = 1;
		echo(t, "^\b", 2);
	} else if (ext && is_cc(t, c, VREPRINT)) {
		echo_char(t, c);
		echo(t, "\n", 1);
		echo(t, (const char *)t->line, t->line_len);
	} else
		return 0;
	return 1;
}

/* A byte typed in canonical mode (literal: no special meaning). */
static void canon_byte(struct tty *t, uint8_t c, int literal)
{
	if (!literal && canon_edit(t, c))
		return;
	if (!literal && is_cc(t, c, VEOF)) {
		if (t->line_len)
			line_to_queue(t, 1);
		else
			rq_push(t, RQ_EOF);
		return;
	}
	int ends = !literal && (c == '\n' || is_cc(t, c, VEOL) || is_cc(t, c, VEOL2));
	if (t->line_len >= LINE_CAP - 1 && !ends)
		return; /* the line is full: only its end is taken */
	t->line[t->line_len++] = c;
	echo_char(t, c);
	if (ends)
		line_to_queue(t, 1);
}

/* The signal a typed byte stands for under ISIG, or 0. */
static int signal_char(const struct tty *t, uint8_t c)
{
	if (!(t->tio.lflag & ISIG))
		return 0;
	return is_cc(t, c, VINTR) ? SIGINT : is_cc(t, c, VQUIT) ? SIGQUIT : is_cc(t, c, VSUSP) ? SIGTSTP : 0;
}

/* One byte from the typist, through the line discipline. 1 if it was a signal character. */
static int input_byte(struct tty *t, uint8_t c)
{
	int literal = t->lnext;
	t->lnext = 0;
	if (t->tio.iflag & ISTRIP)
		c &= 0x7f;
	if (!literal && c == '\r' && (t->tio.iflag & IGNCR))
		return 0;
	if (!literal && c == '\r' && (t->tio.iflag & ICRNL))
		c = '\n';
	else if (!literal && c == '\n' && (t->tio.iflag & INLCR))
		c = '\r';
	int sig = literal ? 0 : signal_char(t, c);
	if (sig) {
		if (!(t->tio.lflag & NOFLSH))
			flush_input(t);
		echo_char(t, c);
		post_signal(t, sig);
		return 1;
	}
	if (t->tio.lflag & ICANON) {
		canon_byte(t, c, literal);
	} else if (rq_push(t, c) == 0) {
		echo_char(t, c);
	}
	return 0;
}

/* What a consumer needs before it stops taking input. */
enum need { NEED_RECORD, NEED_BYTES, NEED_ALL };

static int satisfied(const struct tty *t, enum need need, uint32_t n)
{
	switch (need) {
	case NEED_RECORD:
		return t->rq_records > 0;
	case NEED_BYTES:
		return rq_bytes(t) >= n;
	default:
		return 0;
	}
}

/*
 * Take bytes from the kernel (lock held) until need is met, no byte waits,
 * or (with stop_at_signal) a signal character was taken. 1 if one was.
 */
static int pump(struct tty *t, enum need need, uint32_t n, int stop_at_signal)
{
	while (!satisfied(t, need, n)) {
		long c = sys_cgetc();
		if (c < 0)
			return 0;
		if (input_byte(t, (uint8_t)c) && stop_at_signal)
			return 1;
	}
	return 0;
}

/* ---- reading ---- */

/* Canonical: one record, or what fits of it (lock held). -EAGAIN if none is complete. */
static long take_record(struct tty *t, char *buf, unsigned long len)
{
	if (!t->rq_records)
		return -EAGAIN;
	unsigned long n = 0;
	while (n < len && rq_used(t)) {
		uint16_t v = t->rq[t->rq_tail % RQ_SIZE];
		if ((v & RQ_EOF) && n)
			break; /* the end of file is the next read's */
		rq_pop(t);
		if (v & RQ_EOF)
			return 0;
		buf[n++] = (char)(v & 0xff);
		if (v & RQ_END)
			break;
	}
	return (long)n;
}

/* Non-canonical: up to len bytes (lock held). */
static unsigned long take_bytes(struct tty *t, char *buf, unsigned long len)
{
	unsigned long n = 0;
	while (n < len && rq_used(t)) {
		uint16_t v = rq_pop(t);
		if (!(v & RQ_EOF))
			buf[n++] = (char)(v & 0xff);
	}
	return n;
}

/*
 * A non-canonical read's progress: VMIN and VTIME (tenths of a second).
 * MIN > 0, TIME 0: wait for min(MIN, len) bytes. MIN 0, TIME > 0: wait up to
 * TIME for a byte. Both: wait for a first byte, then for MIN bytes while
 * no gap between bytes exceeds TIME. Both 0: what is there.
 */
struct raw_wait {
	uint64_t deadline; /* 0: none */
	uint32_t seen;     /* bytes there at the last look */
};

/* Should a non-canonical read return now, with avail bytes there? (updates w) */
static int raw_done(const struct tty *t, struct raw_wait *w, uint32_t avail, unsigned long len)
{
	uint32_t min = t->tio.cc[VMIN], time = t->tio.cc[VTIME];
	uint64_t now = exos_now_ns();
	if (avail >= len || (min && avail >= min) || (!min && !time) || (!min && avail))
		return 1;
	if (time && (min ? avail > w->seen : !w->deadline))
		w->deadline = now + (uint64_t)time * 100000000ULL; /* MIN > 0: the gap timer starts at each byte */
	w->seen = avail;
	return w->deadline && now >= w->deadline;
}

/* One attempt at a read (lock held): bytes, 0 for end of file, or -EAGAIN to wait. */
static long read_some(struct tty *t, char *buf, unsigned long len, struct raw_wait *w)
{
	if (t->tio.lflag & ICANON) {
		pump(t, NEED_RECORD, 0, 0);
		return take_record(t, buf, len);
	}
	pump(t, NEED_BYTES, len < RQ_SIZE ? (uint32_t)len : RQ_SIZE, 0);
	if (!raw_done(t, w, rq_bytes(t), len))
		return -EAGAIN;
	return (long)take_bytes(t, buf, len);
}

/* Without the terminal: one byte as typed, no line discipline. */
static long plain_read(char *buf)
{
	for (;;) {
		long c = sys_cgetc();
		if (c >= 0) {
			buf[0] = (char)c;
			return 1;
		}
		long r = exos_signal_wait_point(1);
		if (r < 0)
			return r;
		sys_yield();
	}
}

long exos_console_read(char *buf, unsigned long len)
{
	struct tty *t = tty();
	if (!t)
		return plain_read(buf);
	struct raw_wait w = {0, 0};
	for (;;) {
		long b = background(t, SIGTTIN);
		if (b < 0)
			return b;
		if (b > 0) {
			if (background_wait() < 0)
				return -EINTR;
			continue;
		}
		tty_lock(t);
		long r = read_some(t, buf, len, &w);
		tty_unlock(t);
		if (r != -EAGAIN)
			return r;
		r = exos_signal_wait_point(1);
		if (r < 0)
			return r;
		sys_yield();
	}
}

int exos_console_readable(void)
{
	struct tty *t = tty();
	if (!t)
		return 0;
	tty_lock(t);
	int canon = (t->tio.lflag & ICANON) != 0;
	uint32_t min = t->tio.cc[VMIN] && !t->tio.cc[VTIME] ? t->tio.cc[VMIN] : 1;
	pump(t, canon ? NEED_RECORD : NEED_BYTES, min, 0);
	int r = canon ? t->rq_records > 0 : rq_bytes(t) >= min;
	tty_unlock(t);
	return r;
}

/* ---- for wait4, and for signal delivery ---- */

uint32_t exos_console_foreground(void)
{
	struct tty *t = tty();
	return t ? t->fg : 0;
}

void exos_console_watch(void)
{
	struct tty *t = tty();
	if (!t || exos_now_ns() < t->hold_until_ns)
		return;
	tty_lock(t);
	if (pump(t, NEED_ALL, 0, 1))
		t->hold_until_ns = exos_now_ns() + TTY_HOLD_NS;
	tty_unlock(t);
}

void exos_console_watch_busy(void)
{
	struct tty *t = tty_page;
	if (t && a_process() && (t->tio.lflag & ISIG) && t->fg == my_pgid())
		exos_console_watch();
}

uint64_t exos_console_take_signals(void)
{
	struct tty *t = tty_page;
	if (!t || !a_process())
		return 0;
	uint32_t now = __atomic_load_n(&t->sig_seq, __ATOMIC_ACQUIRE), from = exos_tty_sig_seen;
	if (now == from)
		return 0;
	if (now - from > TTY_SIGS)
		from = now - TTY_SIGS; /* older ones were written over */
	uint32_t pg = my_pgid();
	uint64_t set = 0;
	for (uint32_t n = from; n != now; n++)
		if (t->sigs[n % TTY_SIGS].pgrp == pg && t->sigs[n % TTY_SIGS].sig - 1 < 64)
			set |= 1ULL << (t->sigs[n % TTY_SIGS].sig - 1);
	exos_tty_sig_seen = now;
	return set;
}

/* ---- ioctl ---- */

/* New settings (lock held): a partial line joins the queue when ICANON goes, the queue becomes a record when it comes. */
static void set_termios(struct tty *t, const struct ktermios *n)
{
	int was = (t->tio.lflag & ICANON) != 0, is = (n->lflag & ICANON) != 0;
	t->tio = *n;
	if (was && !is)
		line_to_queue(t, 0);
	if (!was && is && rq_used(t) && !(t->rq[(t->rq_head - 1) % RQ_SIZE] & (RQ_END | RQ_EOF))) {
		t->rq[(t->rq_head - 1) % RQ_SIZE] |= RQ_END;
		t->rq_records++;
	}
}

/* A request that changes the terminal: from a background process, SIGTTOU first (background()). */
static long may_change(struct tty *t)
{
	for (;;) {
		long b = background(t, SIGTTOU);
		if (b <= 0)
			return b;
		if (background_wait() < 0)
			return -EINTR;
	}
}

static long ioctl_termios(struct tty *t, unsigned long req, void *arg)
{
	if (req == TCGETS) {
		if (!exos_user_ok(arg, sizeof(struct ktermios), 1))
			return -EFAULT;
		memcpy(arg, &t->tio, sizeof(struct ktermios));
		return 0;
	}
	if (!exos_user_ok(arg, sizeof(struct ktermios), 0))
		return -EFAULT;
	long r = may_change(t);
	if (r < 0)
		return r;
	struct ktermios n;
	memcpy(&n, arg, sizeof(n));
	tty_lock(t);
	if (req == TCSETSF)
		flush_input(t);
	set_termios(t, &n);
	tty_unlock(t);
	return 0;
}

static long ioctl_winsize(struct tty *t, unsigned long req, void *arg)
{
	if (!exos_user_ok(arg, sizeof(struct winsize), req == TIOCGWINSZ))
		return -EFAULT;
	if (req == TIOCGWINSZ) {
		memcpy(arg, &t->ws, sizeof(t->ws));
		return 0;
	}
	struct winsize n;
	memcpy(&n, arg, sizeof(n));
	if (memcmp(&n, &t->ws, sizeof(n))) {
		t->ws = n;
		post_signal(t, SIGWINCH);
	}
	return 0;
}

static long ioctl_pgrp(struct tty *t, unsigned long req, int *arg)
{
	if (!exos_user_ok(arg, sizeof(int), req == TIOCGPGRP || req == TIOCGSID))
		return -EFAULT;
	if (req == TIOCGPGRP || req == TIOCGSID) {
		*arg = (int)(req == TIOCGPGRP ? t->fg : t->sid);
		return 0;
	}
	if (*arg <= 0)
		return -EINVAL;
	long r = may_change(t);
	if (r < 0)
		return r;
	t->fg = (uint32_t)*arg;
	return 0;
}

static long ioctl_queue(struct tty *t, unsigned long req, unsigned long arg)
{
	if (req == TCFLSH) {
		if (arg > TCIOFLUSH)
			return -EINVAL;
		tty_lock(t);
		if (arg != TCOFLUSH)
			flush_input(t);
		tty_unlock(t);
		return 0;
	}
	if (!exos_user_ok((void *)arg, sizeof(int), 1))
		return -EFAULT;
	tty_lock(t);
	if (req == FIONREAD)
		pump(t, NEED_ALL, 0, 0);                      /* what was typed, as far as it can be read */
	*(int *)arg = req == FIONREAD ? (int)rq_bytes(t) : 0; /* TIOCOUTQ: output is written at once */
	tty_unlock(t);
	return 0;
}

long exos_console_ioctl(unsigned long req, unsigned long arg)
{
	struct tty *t = tty();
	if (!t)
		return -ENOTTY; /* no terminal here (above, tty()) */
	switch (req) {
	case TCGETS:
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return ioctl_termios(t, req, (void *)arg);
	case TIOCGWINSZ:
	case TIOCSWINSZ:
		return ioctl_winsize(t, req, (void *)arg);
	case TIOCGPGRP:
	case TIOCSPGRP:
	case TIOCGSID:
		return ioctl_pgrp(t, req, (int *)arg);
	case FIONREAD:
	case TIOCOUTQ:
	case TCFLSH:
		return ioctl_queue(t, req, arg);
	case TIOCSCTTY:
	case TIOCNOTTY:
	case TCSBRK:
	case TCSBRKP:
	case TCXONC:
		return 0; /* one terminal, every process's; output is never held back */
	default:
		return -ENOTTY;
	}
}
