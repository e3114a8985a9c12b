#!/bin/sh
# Make the kernel's symbol table (for symbolised backtraces) from a linked
# image: text symbols sorted by address, as assembly for the .ksyms section.
# usage: gen-ksyms.sh NM kernel.elf > ksyms.S   (NM may be empty: an empty table)
set -eu
nm_cmd=$1
elf=$2
if [ -z "$nm_cmd" ]; then
	syms=""
else
	syms=$("$nm_cmd" -n --defined-only "$elf" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }')
fi
printf '\t.section .ksyms, "a"\n\t.p2align 3\n\t.globl ksym_table, ksym_count, ksym_names\n'
printf 'ksym_count:\n\t.quad %s\n' "$(printf '%s\n' "$syms" | grep -c . || true)"
printf 'ksym_table:\n'
printf '%s\n' "$syms" | awk 'NF == 2 { printf "\t.quad 0x%s\n\t.long %d, 0\n", $1, off; off += length($2) + 1 }'
printf 'ksym_names:\n'
printf '%s\n' "$syms" | awk 'NF == 2 { printf "\t.asciz \"%s\"\n", $2 }'
