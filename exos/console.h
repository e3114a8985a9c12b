/* ExOS's console (console.c): results as the system calls return them. */
#ifndef EXOS_CONSOLE_H
#define EXOS_CONSOLE_H

long exos_console_read(char *buf, unsigned long len);
long exos_console_write(const char *buf, unsigned long len);
/* 1 when a read would not wait (a line is ready, or a byte waits to be taken into one). */
int exos_console_readable(void);
long exos_console_ioctl(unsigned long req, unsigned long arg);
/* A process waiting for a child looks at the console: Ctrl-C interrupts the job, the rest is kept for readers. */
void exos_console_watch(void);

#endif
