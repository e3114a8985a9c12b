# busybox for exo, built against exo's musl and ExOS (issue 7; docs/exos.md, "busybox").
# Included by the Makefile right after mk/musl.mk, whose variables it uses.
#
# 1. Fetch: `apt-get source --download-only busybox=1:1.35.0-4+deb12u1` (Debian bookworm)
#    into build/dl/, shared by every build directory; tools/ensure-deps.sh busybox-src
#    installs what this needs first. Every fetched file is checked against the SHA-256
#    sums pinned in mk/busybox.sha256 (sha256sum -c).
# 2. Unpack the upstream tarball (Debian's .orig.tar.bz2) in $(B)/busybox/src and apply
#    only the security fixes of Debian's series (its CVE-* patches: ash arithmetic, awk).
#    Debian's other patches adapt busybox to Debian's packaging, installer and non-Linux
#    ports, none of which matters here.
# 3. Configure with busybox/exo.config, a complete .config (`make oldconfig` must leave
#    it unchanged, or the build stops: the file is stale for this busybox).
# 4. Build with CC = tools/exo-cc (musl's headers, then the compiler's; the link of
#    tools/exo-cc), plus -isystem $(B)/busybox/uapi: links to the Linux UAPI headers
#    busybox includes (linux/, asm/, asm-generic/, mtd/ from Debian's linux-libc-dev) and
#    nothing else of /usr/include. -L$(MUSL)/lib makes busybox's -lm -lcrypt -lresolv
#    -lrt find musl's empty archives, never the host's; -u main pulls busybox's main out
#    of its libbb/lib.a, which the linker has left behind by the time libexos.a's
#    start-up code asks for it. LD (partial links, `-r`) is the bare compiler.
# 5. A stamp ($(B)/busybox/built.stamp) keeps steps 2-4 from running again until
#    mk/busybox.sha256, busybox/exo.config, this file, musl or the compiler change;
#    then they start again from a fresh unpack. A newer libexos.a or crt_exos.o only
#    relinks. The result, unstripped (symbols for gdb), is $(BUSYBOX_ELF), which
#    tests/qemu.list runs as `busybox`.
#
# `make` builds it as one of PROG_ELFS; EXO_BUSYBOX=no leaves it out (run-tests.sh's
# second build, with clang, does: one busybox build per `make test` is enough).

BUSYBOX_VERSION := 1.35.0
BUSYBOX_DEB_VERSION := 1:1.35.0-4+deb12u1
BUSYBOX_DEB_FILES := busybox_1.35.0-4+deb12u1
BUSYBOX := $(B)/busybox
BUSYBOX_SRC := $(BUSYBOX)/src
BUSYBOX_UAPI := $(BUSYBOX)/uapi
BUSYBOX_CONFIG := busybox/exo.config
BUSYBOX_FETCHED := $(MUSL_DL)/$(BUSYBOX_DEB_FILES).verified
BUSYBOX_STAMP := $(BUSYBOX)/built.stamp
BUSYBOX_ELF := $(B)/user/busybox.elf
BUSYBOX_JOBS ?= $(MUSL_JOBS)
EXO_BUSYBOX ?= yes

ifeq ($(EXO_BUSYBOX),yes)
PROG_ELFS += $(BUSYBOX_ELF)
endif
.PHONY: busybox
busybox: $(BUSYBOX_ELF)

$(BUSYBOX_FETCHED): mk/busybox.sha256
	@sh tools/ensure-deps.sh busybox-src
	@mkdir -p $(@D)
	@cd $(@D) && if ! sha256sum --quiet -c $(CURDIR)/mk/busybox.sha256 >/dev/null 2>&1; then \
		echo "busybox: fetching Debian source package busybox $(BUSYBOX_DEB_VERSION) into $(MUSL_DL)"; \
		apt-get source --download-only -q busybox=$(BUSYBOX_DEB_VERSION); fi
	@cd $(@D) && sha256sum -c $(CURDIR)/mk/busybox.sha256 || \
		{ echo "busybox: a fetched file does not match mk/busybox.sha256: refusing to build it" >&2; exit 1; }
	@touch $@

# busybox's own make, run in $(BUSYBOX_SRC) (its output goes to the log; the caller redirects).
BUSYBOX_MAKE = MAKEFLAGS= $(MAKE) -C $(BUSYBOX_SRC) -j$(BUSYBOX_JOBS) HOSTCC="$(HOSTCC)" \
	CC="env CC=$(CC) EXO_BUILD=$(abspath $(B)) sh $(CURDIR)/tools/exo-cc" LD="$(CC) -nostdlib" \
	EXTRA_CFLAGS="-isystem $(abspath $(BUSYBOX_UAPI))" \
	LDFLAGS="-L$(abspath $(MUSL))/lib -Wl,-u,main"
BUSYBOX_FAILED = { tail -n 30 $(BUSYBOX)/build.log >&2; echo "busybox: build failed; see $(BUSYBOX)/build.log" >&2; exit 1; }

# Compiles every object (and links once); exo-cc needs libexos.a and crt_exos.o to exist.
$(BUSYBOX_STAMP): $(BUSYBOX_FETCHED) $(BUSYBOX_CONFIG) mk/busybox.mk $(MUSL_STAMP) $(MUSL_CC_STAMP) \
		| $(EXOS_LIB) $(EXOS_CRT)
	@echo "busybox: building $(BUSYBOX_VERSION) with $(CC) in $(BUSYBOX_SRC) (log: $(BUSYBOX)/build.log)"
	@rm -rf $(BUSYBOX_SRC) $(BUSYBOX_UAPI) $(BUSYBOX_STAMP)
	@mkdir -p $(BUSYBOX_SRC) $(BUSYBOX_UAPI)
	@for d in linux asm-generic mtd; do ln -s /usr/include/$$d $(BUSYBOX_UAPI)/$$d; done
	@ln -s /usr/include/x86_64-linux-gnu/asm $(BUSYBOX_UAPI)/asm
	@tar -xjf $(MUSL_DL)/busybox_$(BUSYBOX_VERSION).orig.tar.bz2 -C $(BUSYBOX_SRC) --strip-components=1
	@tar -xJf $(MUSL_DL)/$(BUSYBOX_DEB_FILES).debian.tar.xz -C $(BUSYBOX) debian/patches
	@for p in $$(grep -E '^CVE-' $(BUSYBOX)/debian/patches/series); do \
		patch -s -p1 -d $(BUSYBOX_SRC) <$(BUSYBOX)/debian/patches/$$p || exit 1; done
	@cp $(BUSYBOX_CONFIG) $(BUSYBOX_SRC)/.config
	@start=$$(date +%s); \
	{ yes '' | MAKEFLAGS= $(MAKE) -C $(BUSYBOX_SRC) HOSTCC="$(HOSTCC)" oldconfig; } >$(BUSYBOX)/build.log 2>&1 || \
		$(BUSYBOX_FAILED); \
	grep -E '^(# )?CONFIG_' $(BUSYBOX_CONFIG) >$(BUSYBOX)/config.want; \
	grep -E '^(# )?CONFIG_' $(BUSYBOX_SRC)/.config | cmp -s - $(BUSYBOX)/config.want || \
		{ echo "busybox: $(BUSYBOX_CONFIG) is not a complete configuration of busybox $(BUSYBOX_VERSION):" \
			"make oldconfig changed it (see $(BUSYBOX_SRC)/.config)" >&2; exit 1; }; \
	$(BUSYBOX_MAKE) busybox_unstripped >>$(BUSYBOX)/build.log 2>&1 || $(BUSYBOX_FAILED); \
	echo "busybox: built in $$(( $$(date +%s) - start )) s"
	@touch $@

$(BUSYBOX_ELF): $(BUSYBOX_STAMP) $(EXOS_LIB) $(EXOS_CRT)
	@mkdir -p $(@D)
	@if [ $(EXOS_LIB) -nt $(BUSYBOX_SRC)/busybox_unstripped ] || \
	    [ $(EXOS_CRT) -nt $(BUSYBOX_SRC)/busybox_unstripped ]; then \
		echo "busybox: relinking with the new ExOS"; rm -f $(BUSYBOX_SRC)/busybox_unstripped; \
		$(BUSYBOX_MAKE) busybox_unstripped >>$(BUSYBOX)/build.log 2>&1 || $(BUSYBOX_FAILED); fi
	cp $(BUSYBOX_SRC)/busybox_unstripped $@
