/*
 * The terminal through the Linux interface (tests/qemu.list types this
 * test's input): isatty and the default termios; TCGETS/TCSETS round trip;
 * canonical reads with erase, kill, ICRNL and Ctrl-D; raw reads of single
 * bytes without echo and VMIN; ISIG (Ctrl-C, Ctrl-\, Ctrl-Z to the
 * foreground group); window size and SIGWINCH; the foreground group, and a
 * child in a background group that reads (SIGTTIN stops it, SIGCONT, wait
 * with WUNTRACED, then it reads once in the foreground); SIGSTOP, SIGCONT
 * and SIGTERM to a stopped child, with WUNTRACED and WCONTINUED;
 * VMIN/VTIME with nothing typed; FIONREAD; ENOTTY on a pipe and /dev/null,
 * EBADF, EFAULT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "expect.h"

static volatile int got_int, got_quit, got_tstp, got_winch;
static void on_signal(int sig)
{
	if (sig == SIGINT)
		got_int++;
	else if (sig == SIGQUIT)
		got_quit++;
	else if (sig == SIGTSTP)
		got_tstp++;
	else if (sig == SIGWINCH)
		got_winch++;
}

static struct termios saved;

/* One read of fd 0, retried when a signal interrupted it; the bytes, NUL-terminated. */
static long read_str(char *buf, size_t len)
{
	long n;
	while ((n = read(0, buf, len - 1)) < 0 && errno == EINTR)
		;
	buf[n > 0 ? n : 0] = 0;
	return n;
}

static void set_raw(int vmin, int vtime)
{
	struct termios t = saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = (cc_t)vmin;
	t.c_cc[VTIME] = (cc_t)vtime;
	expect(tcsetattr(0, TCSANOW, &t) == 0, "tcsetattr raw");
}

static void test_defaults(void)
{
	expect(isatty(0) && isatty(1) && isatty(2), "fds 0-2 are a terminal");
	expect(tcgetattr(0, &saved) == 0, "tcgetattr");
	expect((saved.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG), "default: ICANON ECHO ISIG");
	expect((saved.c_iflag & ICRNL) && (saved.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR),
	       "default: ICRNL OPOST ONLCR");
	expect(saved.c_cc[VINTR] == 3 && saved.c_cc[VEOF] == 4 && saved.c_cc[VERASE] == 0x7f && saved.c_cc[VMIN] == 1,
	       "default special characters");
	struct termios t = saved, back;
	t.c_cc[VKILL] = 0x0b;
	t.c_lflag &= ~(tcflag_t)ECHOCTL;
	expect(ioctl(0, TCSETS, &t) == 0 && ioctl(0, TCGETS, &back) == 0, "TCSETS, TCGETS");
	expect(back.c_cc[VKILL] == 0x0b && !(back.c_lflag & ECHOCTL) && back.c_iflag == t.c_iflag, "round trip");
	expect(tcsetattr(0, TCSAFLUSH, &saved) == 0 && tcgetattr(0, &back) == 0 && back.c_cc[VKILL] == 0x15,
	       "TCSETSF restores");
}

static void test_canonical(void)
{
	char b[64];
	expect(read_str(b, sizeof b) == 6 && !strcmp(b, "hello\n"), "erase: hellx<DEL>o");
	expect(read_str(b, sizeof b) == 5 && !strcmp(b, "line\n"), "kill: junk^Uline<CR> (ICRNL)");
	expect(read_str(b, sizeof b) == 2 && !strcmp(b, "ab"), "Ctrl-D hands over a partial line");
	expect(read_str(b, sizeof b) == 0, "Ctrl-D at the start of a line: end of file");
	expect(read_str(b, 4) == 3 && !strcmp(b, "sma") && read_str(b, sizeof b) == 3 && !strcmp(b, "ll\n"),
	       "a line read in two pieces");
}

static void test_raw(void)
{
	char b[16];
	set_raw(1, 0);
	expect(read(0, b, 1) == 1 && b[0] == 'Q', "raw: one byte");
	expect(read(0, b, 1) == 1 && b[0] == '7', "raw: the next byte");
	set_raw(3, 0);
	expect(read(0, b, 2) == 2 && !memcmp(b, "xy", 2), "VMIN 3, read of 2: 2 bytes");
	expect(read(0, b, 3) == 3 && !memcmp(b, "zw\n", 3), "VMIN 3: 3 bytes (LF stays LF)");
	expect(tcsetattr(0, TCSANOW, &saved) == 0, "back to canonical");
}

static void test_isig(void)
{
	char b[64];
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
	expect(read_str(b, sizeof b) == 5 && !strcmp(b, "rest\n") && got_int == 1, "Ctrl-C: SIGINT");
	expect(read_str(b, sizeof b) == 5 && !strcmp(b, "quit\n") && got_quit == 1, "Ctrl-\\: SIGQUIT");
	expect(read_str(b, sizeof b) == 5 && !strcmp(b, "more\n") && got_tstp == 1, "Ctrl-Z: SIGTSTP");
	struct termios t = saved;
	t.c_lflag &= ~(tcflag_t)ISIG;
	tcsetattr(0, TCSANOW, &t);
	expect(read_str(b, sizeof b) == 3 && b[0] == 3 && !strcmp(b + 1, "x\n") && got_int == 1,
	       "no ISIG: ^C is a byte");
	tcsetattr(0, TCSANOW, &saved);
}

static void test_winsize(void)
{
	struct winsize w;
	expect(ioctl(1, TIOCGWINSZ, &w) == 0 && w.ws_row == 24 && w.ws_col == 80, "TIOCGWINSZ: 80x24");
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGWINCH, &sa, NULL);
	struct winsize n = {.ws_row = 30, .ws_col = 100};
	expect(ioctl(1, TIOCSWINSZ, &n) == 0 && ioctl(0, TIOCGWINSZ, &w) == 0 && w.ws_col == 100 && w.ws_row == 30,
	       "TIOCSWINSZ");
	getpid(); /* a call's way out delivers */
	expect(got_winch == 1, "SIGWINCH to the foreground group");
	n = (struct winsize){.ws_row = 24, .ws_col = 80};
	ioctl(1, TIOCSWINSZ, &n);
}

/* The child: in a group of its own, it reads a line; its exit status is the line's first byte. */
static void background_reader(void)
{
	char b[16];
	setpgid(0, 0);
	long n = read_str(b, sizeof b);
	_exit(n > 0 ? b[0] : 99);
}

static void test_job_control(void)
{
	expect(tcgetpgrp(0) == getpgrp(), "TIOCGPGRP: our group is the foreground");
	pid_t sid = -1;
	expect(ioctl(0, TIOCGSID, &sid) == 0 && sid == getsid(0), "TIOCGSID");
	signal(SIGTTOU, SIG_IGN); /* as a shell does: it sets the foreground while in the background */
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0)
		background_reader();
	setpgid(kid, kid);
	int st = 0;
	expect(waitpid(kid, &st, WUNTRACED) == kid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN,
	       "a background reader stops with SIGTTIN");
	expect(waitpid(kid, &st, WNOHANG | WUNTRACED) == 0, "a stop is reported once");
	expect(tcsetpgrp(0, kid) == 0 && tcgetpgrp(0) == kid, "TIOCSPGRP");
	expect(kill(kid, SIGCONT) == 0, "SIGCONT");
	expect(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 'k', "in the foreground it reads");
	expect(tcsetpgrp(0, getpgrp()) == 0, "the foreground back (SIGTTOU ignored)");
	signal(SIGTTIN, SIG_IGN);
	expect(tcsetpgrp(0, getpgrp() + 1000) == 0, "another foreground group");
	char b[4];
	expect(read(0, b, 1) == -1 && errno == EIO, "background read with SIGTTIN ignored: EIO");
	expect(tcsetpgrp(0, getpgrp()) == 0, "foreground again");
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
	expect(ioctl(0, TIOCSPGRP, &(int){-5}) == -1 && errno == EINVAL, "TIOCSPGRP: EINVAL");
}

/* SIGSTOP and SIGCONT to a child that waits for signals; wait4 reports each change once. */
static void test_stop_continue(void)
{
	signal(SIGTSTP, SIG_DFL); /* test_isig handled it */
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		for (;;)
			pause();
	}
	int st = 0;
	expect(kill(kid, SIGSTOP) == 0 && waitpid(kid, &st, WUNTRACED) == kid && WIFSTOPPED(st) &&
		       WSTOPSIG(st) == SIGSTOP,
	       "SIGSTOP stops, WUNTRACED reports it");
	expect(kill(kid, SIGCONT) == 0 && waitpid(kid, &st, WCONTINUED) == kid && WIFCONTINUED(st),
	       "SIGCONT continues, WCONTINUED reports it");
	expect(waitpid(kid, &st, WNOHANG | WUNTRACED | WCONTINUED) == 0, "each change is reported once");
	expect(kill(kid, SIGTSTP) == 0 && waitpid(kid, &st, WUNTRACED) == kid && WSTOPSIG(st) == SIGTSTP,
	       "SIGTSTP stops");
	expect(kill(kid, SIGTERM) == 0 && waitpid(kid, &st, 0) == kid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
	       "SIGTERM ends a stopped process");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* With every typed byte read: VMIN 0 returns at once or after VTIME. */
static void test_nothing_typed(void)
{
	char b[16];
	int n = -1;
	expect(ioctl(0, FIONREAD, &n) == 0 && n == 4, "FIONREAD: a line of 4");
	expect(read_str(b, sizeof b) == 4 && !strcmp(b, "end\n"), "the last line");
	expect(ioctl(0, FIONREAD, &n) == 0 && n == 0, "FIONREAD: nothing");
	set_raw(0, 0);
	expect(read(0, b, sizeof b) == 0, "VMIN 0 VTIME 0: 0 at once");
	set_raw(0, 3);
	double t0 = now_s();
	expect(read(0, b, sizeof b) == 0 && now_s() - t0 >= 0.25, "VMIN 0 VTIME 3: 0 after 0.3 s");
	tcsetattr(0, TCSANOW, &saved);
}

static void test_errors(void)
{
	int p[2];
	struct termios t;
	struct winsize w;
	expect(pipe(p) == 0, "pipe");
	expect(!isatty(p[0]) && errno == ENOTTY, "a pipe is not a terminal");
	expect(ioctl(p[1], TCGETS, &t) == -1 && errno == ENOTTY, "TCGETS on a pipe: ENOTTY");
	int null = open("/dev/null", O_RDWR);
	expect(null >= 0 && tcgetattr(null, &t) == -1 && errno == ENOTTY, "/dev/null: ENOTTY");
	expect(ioctl(99, TCGETS, &t) == -1 && errno == EBADF, "EBADF");
	expect(tcgetattr(-1, &t) == -1 && errno == EBADF, "tcgetattr(-1): EBADF");
	expect(ioctl(0, TCGETS, (void *)16) == -1 && errno == EFAULT, "TCGETS: EFAULT");
	expect(ioctl(0, TCSETS, (void *)16) == -1 && errno == EFAULT, "TCSETS: EFAULT");
	expect(ioctl(0, TIOCGWINSZ, (void *)16) == -1 && errno == EFAULT, "TIOCGWINSZ: EFAULT");
	expect(ioctl(0, TIOCGPGRP, (void *)16) == -1 && errno == EFAULT, "TIOCGPGRP: EFAULT");
	expect(ioctl(0, 0x54ff, &w) == -1 && errno == ENOTTY, "an unknown request: ENOTTY");
	close(p[0]);
	close(p[1]);
	close(null);
}

int main(void)
{
	test_defaults();
	test_canonical();
	test_raw();
	test_isig();
	test_winsize();
	test_job_control();
	test_stop_continue();
	test_nothing_typed();
	test_errors();
	printf("termios: %s\n", failures ? "FAIL" : "PASS");
	return failures != 0;
}
