/*
 * Interrupt hardware. The 8259 PICs are remapped out of the way and masked;
 * device interrupts come through the I/O APIC found in the ACPI MADT (or at
 * its standard address), and the timer is the local APIC's, calibrated
 * against PIT channel 2 (which needs no interrupt).
 */
#include "apic.h"
#include "kernel.h"
#include "trap.h"
#include "vm.h"
#include "x86.h"

#define LAPIC_ID 0x020
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)

static volatile uint32_t *lapic;
static volatile uint32_t *ioapic;
static uint32_t ioapic_gsi_base;

/* ISA IRQ -> GSI overrides from the MADT; identity unless told otherwise. */
static struct {
	uint32_t gsi;
	uint16_t flags;
} isa_irq[16];

static uint32_t lapic_read(uint32_t reg) { return lapic[reg / 4]; }
static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
	(void)lapic[LAPIC_ID / 4]; /* wait for the write to land */
}

static void pic_disable(void)
{
	/* ICW1-4: remap to 0xF0..0xFF so a stray 8259 interrupt never looks like an exception. */
	outb(0x20, 0x11), outb(0xA0, 0x11);
	outb(0x21, 0xF0), outb(0xA1, 0xF8);
	outb(0x21, 4), outb(0xA1, 2);
	outb(0x21, 1), outb(0xA1, 1);
	outb(0x21, 0xFF), outb(0xA1, 0xFF);
}

void lapic_init(void)
{
	pic_disable();
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | (1u << 11)); /* global enable */
	lapic = mmio_map(base & 0xFFFFF000, PAGE_SIZE);
	lapic_write(LAPIC_SVR, 0x100 | T_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
}

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

/* PIT channel 2 one-shot for ms milliseconds; busy-waits on its output pin. */
#define PIT_HZ 1193182
static void pit_wait_start(uint32_t ms)
{
	uint32_t count = PIT_HZ * ms / 1000;
	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xB0);                       /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xFF);
	outb(0x42, (count >> 8) & 0xFF);
	outb(0x61, inb(0x61) & ~0x01); /* restart counting: gate low ... */
	outb(0x61, inb(0x61) | 0x01);  /* ... then high */
}
static bool pit_done(void) { return inb(0x61) & 0x20; }

uint64_t lapic_timer_start(uint32_t hz)
{
	const uint32_t ms = 5; /* 5966 PIT counts: +-1 count is 0.02%; most of boot is this wait */

	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	pit_wait_start(ms);
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFF);
	uint64_t tsc0 = rdtsc();
	while (!pit_done())
		;
	uint64_t tsc1 = rdtsc();
	uint32_t lapic_ticks = 0xFFFFFFFF - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);

	uint64_t tsc_hz = (tsc1 - tsc0) * (1000 / ms);
	uint64_t lapic_hz = (uint64_t)lapic_ticks * (1000 / ms);
	if (lapic_hz < hz)
		panic("local APIC timer calibration failed (%lu Hz)", (unsigned long)lapic_hz);
	lapic_write(LAPIC_LVT_TIMER, T_TIMER | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)(lapic_hz / hz));
	return tsc_hz;
}

/* --- ACPI MADT: where the I/O APIC is and how ISA IRQs map to GSIs --- */

static bool checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* Firmware tables must lie in the direct map. */
static bool phys_ok(uint64_t pa, uint64_t len)
{
	return pa < physmap_top && len <= physmap_top - pa;
}

static uint64_t find_rsdp(uint64_t hint)
{
	if (hint && phys_ok(hint, 20) && !memcmp(P2V(hint), "RSD PTR ", 8) && checksum_ok(P2V(hint), 20))
		return hint;
	for (uint64_t pa = 0xE0000; pa < 0x100000; pa += 16)
		if (!memcmp(P2V(pa), "RSD PTR ", 8) && checksum_ok(P2V(pa), 20))
			return pa;
	return 0;
}

static void parse_madt(const uint8_t *madt, uint32_t len)
{
	for (uint32_t off = 44; off + 2 <= len;) {
		const uint8_t *ent = madt + off;
		uint8_t type = ent[0], elen = ent[1];
		if (elen < 2 || off + elen > len)
			break;
		if (type == 1 && elen >= 12 && !ioapic) { /* I/O APIC */
			uint32_t addr, gsi;
			memcpy(&addr, ent + 4, 4);
			memcpy(&gsi, ent + 8, 4);
			ioapic = mmio_map(addr, PAGE_SIZE);
			ioapic_gsi_base = gsi;
		} else if (type == 2 && elen >= 10 && ent[3] < 16) { /* interrupt source override */
			memcpy(&isa_irq[ent[3]].gsi, ent + 4, 4);
			memcpy(&isa_irq[ent[3]].flags, ent + 8, 2);
		}
		off += elen;
	}
}

static void find_madt(uint64_t rsdp)
{
	const uint8_t *r = P2V(rsdp);
	uint32_t rsdt_pa;
	memcpy(&rsdt_pa, r + 16, 4);
	if (!phys_ok(rsdt_pa, 36))
		return;
	const uint8_t *rsdt = P2V(rsdt_pa);
	uint32_t len;
	memcpy(&len, rsdt + 4, 4);
	if (memcmp(rsdt, "RSDT", 4) || len < 36 || !phys_ok(rsdt_pa, len) || !checksum_ok(rsdt, len))
		return;
	for (uint32_t off = 36; off + 4 <= len; off += 4) {
		uint32_t pa, tlen;
		memcpy(&pa, rsdt + off, 4);
		if (!phys_ok(pa, 8))
			continue;
		const uint8_t *t = P2V(pa);
		memcpy(&tlen, t + 4, 4);
		if (!memcmp(t, "APIC", 4) && phys_ok(pa, tlen) && checksum_ok(t, tlen))
			parse_madt(t, tlen);
	}
}

void ioapic_init(uint64_t rsdp_hint)
{
	for (int i = 0; i < 16; i++)
		isa_irq[i].gsi = (uint32_t)i;
	uint64_t rsdp = find_rsdp(rsdp_hint);
	if (rsdp)
		find_madt(rsdp);
	if (!ioapic) {
		kprintf("exo: no ACPI MADT; assuming the I/O APIC at 0xFEC00000\n");
		ioapic = mmio_map(0xFEC00000, PAGE_SIZE);
	}
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
}

void ioapic_route_isa_irq(int irq, int vector)
{
	uint32_t gsi = isa_irq[irq].gsi - ioapic_gsi_base;
	uint16_t flags = isa_irq[irq].flags;
	uint32_t lo = (uint32_t)vector;
	if ((flags & 3) == 3)
		lo |= 1u << 13; /* active low */
	if (((flags >> 2) & 3) == 3)
		lo |= 1u << 15; /* level triggered */
	uint32_t apic_id = lapic_read(LAPIC_ID) >> 24;
	ioapic_write(0x10 + 2 * gsi + 1, apic_id << 24);
	ioapic_write(0x10 + 2 * gsi, lo);
}
