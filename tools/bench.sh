#!/bin/sh
# `make bench`: run the benchmark (bench/bench.c) on exo and on Linux in the
# same QEMU command line and report the comparison (issue 8, BRIEF §5).
# mk/bench.mk builds everything and installs what is missing first.
#
# Both systems boot through tools/run-qemu.sh, so their QEMU command lines
# are identical (TCG, -cpu max, -smp 1, -m 256M, the same devices) apart from
# -kernel, -initrd and -append. exo gets the benchmark as its first program and
# its boot archive ($B/bootfs.cpio) as the second module, as `make run` boots it.
# Linux gets Debian's kernel from /boot, the
# benchmark as /init in an initramfs, and `console=ttyS0 mitigations=off
# quiet panic=-1`. Both end the run through isa-debug-exit.
#
# Two passes:
#   icount  -icount shift=0,sleep=off -seed 1 -rtc base=2020-01-01T00:00:00,clock=vm
#           one run per system (deterministic): guest instructions
#   wall    plain TCG, BENCH_RUNS runs per system (default 5), alternating: nanoseconds
#
# Outputs: the table on stdout, $B/bench/results.json, $B/bench/ratios.svg
# (copied to docs/benchmarks.svg), the results section of docs/benchmarks.md,
# and every run's serial log in $B/bench/logs/.
# Environment: B (build dir), BENCH_RUNS, BENCH_TIMEOUT (seconds per run,
# default 600), BENCH_LINUX_KERNEL (default: the newest /boot/vmlinuz-*),
# BENCH_DOCS=0 to leave docs/ alone.
set -u
B=${B:-build}
OUT=$B/bench
RUNS=${BENCH_RUNS:-5}
TIMEOUT=${BENCH_TIMEOUT:-600}
KERNEL=$B/exo.elf
EXO_PROG=$B/user/bench.elf
INITRD=$OUT/initrd-linux.cpio
BOOTFS=$B/bootfs.cpio
LINUX_KERNEL=${BENCH_LINUX_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
ICOUNT="-icount shift=0,sleep=off -seed 1 -rtc base=2020-01-01T00:00:00,clock=vm"
LINUX_APPEND="console=ttyS0 mitigations=off quiet panic=-1"
start=$(date +%s)

for f in "$KERNEL" "$EXO_PROG" "$BOOTFS" "$INITRD"; do
	[ -f "$f" ] || { echo "bench: $f is missing; run 'make bench'" >&2; exit 1; }
done
[ -f "$LINUX_KERNEL" ] || { echo "bench: no Linux kernel in /boot; run 'make bench' (it installs linux-image-amd64)" >&2; exit 1; }

mkdir -p "$OUT/logs"
rm -f "$OUT"/logs/*.log "$OUT/raw.tsv"
failed=0

# run SYSTEM MODE N: boot SYSTEM with the benchmark in MODE; the log goes to logs/SYSTEM-MODE-N.log.
run() {
	log=$OUT/logs/$1-$2-$3.log
	extra=""
	[ "$2" = icount ] && extra=$ICOUNT
	if [ "$1" = exo ]; then
		EXO_CPU=max EXO_MEM=256M EXO_APPEND="" EXO_QEMU_EXTRA="$extra" EXO_BOOTFS="$BOOTFS" \
			timeout "$TIMEOUT" sh tools/run-qemu.sh "$KERNEL" "$EXO_PROG" "$2" </dev/null >"$log" 2>&1
	else
		EXO_CPU=max EXO_MEM=256M EXO_APPEND="$LINUX_APPEND -- $2" EXO_QEMU_EXTRA="$extra" EXO_BOOTFS=none \
			timeout "$TIMEOUT" sh tools/run-qemu.sh "$LINUX_KERNEL" "$INITRD" </dev/null >"$log" 2>&1
	fi
	status=$?
	if [ "$status" -ne 0 ] || ! tr -d '\r' <"$log" | grep -q '^BENCH done'; then
		echo "bench: $1 $2 run $3 failed (status $status); the end of $log:" >&2
		tail -n 20 "$log" | sed 's/^/    /' >&2
		failed=1
		return
	fi
	tr -d '\r' <"$log" | awk -v sys="$1" -v mode="$2" -v n="$3" '
		$1 == "BENCH" && NF >= 4 {
			rest = $4
			for (i = 5; i <= NF; i++)
				rest = rest " " $i
			printf "%s\t%s\t%s\t%s\t%s\t%s\n", sys, mode, n, $2, $3, rest
		}' >>"$OUT/raw.tsv"
}

echo "bench: exo $KERNEL + $EXO_PROG; Linux $LINUX_KERNEL + $INITRD"
echo "bench: QEMU as tools/run-qemu.sh runs it: -accel tcg -cpu max -smp 1 -m 256M, isa-debug-exit; Linux -append '$LINUX_APPEND'"
echo "bench: icount pass (both systems at once: instruction counts do not depend on the host)"
run exo icount 1 &
run linux icount 1
wait
# A background run's failure is seen in its log, not in $failed: check again.
for s in exo linux; do
	tr -d '\r' <"$OUT/logs/$s-icount-1.log" 2>/dev/null | grep -q '^BENCH done' || failed=1
done
echo "bench: wall-clock pass, $RUNS runs per system, one at a time"
i=1
while [ "$i" -le "$RUNS" ]; do
	run exo wall "$i"
	run linux wall "$i"
	i=$((i + 1))
done
if [ "$failed" -ne 0 ]; then
	echo "bench: some runs failed; no report written" >&2
	exit 1
fi

report() { awk -F'\t' -v what="$1" -f tools/bench-report.awk "$OUT/raw.tsv"; }
report table
report json >"$OUT/results.json"
report svg >"$OUT/ratios.svg"

elapsed=$(($(date +%s) - start))
firmware=$(tr -d '\r' <"$OUT/logs/exo-icount-1.log" | awk '$1 == "BENCHINFO" && $2 == "firmware" { print $3 }')
if [ "${BENCH_DOCS:-1}" != 0 ] && [ -f docs/benchmarks.md ]; then
	cp "$OUT/ratios.svg" docs/benchmarks.svg
	{
		echo "Measured $(date -u +%Y-%m-%d) by \`make bench\` ($elapsed s of QEMU runs) on $(nproc) cores of"
		echo "\"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)\"; $(qemu-system-x86_64 --version | head -n 1);"
		echo "Linux: Debian's $(basename "$LINUX_KERNEL"). Firmware before exo's first instruction: $firmware instructions"
		echo "(included in Linux's \`boot\`, which counts from reset)."
		report md
		echo
		echo "![Linux/exo per operation](benchmarks.svg)"
	} >"$OUT/results.md"
	awk -v gen="$OUT/results.md" '
		/<!-- bench:results:end -->/ { skipping = 0 }
		!skipping { print }
		/<!-- bench:results:begin -->/ { while ((getline l < gen) > 0) print l; skipping = 1 }' \
		docs/benchmarks.md >"$OUT/benchmarks.md.new" && mv "$OUT/benchmarks.md.new" docs/benchmarks.md
fi
echo
echo "bench: wrote $OUT/results.json, $OUT/ratios.svg (and docs/benchmarks.svg, docs/benchmarks.md); logs in $OUT/logs/"
echo "bench: QEMU runs took $elapsed s"
