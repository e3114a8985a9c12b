# `make bench`: the paper's measurements on exo and on Linux in the same QEMU
# (issue 8; docs/benchmarks.md). Included by the Makefile right after
# PROG_ELFS is defined, so the exo build of the benchmark is one of the user
# programs (`make all` builds it and `make test` runs it once, quick mode).
#
# One source, bench/bench.c, two builds:
#   exo:   $(B)/user/bench.elf, against libexo (crt0 + libexo.a), with -D__exo__
#   Linux: $(B)/bench/bench-linux, static with Debian's musl (musl-gcc), packed
#          as /init into $(B)/bench/initrd-linux.cpio by our own tools/mkcpio.c
# tools/bench.sh boots both and writes $(B)/bench/results.json, ratios.svg and
# docs/benchmarks.md. Knobs: BENCH_RUNS (wall-clock runs per system, default 5).

.PHONY: bench bench-linux

PROG_ELFS += $(B)/user/bench.elf

$(B)/u/bench/bench.o: UCFLAGS += -D__exo__
$(B)/user/bench.elf: $(B)/u/bench/bench.o $(CRT0) $(ULIB)
	@mkdir -p $(@D)
	$(LD) $(LDFLAGS_COMMON) -o $@ $(CRT0) $< $(ULIB)

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
	@$(MAKE) --no-print-directory $(KERNEL) $(B)/user/bench.elf bench-linux
	@B=$(B) sh tools/bench.sh
