# exo: build, run and test. `make help` lists the targets.
#
# Everything is built out of tree under build/. Compiler dependencies are
# tracked (-MMD), so an edit rebuilds only what it must. Build with gcc (the
# default) or clang: `make CC=clang`.

ifeq ($(origin CC),default)
CC := gcc
endif
LD ?= ld
NM ?= nm
HOSTCC ?= $(CC)
B := build

WARN := -Wall -Wextra -Werror
COMMON := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	  -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -Iinc -MMD -MP
KCFLAGS := $(COMMON) -mno-omit-leaf-frame-pointer -DEXO_KERNEL -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx
UCFLAGS := $(COMMON)
HOSTCFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -DEXO_KERNEL -Iinc -Ikern -MMD -MP
LDFLAGS_COMMON := -nostdlib -static -z noexecstack --build-id=none

.PHONY: all kernel user run gdb test check-host test-qemu clean help deps
# Keep intermediate objects (make would delete them after linking and rebuild them next time).
.SECONDARY:
all: kernel user

# ---- kernel ----
KERN_SRCS := $(wildcard kern/*.c) lib/fmt.c lib/string.c lib/elf.c
KERN_ASMS := $(wildcard kern/*.S)
KERN_OBJS := $(patsubst %.c,$(B)/k/%.o,$(KERN_SRCS)) $(patsubst %.S,$(B)/k/%.o,$(KERN_ASMS))
KERNEL := $(B)/exo.elf

# Objects depend on a stamp of the compiler and flags: changing either rebuilds them.
FLAGS_STAMP := $(B)/flags.stamp
FLAGS_NOW := $(CC) | $(KCFLAGS) | $(UCFLAGS) | $(LD)
ifneq ($(shell cat $(FLAGS_STAMP) 2>/dev/null),$(FLAGS_NOW))
$(shell mkdir -p $(B) && echo '$(FLAGS_NOW)' > $(FLAGS_STAMP))
endif
$(B)/k/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c $< -o $@
$(B)/k/%.o: %.S $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c $< -o $@

# Two-pass link: the second carries the symbol table of the first. The table
# sits after .text, so text addresses are the same in both (checked below).
$(B)/k/ksyms0.S: tools/gen-ksyms.sh
	@mkdir -p $(@D)
	sh tools/gen-ksyms.sh "" none > $@
$(B)/exo.pass1.elf: $(KERN_OBJS) $(B)/k/ksyms0.o kern/kernel.ld
	$(LD) $(LDFLAGS_COMMON) --no-warn-rwx-segments -T kern/kernel.ld -o $@ $(KERN_OBJS) $(B)/k/ksyms0.o
$(B)/k/ksyms.S: $(B)/exo.pass1.elf tools/gen-ksyms.sh
	sh tools/gen-ksyms.sh $(NM) $< > $@
$(B)/k/ksyms%.o: $(B)/k/ksyms%.S $(FLAGS_STAMP)
	$(CC) $(KCFLAGS) -c $< -o $@
$(B)/k/ksyms.o: $(B)/k/ksyms.S $(FLAGS_STAMP)
	$(CC) $(KCFLAGS) -c $< -o $@
$(KERNEL): $(KERN_OBJS) $(B)/k/ksyms.o kern/kernel.ld $(B)/tools/check-kernel-image
	$(LD) $(LDFLAGS_COMMON) --no-warn-rwx-segments -T kern/kernel.ld -o $@.tmp $(KERN_OBJS) $(B)/k/ksyms.o
	sh tools/gen-ksyms.sh $(NM) $@.tmp | cmp -s - $(B)/k/ksyms.S || { echo "kernel symbol table moved between link passes" >&2; exit 1; }
	$(B)/tools/check-kernel-image $@.tmp
	mv $@.tmp $@
kernel: $(KERNEL)

# ---- host tools ----
$(B)/tools/%: tools/%.c
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -O1 $(WARN) -Iinc -o $@ $<

# ---- user programs (libexo) ----
ULIB_SRCS := lib/libexo.c lib/fmt.c lib/string.c lib/upcall.c lib/spawn.c lib/exec_handoff.c
ULIB_OBJS := $(patsubst %.c,$(B)/u/%.o,$(ULIB_SRCS)) $(B)/u/lib/upcall_entry.o
CRT0 := $(B)/u/lib/crt0.o
ULIB := $(B)/u/libexo.a
PROGS := $(patsubst user/%.c,%,$(wildcard user/*.c user/test/*.c))
PROG_ELFS := $(patsubst %,$(B)/user/%.elf,$(PROGS))
include mk/bench.mk
include mk/musl.mk
include mk/busybox.mk
include mk/bootfs.mk

$(B)/u/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(B)/u/%.o: %.S $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(ULIB): $(ULIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^
$(B)/user/%.elf: $(B)/u/user/%.o $(CRT0) $(ULIB)
	@mkdir -p $(@D)
	$(LD) $(LDFLAGS_COMMON) -o $@ $(CRT0) $< $(ULIB)
# t_wx must have a writable and executable segment (-N: text and data together), which the kernel refuses.
$(B)/user/test/t_wx.elf: $(B)/u/user/test/t_wx.o $(CRT0) $(ULIB)
	@mkdir -p $(@D)
	$(LD) $(LDFLAGS_COMMON) -N --no-warn-rwx-segments -o $@ $(CRT0) $< $(ULIB)
user: $(PROG_ELFS)

# ---- run ----
# `make run` boots exo in QEMU on the serial console with the first program, and the boot
# archive as the second module. PROG=name picks another program from build/user/, ARGS its
# arguments; EXO_BOOTFS=none boots without the archive (tools/run-qemu.sh).
PROG ?= musl/init
run: all $(BOOTFS)
	@sh tools/ensure-deps.sh qemu
	@sh tools/run-qemu.sh $(KERNEL) $(B)/user/$(PROG).elf $(ARGS)

gdb: all $(BOOTFS)
	@sh tools/ensure-deps.sh qemu
	@echo "exo: QEMU waits for gdb on localhost:1234; in another terminal run: gdb -x .gdbinit"
	@EXO_QEMU_EXTRA="-s -S" sh tools/run-qemu.sh $(KERNEL) $(B)/user/$(PROG).elf $(ARGS)

# ---- test ----
HOST_TESTS := $(patsubst tests/host/%.c,$(B)/host/%,$(wildcard tests/host/*.c))
HOST_LIB_SRCS := kern/pmem.c kern/bootinfo.c lib/elf.c lib/fmt.c
HOST_LIB_OBJS := $(patsubst %.c,$(B)/host/obj/%.o,$(HOST_LIB_SRCS))
$(B)/host/obj/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -c $< -o $@
$(B)/host/%: tests/host/%.c $(HOST_LIB_OBJS) tests/host/htest.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ $< $(HOST_LIB_OBJS)

$(B)/tools/gen-kcall-doc: tools/gen-kcall-doc.c inc/exo/kcalls.def inc/exo/error.h
docs/kernel-calls.md: $(B)/tools/gen-kcall-doc
	$< > $@

test: all $(BOOTFS) $(HOST_TESTS) $(B)/tools/gen-kcall-doc
	@sh tools/ensure-deps.sh qemu
	@sh tools/run-tests.sh

clean:
	rm -rf $(B)

help:
	@echo "make          build the kernel, the user programs and the boot archive build/bootfs.cpio (CC=clang for clang)"
	@echo "make run      boot exo in QEMU on this terminal (PROG=name ARGS='...' to pick the program)"
	@echo "make test     build everything and run every test; ends with 'N passed, N failed'"
	@echo "make gdb      boot exo in QEMU waiting for gdb (gdb -x .gdbinit in another terminal)"
	@echo "make busybox  build only busybox (build/user/busybox.elf; make builds it too, EXO_BUSYBOX=no leaves it out)"
	@echo "make clean    remove build/"

# (busybox's tree under $(B)/busybox has .d files and directories of its own: not ours)
-include $(shell find $(B) -name busybox -prune -o -type f -name '*.d' -print 2>/dev/null)
