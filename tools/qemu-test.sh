#!/bin/sh
# Run one in-QEMU test (a line of tests/qemu.list) and write its verdict to
# LOGS/<id>.result: "PASS" or "FAIL" then a reason. The serial log goes to
# LOGS/<id>.log. usage: qemu-test.sh BUILD LOGS TIMEOUT "id | command | regex | options"
set -u
B=$1
LOGS=$2
TIMEOUT=$3
line=$4

field() { printf '%s' "$line" | awk -F'|' -v n="$1" '{ v=$n; gsub(/^[ \t]+|[ \t]+$/, "", v); print v }'; }
id=$(field 1)
command=$(field 2)
expect=$(field 3)
options=$(field 4)

cpu=max
input=""
append=""
mem=256M
extra=""
bootfs=$B/bootfs.cpio
reject=""
expect_panic=no
for opt in $options; do
	case $opt in
	cpu=*) cpu=${opt#cpu=} ;;
	input=*) input=${opt#input=} ;;
	append=*) append=${opt#append=} ;;
	mem=*) mem=${opt#mem=} ;;
	icount) extra="-icount shift=0,sleep=off -seed 1 -rtc base=2020-01-01T00:00:00,clock=vm" ;;
	panic) expect_panic=yes ;;
	bootfs=*) bootfs=${opt#bootfs=} ;;
	reject=*) reject=${opt#reject=} ;;
	*) printf 'FAIL\nunknown option %s\n' "$opt" >"$LOGS/$id.result"; exit 0 ;;
	esac
done

prog=${command%% *}
args=""
[ "$prog" != "$command" ] && args=${command#* }
elf=$B/user/$prog.elf
[ -f "$elf" ] || elf=$prog
if [ ! -f "$elf" ]; then
	printf 'FAIL\nno program %s\n' "$prog" >"$LOGS/$id.result"
	exit 0
fi

log=$LOGS/$id.log
# shellcheck disable=SC2086
if [ -n "$input" ]; then
	printf '%b\n' "$input" | EXO_BOOTFS=$bootfs EXO_QEMU_EXTRA="$extra" EXO_MEM=$mem EXO_APPEND=$append EXO_CPU=$cpu timeout "$TIMEOUT" sh tools/run-qemu.sh "$B/exo.elf" "$elf" $args >"$log" 2>&1
else
	EXO_BOOTFS=$bootfs EXO_QEMU_EXTRA="$extra" EXO_MEM=$mem EXO_APPEND=$append EXO_CPU=$cpu timeout "$TIMEOUT" sh tools/run-qemu.sh "$B/exo.elf" "$elf" $args </dev/null >"$log" 2>&1
fi
status=$?

verdict=PASS
reason=""
if [ "$expect_panic" = yes ]; then
	# The test is the panic itself: it must be reported and must end QEMU with a failing status.
	if [ "$status" -eq 0 ]; then
		verdict=FAIL reason="a kernel panic must make the run fail"
	elif ! grep -q 'PANIC' "$log"; then
		verdict=FAIL reason="no panic report"
	elif ! tr -d '\r' <"$log" | grep -qE -- "$expect"; then
		verdict=FAIL reason="expected output not found: $expect"
	fi
elif grep -q 'PANIC' "$log"; then
	verdict=FAIL reason="kernel panic"
elif [ "$status" -eq 124 ]; then
	verdict=FAIL reason="timed out after ${TIMEOUT}s"
elif grep -q 'exo: FAIL' "$log"; then
	verdict=FAIL reason=$(grep -m1 'exo: FAIL' "$log")
elif [ "$status" -ne 0 ]; then
	verdict=FAIL reason="exo did not power off cleanly (QEMU status)"
elif ! tr -d '\r' <"$log" | grep -qE -- "$expect"; then
	verdict=FAIL reason="expected output not found: $expect"
elif [ -n "$reject" ] && tr -d '\r' <"$log" | grep -qE -- "$reject"; then
	verdict=FAIL reason="output that must not appear: $reject"
fi
printf '%s\n%s\n' "$verdict" "$reason" >"$LOGS/$id.result"
