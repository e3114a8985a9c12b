# `make bench`: the paper's measurements on exo and on Linux in the same QEMU
# (issue 8; docs/benchmarks.md). Included by the Makefile right after
# PROG_ELFS is defined, so the exo build of the benchmark is one of the user
# programs (`make all` builds it and `make test` runs it once, quick mode).
#
# One source, bench/bench.c, two builds against the same C library, musl 1.2.3:
#   exo:   $(B)/user/bench.elf, with tools/exo-cc against exo's musl and ExOS
#          (-D__exo__); libexos.a includes libexo's exo_spawn (lib/spawn.c, which
#          needs only kernel-call stubs and the C library's memcpy and exit)
#   Linux: $(B)/bench/bench-linux, static with Debian's musl (musl-gcc), packed
#          as /init into $(B)/bench/initrd-linux.cpio by our own tools/mkcpio.c
# tools/bench.sh boots both and writes $(B)/bench/results.json, ratios.svg and
# docs/benchmarks.md. Knobs: BENCH_RUNS (wall-clock runs per system, default 5).
#
# This file is read before mk/musl.mk: prerequisites name musl's and ExOS's
# files by path (variables defined there are empty here); recipes may use them.

.PHONY: bench bench-linux

PROG_ELFS += $(B)/user/bench.elf

# Compiled and linked in one step, like user/musl/ programs; the header dependencies go to bench-exo.d.
$(B)/user/bench.elf: bench/bench.c tools/exo-cc $(B)/exos/libexos.a $(B)/exos/crt_exos.o \
		     $(B)/musl/built.stamp $(FLAGS_STAMP)
	@mkdir -p $(@D) $(B)/bench
	$(EXO_CC) -std=gnu11 -O2 -g $(WARN) -D__exo__ -Iinc -MMD -MP -MF $(B)/bench/bench-exo.d -MT $@ \
		-o $@ $<

BENCH_MUSL_GCC ?= musl-gcc
BENCH_LINUX := $(B)/bench/bench-linux
BENCH_INITRD := $(B)/bench/initrd-linux.cpio

$(BENCH_LINUX): bench/bench.c
	@mkdir -p $(@D)
	$(BENCH_MUSL_GCC) -static -std=gnu11 -O2 $(WARN) -o $@ $<

# The initramfs: /init is the benchmark; /dev/console so it has a console from the start.
$(BENCH_INITRD): $(BENCH_LINUX) $(B)/tools/mkcpio
	$(B)/tools/mkcpio $@ dir dev nod dev/console 5 1 file init $(BENCH_LINUX)

bench-linux: $(BENCH_INITRD)

bench:
	@sh tools/ensure-deps.sh qemu musl linux
	@$(MAKE) --no-print-directory $(KERNEL) $(B)/user/bench.elf $(B)/bootfs.cpio bench-linux
	@B=$(B) sh tools/bench.sh
