# The boot archive, $(B)/bootfs.cpio: a cpio "newc" archive that tools/run-qemu.sh
# passes to QEMU as the second boot module, and that the kernel maps read-only at
# EXO_BOOTFS_VA in every environment (docs/boot.md, "The boot archive").
# Included by the Makefile right after mk/busybox.mk, whose variables it uses.
#
# Contents, in this order (tools/mkcpio.c writes each directory before what it holds;
# names have no leading '/'):
#   rootfs/ of the tree, as it is          e.g. etc/hostname, etc/motd
#   bin/NAME   every user/musl/NAME.c, built to $(B)/user/musl/NAME.elf, stripped
#   bin/NAME   the programs in BOOTFS_LIBEXO ($(B)/user/NAME.elf: libexo demos, and the benchmark), stripped
#   bin/busybox                            busybox, stripped (not with EXO_BUSYBOX=no)
#   bin/sh -> busybox, and bin/APPLET -> busybox for every applet busybox/exo.config
#                                          enables, unless a program above has that name
# Programs are stripped: the unstripped files in $(B)/user/ keep the symbols for gdb.
#
# The list of entries is written to $(BOOTFS_MANIFEST) (mkcpio's `list` input) on
# every make, and replaced only when it changes, so adding or removing a program or
# an applet rebuilds the archive, and nothing else does. Adding a file to rootfs/
# changes the mtime of its directory, which is a prerequisite.

BOOTFS := $(B)/bootfs.cpio
BOOTFS_DIR := $(B)/bootfs
BOOTFS_MANIFEST := $(BOOTFS_DIR)/manifest
BOOTFS_PROGS := $(patsubst $(B)/user/musl/%.elf,%,$(MUSL_PROGS))
BOOTFS_LIBEXO := libos2 softtlb bench
BOOTFS_BINS := $(patsubst %,$(BOOTFS_DIR)/bin/%,$(BOOTFS_PROGS) $(BOOTFS_LIBEXO))
BOOTFS_LINKS :=
ifeq ($(EXO_BUSYBOX),yes)
BOOTFS_BINS += $(BOOTFS_DIR)/bin/busybox
BOOTFS_LINKS := $(BOOTFS_DIR)/busybox.links
endif
ROOTFS_DEPS := $(shell find rootfs ! -type l 2>/dev/null)
STRIP ?= strip

.PHONY: bootfs bootfs-manifest-check
all: bootfs
bootfs: $(BOOTFS)

$(BOOTFS_DIR)/bin/%: $(B)/user/musl/%.elf
	@mkdir -p $(@D)
	$(STRIP) -o $@ $<
$(patsubst %,$(BOOTFS_DIR)/bin/%,$(BOOTFS_LIBEXO)): $(BOOTFS_DIR)/bin/%: $(B)/user/%.elf
	@mkdir -p $(@D)
	$(STRIP) -o $@ $<
$(BOOTFS_DIR)/bin/busybox: $(BUSYBOX_ELF)
	@mkdir -p $(@D)
	$(STRIP) -o $@ $<

# The applets busybox was configured with, one name a line, sorted (busybox's own list has their paths).
$(BOOTFS_DIR)/busybox.links: $(BUSYBOX_STAMP)
	@mkdir -p $(@D)
	@cd $(BUSYBOX_SRC) && HOSTCC="$(HOSTCC)" sh applets/busybox.mkll include/autoconf.h include/applets.h \
		>$(abspath $@).paths
	@sed 's|.*/||' $@.paths | LC_ALL=C sort >$@.tmp && rm $@.paths
	@[ -s $@.tmp ] || { echo "bootfs: busybox lists no applets ($@.tmp is empty)" >&2; exit 1; }
	@mv $@.tmp $@

$(BOOTFS_MANIFEST): $(BOOTFS_LINKS) mk/bootfs.mk bootfs-manifest-check
	@mkdir -p $(@D)
	@{ echo "# written by mk/bootfs.mk: the entries of $(BOOTFS), for tools/mkcpio's list directive"; \
	  echo "tree . rootfs"; \
	  for p in $(BOOTFS_PROGS) $(BOOTFS_LIBEXO); do echo "file bin/$$p $(BOOTFS_DIR)/bin/$$p"; done; \
	  if [ -n "$(BOOTFS_LINKS)" ]; then \
		echo "file bin/busybox $(BOOTFS_DIR)/bin/busybox"; \
		echo "slink bin/sh busybox"; \
		printf '%s\n' $(BOOTFS_PROGS) $(BOOTFS_LIBEXO) busybox sh | grep -vxF -f - $(BOOTFS_LINKS) | \
			sed 's|.*|slink bin/& busybox|'; \
	  fi; } >$@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(BOOTFS): $(BOOTFS_MANIFEST) $(BOOTFS_BINS) $(ROOTFS_DEPS) $(B)/tools/mkcpio
	$(B)/tools/mkcpio $@.tmp list $(BOOTFS_MANIFEST)
	@mv $@.tmp $@
