# musl as exo's C library, and ExOS, the library OS it calls (issue 6; docs/exos.md).
# Included by the Makefile right after mk/bench.mk.
#
# 1. Fetch: `apt-get source --download-only musl=1.2.3-1` (Debian bookworm) into
#    build/dl/, shared by every build directory. tools/ensure-deps.sh musl-src adds
#    an APT deb-src entry first when the machine has none. Every fetched file is
#    checked against the SHA-256 sums pinned in mk/musl.sha256 (sha256sum -c).
# 2. Build: unpack the upstream tarball (Debian's .orig.tar.gz) in $(B)/musl/src,
#    copy exos/musl-overrides/ over it (the system-call layer: plain calls into
#    ExOS), configure for x86_64, static only, with CC=$(CC), build, and install
#    headers, libc.a and crt1.o/crti.o/crtn.o under the prefix $(B)/musl. Debian's
#    1.2.3-1 carries no patches (debian/patches is empty), so none are applied.
#    A stamp ($(B)/musl/built.stamp) keeps this from running again until the
#    pinned sums, an override, this file or the compiler change; then it starts
#    again from a fresh unpack (musl's own Makefile does not track headers).
# 3. ExOS: exos/*.c (compiled against musl's headers for Linux's numbers and
#    layouts) plus libexo's upcall entry (lib/upcall.c, lib/upcall_entry.S) and exo_spawn
#    (lib/spawn.c) make
#    $(B)/exos/libexos.a; exos/crt_exos.S is the entry of every musl program.
# 4. Programs: tools/exo-cc compiles and links an ordinary C program against
#    them. user/musl/NAME.c becomes $(B)/user/musl/NAME.elf, one of PROG_ELFS (with
#    inc/ on the include path, so a program may also use <exo/lib.h> for the kernel's calls).

MUSL_VERSION := 1.2.3
MUSL_DEB_VERSION := 1.2.3-1
MUSL_DL := build/dl
MUSL := $(B)/musl
MUSL_SRC := $(MUSL)/src
MUSL_FETCHED := $(MUSL_DL)/musl-$(MUSL_DEB_VERSION).verified
MUSL_STAMP := $(MUSL)/built.stamp
MUSL_LIBC := $(MUSL)/lib/libc.a
MUSL_OVERRIDES := $(shell find exos/musl-overrides -type f)
MUSL_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# musl is rebuilt when the compiler changes (the Makefile's flags stamp covers only our own flags).
MUSL_CC_STAMP := $(MUSL)/cc.stamp
ifneq ($(shell cat $(MUSL_CC_STAMP) 2>/dev/null),$(CC) musl-$(MUSL_DEB_VERSION))
$(shell mkdir -p $(MUSL) && echo '$(CC) musl-$(MUSL_DEB_VERSION)' > $(MUSL_CC_STAMP))
endif

$(MUSL_FETCHED): mk/musl.sha256
	@sh tools/ensure-deps.sh musl-src
	@mkdir -p $(@D)
	@cd $(@D) && if ! sha256sum --quiet -c $(CURDIR)/mk/musl.sha256 >/dev/null 2>&1; then \
		echo "musl: fetching Debian source package musl $(MUSL_DEB_VERSION) into $(MUSL_DL)"; \
		apt-get source --download-only -q musl=$(MUSL_DEB_VERSION); fi
	@cd $(@D) && sha256sum -c $(CURDIR)/mk/musl.sha256 || \
		{ echo "musl: a fetched file does not match mk/musl.sha256: refusing to build it" >&2; exit 1; }
	@touch $@

$(MUSL_STAMP): $(MUSL_FETCHED) $(MUSL_OVERRIDES) mk/musl.mk $(MUSL_CC_STAMP)
	@echo "musl: building $(MUSL_VERSION) with $(CC) in $(MUSL_SRC) (log: $(MUSL)/build.log)"
	@rm -rf $(MUSL_SRC) $(MUSL)/include $(MUSL)/lib $(MUSL_STAMP)
	@mkdir -p $(MUSL_SRC)
	@tar -xzf $(MUSL_DL)/musl_$(MUSL_VERSION).orig.tar.gz -C $(MUSL_SRC) --strip-components=1
	@cp -R exos/musl-overrides/. $(MUSL_SRC)/
	@start=$$(date +%s); cd $(MUSL_SRC) && \
	{ ./configure --prefix=$(abspath $(MUSL)) --disable-shared --disable-wrapper \
		CC="$(CC)" AR=ar RANLIB=ranlib CROSS_COMPILE= && \
	  grep -qx 'ARCH = x86_64' config.mak && \
	  MAKEFLAGS= $(MAKE) -j$(MUSL_JOBS) install-headers install-libs; } >../build.log 2>&1 || \
	{ tail -n 30 ../build.log >&2; echo "musl: build failed; see $(MUSL)/build.log" >&2; exit 1; }; \
	echo "musl: built in $$(( $$(date +%s) - start )) s"
	@touch $@
$(MUSL_LIBC) $(MUSL)/lib/crti.o $(MUSL)/lib/crtn.o: $(MUSL_STAMP)

# ---- ExOS ----
EXOS_CFLAGS := -std=gnu11 -O2 -g $(WARN) -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	       -fno-asynchronous-unwind-tables -nostdinc -isystem $(MUSL)/include -Iinc -MMD -MP
EXOS_OBJS := $(patsubst exos/%.c,$(B)/exos/%.o,$(wildcard exos/*.c)) \
	$(patsubst exos/%.S,$(B)/exos/%.o,$(filter-out exos/crt_exos.S,$(wildcard exos/*.S))) \
	$(B)/u/lib/upcall.o $(B)/u/lib/upcall_entry.o $(B)/u/lib/spawn.o $(B)/u/lib/elf.o \
	$(B)/u/lib/exec_handoff.o
EXOS_LIB := $(B)/exos/libexos.a
EXOS_CRT := $(B)/exos/crt_exos.o

$(B)/exos/%.o: exos/%.c $(MUSL_STAMP) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(EXOS_CFLAGS) -c $< -o $@
$(B)/exos/%.o: exos/%.S $(MUSL_STAMP) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(EXOS_CFLAGS) -c $< -o $@
$(EXOS_LIB): $(EXOS_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# ---- programs built with tools/exo-cc ----
EXO_CC := CC="$(CC)" EXO_BUILD=$(B) sh tools/exo-cc
MUSL_PROGS := $(patsubst user/musl/%.c,$(B)/user/musl/%.elf,$(wildcard user/musl/*.c))
PROG_ELFS += $(MUSL_PROGS)

$(B)/user/musl/%.elf: user/musl/%.c user/musl/expect.h tools/exo-cc $(EXOS_LIB) $(EXOS_CRT) $(MUSL_STAMP)
	@mkdir -p $(@D)
	$(EXO_CC) -std=gnu11 -O2 -g $(WARN) -Iinc -o $@ $<
