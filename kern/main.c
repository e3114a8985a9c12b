/*
 * kmain: the boot sequence after long mode (docs/boot.md walks through it).
 * Parse the loader's information, take over memory, build the kernel's page
 * tables, move to a guarded stack, set up the CPU and interrupts, then run
 * the first boot module as the first environment.
 */
#include <exo/info.h>
#include "apic.h"
#include "bind.h"
#include "bootinfo.h"
#include "env.h"
#include "trap.h"
#include "vm.h"
#include "x86.h"

#define KSTACK_PAGES 4
#define IST_PAGES 2

static struct bootinfo bootinfo;
static uint64_t kstack_top; /* this CPU's kernel stack (guard page below) */
struct exo_info *info;
uint64_t info_page_pa;

const void *vm_boot_phys(void *ctx, uint64_t pa, uint64_t len);
NORETURN static void kmain_on_kstack(void);

/* The program name: the last path component of the module's first word, without ".elf". */
static void module_name(const char *cmdline, char *name, size_t size)
{
	const char *start = cmdline, *p;
	for (p = cmdline; *p && *p != ' '; p++)
		if (*p == '/')
			start = p + 1;
	size_t n = (size_t)(p - start);
	if (n > 4 && !memcmp(p - 4, ".elf", 4))
		n -= 4;
	if (n > size - 1)
		n = size - 1;
	memcpy(name, start, n);
	name[n] = '\0';
}

static void setup_info_page(uint64_t tsc_hz)
{
	info_page_pa = page_alloc_zeroed(NULL, PAGE_KERNEL);
	if (!info_page_pa)
		panic("out of memory for the info page");
	info = P2V(info_page_pa);
	info->magic = EXO_INFO_MAGIC;
	info->tsc_hz = tsc_hz;
	info->tick_hz = EXO_TICK_HZ;
	info->boot_tsc = *(uint64_t *)P2V(&boot_tsc_phys);
	info->total_pages = pmem.nram;
	info->npages = pmem.npages;
	info->cpu_features = cpu_features();
}

void info_update(void)
{
	if (info)
		info->free_pages = pmem.free.count;
}

void kmain(void)
{
	uint32_t magic = *(uint32_t *)P2V(&boot_magic_phys);
	uint32_t info_pa = *(uint32_t *)P2V(&boot_info_phys);

	cpu_init_early();
	cons_init();
	kprintf("exo: booting (Multiboot magic 0x%x)\n", magic);
	if (bootinfo_parse(&bootinfo, magic, info_pa, vm_boot_phys, NULL) < 0)
		panic("cannot read the boot loader's information (magic 0x%x at 0x%x)", magic, info_pa);
	cpu_init_features();
	vm_init(&bootinfo);

	kstack_top = kstack_alloc(KSTACK_PAGES);
	__asm__ volatile("mov %0, %%rsp; xor %%ebp, %%ebp; call *%1" ::"r"(kstack_top), "r"(kmain_on_kstack)
			 : "memory");
	__builtin_unreachable();
}

/* True when word appears as a whole word on the kernel command line. */
static bool cmdline_has(const char *word)
{
	size_t n = strlen(word);
	for (const char *p = bootinfo.cmdline; *p; p++) {
		bool starts = p == bootinfo.cmdline || p[-1] == ' ';
		if (starts && !strncmp(p, word, n) && (p[n] == ' ' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* exo.selftest=panic: fault in kernel mode on purpose, so the tests can check the panic report. */
static __attribute__((noinline)) void selftest_kernel_fault(void)
{
	*(volatile uint64_t *)0xdead0000UL = 1;
}

static void run_first_module(void)
{
	if (bootinfo.nmod == 0) {
		kprintf("exo: no boot module to run; give one with -initrd\n");
		return;
	}
	const struct boot_module *m = &bootinfo.mod[0];
	char name[ENV_NAME_MAX];
	struct env *e;
	module_name(m->cmdline, name, sizeof(name));
	/* The first environment is guaranteed everything; it hands quota to others itself. */
	if (env_create_from_elf(P2V(m->start), m->end - m->start, name, m->cmdline, quota_capacity, &e) < 0)
		kprintf("exo: could not create the first environment\n");
	else
		kprintf("exo: env %u '%s' created\n", e->id, e->name);
}

/* True when every page of [start, end) is RAM reserved for a boot module (so the direct map reaches it). */
static bool module_in_ram(uint64_t start, uint64_t end)
{
	for (uint64_t pa = start; pa < end; pa += PAGE_SIZE)
		if (pa >> PAGE_SHIFT >= pmem.npages || pmem.pages[pa >> PAGE_SHIFT].type != PAGE_BOOTMOD)
			return false;
	return true;
}

/*
 * The second boot module, if any, is the boot archive: mapped read-only at
 * EXO_BOOTFS_VA in every address space, its length in exo_info.bootfs_size.
 * The kernel does not read it: any bytes will do. A module the kernel cannot
 * map as it is (empty, too big, not page aligned, not in RAM) is refused with
 * a message and the system runs without an archive.
 */
static void map_boot_archive(void)
{
	if (bootinfo.nmod < 2)
		return;
	if (bootinfo.nmod > 2)
		kprintf("exo: boot modules after the second are ignored\n");
	const struct boot_module *m = &bootinfo.mod[1];
	uint64_t len = m->end - m->start;
	const char *why = NULL;
	if (len == 0)
		why = "empty";
	else if (len > EXO_BOOTFS_MAX)
		why = "larger than EXO_BOOTFS_MAX";
	else if (m->start % PAGE_SIZE)
		why = "not page aligned";
	else if (!module_in_ram(m->start, m->end))
		why = "not in RAM";
	if (why) {
		kprintf("exo: boot archive '%s' (%lu bytes at physical 0x%lx) is %s: running without one\n", m->cmdline,
			(unsigned long)len, (unsigned long)m->start, why);
		return;
	}
	vm_map_bootfs(m->start, len);
	info->bootfs_size = len;
	kprintf("exo: boot archive '%s': %lu bytes at 0x%lx\n", m->cmdline, (unsigned long)len,
		(unsigned long)EXO_BOOTFS_VA);
}

static void kmain_on_kstack(void)
{
	uint64_t ist[3] = {kstack_alloc(IST_PAGES), kstack_alloc(IST_PAGES), kstack_alloc(IST_PAGES)};
	cpu_init_tables(kstack_top, ist);
	lapic_init();
	ioapic_init(bootinfo.rsdp_pa);
	uint64_t tsc_hz = lapic_timer_start(EXO_TICK_HZ);
	setup_info_page(tsc_hz);
	ioapic_route_isa_irq(4, T_IRQ_COM1);
	cons_enable_input_irq();
	kprintf("exo: %lu MiB RAM, %u pages free; TSC %lu MHz; features 0x%lx\n",
		(unsigned long)(pmem.nram / 256), pmem.free.count, (unsigned long)(tsc_hz / 1000000),
		(unsigned long)info->cpu_features);
	vm_map_global_ro(info_page_pa);
	map_boot_archive();
	bind_init();
	info_update();
	sched_set_baseline();
	quota_capacity = pmem.free.count;
	if (cmdline_has("exo.selftest=panic"))
		selftest_kernel_fault();
	run_first_module();
	sched_run(NULL);
}
