/*
 * A hostile process cannot hurt the file system (docs/exos.md, "Files"):
 * a child first calls the file server with garbage (random operations,
 * handles, lengths, windows full of noise, a window made of slots that are
 * not its own), then writes garbage over every page it can write - its
 * data, heap and stack pages, and its window, the only memory it shares
 * with the server - and dies. The parent's files, and a file the child had
 * open, are intact afterwards; the server still serves, and no page leaks.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <exo/lib.h>
#include <exos/api.h>

#include "expect.h"

/* What ExOS's file server protocol calls them (exos/fsproto.h): the window, the service, the first and last ops. */
#define FSWIN 0x7E0000800000UL
#define FSWIN_PAGES 6
#define FS_SERVICE 1

static uint64_t seed = 0x5eed5eedULL;
static uint64_t rnd(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return seed >> 11;
}

static long noise_value(void)
{
	switch (rnd() % 6) {
	case 0:
		return (long)(rnd() % 8);
	case 1:
		return (long)(rnd() % 200);
	case 2:
		return -(long)(rnd() % 5);
	case 3:
		return 0x7FFFFFFFL;
	case 4:
		return (long)rnd() << 20;
	default:
		return 65536 + (long)(rnd() % 3) - 1;
	}
}

/* The server's id: the one our window talks to is not exported, so find it: the environment that answers service 1. */
static uint32_t find_server(void)
{
	for (int s = 0; s < 64; s++) {
		uint32_t id = exo_info->env_id[s];
		long result;
		if (id && id != (uint32_t)getpid() && exos_lrpc_call(id, FS_SERVICE, 24 /* FS_STATFS */, 0, 0, 0, &result) == 0)
			return id;
	}
	return 0;
}

static void hostile_calls(uint32_t server)
{
	volatile unsigned char *win = (volatile unsigned char *)FSWIN;
	for (int i = 0; i < 3000; i++) {
		if (i % 50 == 0)
			for (int k = 0; k < FSWIN_PAGES * 4096; k += 8)
				*(volatile uint64_t *)(win + k) = rnd() % 3 ? rnd() : 0;
		long result;
		long op = i % 300 == 299 ? 1 /* FS_HELLO with junk slots */ : (long)(rnd() % 30);
		exos_lrpc_call(server, FS_SERVICE, op, noise_value(), noise_value(), noise_value(), &result);
	}
}

/*
 * Garbage over the window first (the memory the server reads), then the
 * heap so far, our callers' stack frames and every writable page of our
 * image (ExOS's and musl's state among them: a copy-on-write fault there
 * may end us before the last page, which is as good).
 */
static void scribble_everything(void)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	uintptr_t here = (uintptr_t)__builtin_frame_address(0), heap = (uintptr_t)sbrk(0);
	for (uintptr_t a = FSWIN; a < FSWIN + FSWIN_PAGES * 4096; a += 8)
		*(volatile uint64_t *)a = 0xDEADBEEFDEADBEEFULL;
	for (uintptr_t a = (heap - 65536) & ~7UL; a < heap; a += 8)
		*(volatile uint64_t *)a = 0xDEADBEEFDEADBEEFULL;
	for (uintptr_t a = (here + 256) & ~7UL; a < here + 2048; a += 8)
		*(volatile uint64_t *)a = 0xDEADBEEFDEADBEEFULL;
	for (unsigned long i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W))
			continue;
		for (uintptr_t a = ph[i].p_vaddr & ~7UL; a < ph[i].p_vaddr + ph[i].p_memsz; a += 8)
			*(volatile uint64_t *)a = 0xDEADBEEFDEADBEEFULL;
	}
	/* Nothing of ExOS or musl can be trusted now: leave through the kernel directly. */
	__asm__ volatile("syscall" ::"a"(EXO_KCALL_BASE | EXO_KCALL_exit), "D"(77) : "rcx", "r11", "memory");
	__builtin_unreachable();
}

static int put(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	return fd >= 0 && close(fd) == 0 && ok ? 0 : -1;
}

static int same(const char *path, const char *text)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) && !memcmp(buf, text, (size_t)n);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	expect(mkdir("/tmp", 0755) == 0 || errno == EEXIST, "mkdir /tmp");
	expect(put("/tmp/precious", "the parent's words") == 0, "the parent writes /tmp/precious");
	expect(put("/tmp/childs", "the child's own file") == 0, "and /tmp/childs");
	int told[2];
	expect(pipe(told) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		int keep = open("/tmp/childs", O_RDONLY); /* open (for reading) while it runs amok */
		(void)keep;
		uint32_t server = find_server();
		if (server)
			hostile_calls(server);
		write(told[1], server ? "y" : "n", 1); /* the garbage calls were made */
		scribble_everything();
	}
	int status = 0;
	char said = 0;
	close(told[1]);
	expect(read(told[0], &said, 1) == 1 && said == 'y', "the vandal found the server and made 3000 garbage calls");
	expect(waitpid(pid, &status, 0) == pid, "the vandal ended");
	expect(same("/tmp/precious", "the parent's words"), "the parent's file is intact");
	expect(same("/tmp/childs", "the child's own file"), "the file the vandal held open is intact");
	expect(same("/etc/hostname", "exo\n"), "the archive's files are intact");
	expect(put("/tmp/after", "still serving") == 0 && same("/tmp/after", "still serving"), "the server still serves");
	struct stat st;
	expect(stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode), "the tree is intact");
	printf(failures ? "scribble: FAIL (%d)\n" : "scribble: PASS\n", failures);
	return failures != 0;
}
