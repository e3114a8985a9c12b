/* Local APIC (timer, EOI), I/O APIC (device interrupt routing), PIT calibration. Kernel only. */
#ifndef KERN_APIC_H
#define KERN_APIC_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include <stdint.h>

void lapic_init(void);
/* Calibrate the TSC and the LAPIC timer against the PIT, then tick at hz. Returns TSC Hz. */
uint64_t lapic_timer_start(uint32_t hz);
void lapic_eoi(void);
/* Route ISA IRQ irq to vector on this CPU, using the ACPI MADT when there is one. */
void ioapic_route_isa_irq(int irq, int vector);
void ioapic_init(uint64_t rsdp_hint);

#endif
