#!/bin/sh
# Install what a make target needs from Debian's packages when it is missing.
# usage: ensure-deps.sh qemu
set -eu

need_pkg() { # command package
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "exo: '$1' is missing; installing Debian package '$2' with apt-get"
	if [ "$(id -u)" -eq 0 ]; then
		SUDO=""
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		echo "exo: cannot install '$2': not root and no password-less sudo." >&2
		echo "exo: run 'sudo apt-get install $2' (or run make as root), then try again." >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q || true
	$SUDO apt-get install -y -q --no-install-recommends "$2"
	command -v "$1" >/dev/null 2>&1 || { echo "exo: '$2' installed but '$1' is still missing" >&2; exit 1; }
}

for what in "$@"; do
	case $what in
	qemu) need_pkg qemu-system-x86_64 qemu-system-x86 ;;
	*) echo "ensure-deps: unknown dependency '$what'" >&2; exit 2 ;;
	esac
done
