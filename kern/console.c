/*
 * The console: COM1 at 115200 8N1. Output polls the transmitter; input is
 * taken by the receive interrupt (IRQ 4) into a ring buffer that cgetc reads.
 * The ring is written only by cons_intr and read only by cons_getc, both with
 * interrupts off.
 */
#include <stdarg.h>
#include <exo/fmt.h>
#include "kernel.h"
#include "x86.h"

#define COM1 0x3F8
#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

#define INPUT_RING 256

static struct {
	char buf[INPUT_RING];
	uint32_t rpos, wpos; /* free-running; wpos - rpos <= INPUT_RING */
	uint64_t dropped;
} input;

void cons_init(void)
{
	outb(COM1 + UART_IER, 0);    /* no interrupts yet */
	outb(COM1 + UART_LCR, 0x80); /* divisor latch */
	outb(COM1 + UART_DATA, 1);   /* 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	/*
	 * FIFO off: turning it on clears it, and a byte typed before boot may be
	 * waiting. Without the FIFO the UART holds one byte and the sender (QEMU's
	 * chardev) waits until we take it, so nothing is lost.
	 */
	outb(COM1 + UART_FCR, 0);
	outb(COM1 + UART_MCR, 0x0B); /* DTR, RTS, OUT2 (lets the UART raise its IRQ) */
}

/* Ask the UART to interrupt when a byte arrives (the IOAPIC route is set by then). */
void cons_enable_input_irq(void)
{
	outb(COM1 + UART_IER, 0x01);
	cons_intr(); /* take anything that arrived before */
}

static void serial_putc(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
		__asm__ volatile("pause");
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void cons_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

void cons_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cons_putc(s[i]);
}

void cons_intr(void)
{
	while (inb(COM1 + UART_LSR) & LSR_DATA_READY) {
		char c = (char)inb(COM1 + UART_DATA);
		if (input.wpos - input.rpos == INPUT_RING) {
			input.dropped++;
			continue;
		}
		input.buf[input.wpos++ % INPUT_RING] = c;
	}
}

int cons_getc(void)
{
	if (input.rpos == input.wpos)
		return -1;
	return (unsigned char)input.buf[input.rpos++ % INPUT_RING];
}

static void kputc_cb(void *ctx, char c)
{
	(void)ctx;
	cons_putc(c);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(kputc_cb, NULL, fmt, ap);
	va_end(ap);
}
