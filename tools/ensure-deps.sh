#!/bin/sh
# Install what a make target needs from Debian's packages when it is missing.
# usage: ensure-deps.sh WHAT...   (qemu, musl, linux, musl-src, busybox-src)
#   qemu      qemu-system-x86_64 (qemu-system-x86)
#   musl      musl-gcc, Debian's musl toolchain wrapper (musl-tools)
#   linux     a Debian kernel image /boot/vmlinuz-* to compare against (linux-image-amd64)
#   musl-src  what building exo's own musl from Debian's source package needs (mk/musl.mk):
#             an APT deb-src entry, so that `apt-get source musl` works (when no APT source
#             list has one, adds /etc/apt/sources.list.d/exo-deb-src.sources for Debian
#             bookworm and runs apt-get update), and the build tools make, tar and gzip
#   busybox-src what building busybox from Debian's source package needs (mk/busybox.mk): the
#             same deb-src entry, make, tar, bzip2 and xz (to unpack), patch (Debian's security
#             fixes), and the Linux UAPI headers busybox includes (linux-libc-dev)
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

# True when this script can act as root (it is root, or has password-less sudo).
can_root() { [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; }

# as_root CMD...: run CMD as root (directly or through password-less sudo); needs can_root.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo -n "$@"
	fi
}

DEB_SRC_FILE=/etc/apt/sources.list.d/exo-deb-src.sources

# True when some APT source list already has a deb-src entry (one-line or deb822 format).
have_deb_src() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && grep -qE '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -qiE '^Types:.*deb-src' "$f" && return 0
	done
	return 1
}

# need_deb_src PACKAGE: make `apt-get source PACKAGE` possible: a deb-src entry, and package
# lists that include sources.
need_deb_src() {
	if ! have_deb_src; then
		if ! can_root; then
			echo "exo: building $1 needs Debian's source packages, and APT has no deb-src entry." >&2
			echo "exo: not root and no password-less sudo, so as root create $DEB_SRC_FILE with these lines:" >&2
			echo "exo:   Types: deb-src" >&2
			echo "exo:   URIs: http://deb.debian.org/debian" >&2
			echo "exo:   Suites: bookworm bookworm-updates" >&2
			echo "exo:   Components: main" >&2
			echo "exo:   Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >&2
			echo "exo: then run 'sudo apt-get update' and try again." >&2
			exit 1
		fi
		echo "exo: APT has no deb-src entry; adding $DEB_SRC_FILE (Debian bookworm sources)"
		printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm bookworm-updates' \
			'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
			as_root tee "$DEB_SRC_FILE" >/dev/null
	fi
	if [ -z "$(apt-cache showsrc "$1" 2>/dev/null)" ]; then
		if ! can_root; then
			echo "exo: APT knows no source package '$1': run 'sudo apt-get update', then try again." >&2
			exit 1
		fi
		echo "exo: APT knows no source package '$1' yet; running apt-get update"
		as_root apt-get update -q
		[ -n "$(apt-cache showsrc "$1" 2>/dev/null)" ] ||
			{ echo "exo: apt-get update ran but APT still knows no source package '$1'" >&2; exit 1; }
	fi
}

need_file() { # file package: the package that installs file
	[ -e "$1" ] && return 0
	echo "exo: '$1' is missing; installing Debian package '$2' with apt-get"
	install_pkg "$2"
	[ -e "$1" ] || { echo "exo: '$2' installed but '$1' is still missing" >&2; exit 1; }
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
	musl-src)
		need_pkg make make
		need_pkg tar tar
		need_pkg gzip gzip
		need_deb_src musl
		;;
	busybox-src)
		need_pkg make make
		need_pkg tar tar
		need_pkg bzip2 bzip2
		need_pkg xz xz-utils
		need_pkg patch patch
		need_file /usr/include/linux/version.h linux-libc-dev
		need_file /usr/include/x86_64-linux-gnu/asm/unistd.h linux-libc-dev
		need_deb_src busybox
		;;
	*) echo "ensure-deps: unknown dependency '$what'" >&2; exit 2 ;;
	esac
done
