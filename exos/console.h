/*
 * ExOS's console (console.c): the terminal every process shares. Results
 * are as the system calls return them.
 */
#ifndef EXOS_CONSOLE_H
#define EXOS_CONSOLE_H

#include <stdint.h>

long exos_console_read(char *buf, unsigned long len);
long exos_console_write(const char *buf, unsigned long len);
/* 1 when a read would not wait (a line is ready in canonical mode, VMIN bytes otherwise). */
int exos_console_readable(void);
long exos_console_ioctl(unsigned long req, unsigned long arg);
/* The terminal's foreground process group (0 if there is no terminal: no memory). */
uint32_t exos_console_foreground(void);
/*
 * A process waiting for a child of the foreground group takes typed input
 * for it, so that its signal characters (Ctrl-C, Ctrl-Z) reach the job; the
 * rest is kept for readers.
 */
void exos_console_watch(void);
/*
 * The same, for a process that computes without system calls (the prologue,
 * inside ExOS): only when it is in the foreground group and ISIG is on, so
 * that Ctrl-C reaches it when nobody else reads the terminal.
 */
void exos_console_watch_busy(void);
/* The signals the terminal sent to this process's group since the last look (a set, bit sig - 1). */
uint64_t exos_console_take_signals(void);
/* The first process: make the terminal now, so that every process it makes shares it. */
void exos_console_init(void);
/* A program execve started: find the terminal if the process has one, to hear its signals from seen on. */
void exos_console_attach(uint32_t seen);

#endif
