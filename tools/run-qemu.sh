#!/bin/sh
# Boot exo in QEMU (TCG, -cpu max) with one program as its first environment
# and the boot archive as the second boot module.
# usage: run-qemu.sh kernel.elf program.elf [args...]
# Environment: EXO_QEMU_EXTRA adds QEMU options; EXO_CPU overrides -cpu;
# EXO_APPEND is the kernel command line (e.g. exo.selftest=panic); EXO_MEM the RAM size;
# EXO_BOOTFS the boot archive: a file (which must exist), or "none" for no archive.
# Unset, it is bootfs.cpio next to the kernel (build/bootfs.cpio) when that exists.
#
# With a terminal, the serial console and QEMU's monitor share it (Ctrl-A X
# quits, Ctrl-A C is the monitor). Without one (CI, pipes), serial is plain
# stdin/stdout. Exo leaves through isa-debug-exit: QEMU status 1 means exo
# finished cleanly, and this script then exits 0; anything else is a failure.
set -u
kernel=$1
prog=$2
shift 2
cmd="$prog"
for a in "$@"; do cmd="$cmd $a"; done
# QEMU's -initrd separates modules with commas; a literal comma is doubled.
module=$(printf '%s' "$cmd" | sed 's/,/,,/g')
bootfs=${EXO_BOOTFS:-$(dirname "$kernel")/bootfs.cpio}
if [ "$bootfs" != none ]; then
	if [ -f "$bootfs" ]; then
		module="$module,$(printf '%s' "$bootfs" | sed 's/,/,,/g')"
	elif [ -n "${EXO_BOOTFS:-}" ]; then
		echo "exo: no boot archive $bootfs (EXO_BOOTFS)" >&2
		exit 1
	fi
fi

if [ -t 0 ] && [ -t 1 ]; then
	serial="-serial mon:stdio"
else
	serial="-serial stdio -monitor none"
fi
# shellcheck disable=SC2086
qemu-system-x86_64 -accel tcg -cpu "${EXO_CPU:-max}" -smp 1 -m "${EXO_MEM:-256M}" -display none $serial \
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$kernel" -append "${EXO_APPEND:-}" -initrd "$module" ${EXO_QEMU_EXTRA:-}
status=$?
if [ "$status" -eq 1 ]; then
	exit 0
fi
echo "exo: QEMU ended with status $status (exo did not power off cleanly)" >&2
exit 1
