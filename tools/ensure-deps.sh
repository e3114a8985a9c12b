#!/bin/sh
# Install what a make target needs from Debian's packages when it is missing.
# usage: ensure-deps.sh WHAT...   (qemu, musl, linux)
#   qemu   qemu-system-x86_64 (qemu-system-x86)
#   musl   musl-gcc, Debian's musl toolchain wrapper (musl-tools)
#   linux  a Debian kernel image /boot/vmlinuz-* to compare against (linux-image-amd64)
set -eu

# install PACKAGE: apt-get install it, as root or through password-less sudo.
install_pkg() {
	if [ "$(id -u)" -eq 0 ]; then
		SUDO=""
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		echo "exo: cannot install '$1': not root and no password-less sudo." >&2
		echo "exo: run 'sudo apt-get install $1' (or run make as root), then try again." >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q || true
	$SUDO apt-get install -y -q --no-install-recommends "$1"
}

need_pkg() { # command package
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "exo: '$1' is missing; installing Debian package '$2' with apt-get"
	install_pkg "$2"
	command -v "$1" >/dev/null 2>&1 || { echo "exo: '$2' installed but '$1' is still missing" >&2; exit 1; }
}

have_kernel() { ls /boot/vmlinuz-* >/dev/null 2>&1; }

need_kernel() { # package
	have_kernel && return 0
	echo "exo: no Linux kernel in /boot (vmlinuz-*); installing Debian package '$1' with apt-get"
	install_pkg "$1"
	have_kernel || { echo "exo: '$1' installed but /boot/vmlinuz-* is still missing" >&2; exit 1; }
}

for what in "$@"; do
	case $what in
	qemu) need_pkg qemu-system-x86_64 qemu-system-x86 ;;
	musl) need_pkg musl-gcc musl-tools ;;
	linux) need_kernel linux-image-amd64 ;;
	*) echo "ensure-deps: unknown dependency '$what'" >&2; exit 2 ;;
	esac
done
