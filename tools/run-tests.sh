#!/bin/sh
# Run every test: host unit tests, build checks, and the in-QEMU tests of
# tests/qemu.list. Prints one line per test (PASS/FAIL id) and ends with
# "N passed, N failed"; exits non-zero when anything failed.
# Environment: EXO_TEST_JOBS (parallel QEMU runs, default: number of CPUs),
# EXO_TEST_TIMEOUT (seconds per QEMU test, default 60), EXO_TEST_FILTER (regex on ids).
set -u
B=${B:-build}
LOGS=$B/test-logs
JOBS=${EXO_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
TIMEOUT=${EXO_TEST_TIMEOUT:-60}
FILTER=${EXO_TEST_FILTER:-.}
rm -rf "$LOGS"
mkdir -p "$LOGS"
passed=0
failed=0

result() { # PASS|FAIL id [reason]
	if [ "$1" = PASS ]; then
		passed=$((passed + 1))
		echo "PASS $2"
	else
		failed=$((failed + 1))
		echo "FAIL $2${3:+ ($3)}"
	fi
}

# ---- host unit tests: each binary prints PASS/FAIL lines itself ----
for t in "$B"/host/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log=$LOGS/host-$name.log
	"$t" >"$log" 2>&1
	status=$?
	grep -E '^(PASS|FAIL) ' "$log" | grep -E "$FILTER" || true
	p=$(grep -cE '^PASS ' "$log")
	f=$(grep -cE '^FAIL ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		result FAIL "host.$name" "exited with status $status without naming a failed case; see $log"
		tail -n 20 "$log" | sed 's/^/    /'
	elif [ "$f" -ne 0 ]; then
		tail -n 30 "$log" | sed 's/^/    /'
	fi
done

# ---- build checks ----
if "$B"/tools/gen-kcall-doc | cmp -s - docs/kernel-calls.md; then
	result PASS build.kcall-doc-current
else
	result FAIL build.kcall-doc-current "docs/kernel-calls.md is stale: run 'make docs/kernel-calls.md'"
fi
# The clang build leaves busybox out (EXO_BUSYBOX=no): it is third-party code that takes longer to
# build than the rest of the tree, and `make test` has already built it with the primary compiler.
if command -v clang >/dev/null 2>&1; then
	if make -s B="$B/clang" CC=clang EXO_BUSYBOX=no all >"$LOGS/clang.log" 2>&1; then
		result PASS build.clang
	else
		result FAIL build.clang "make CC=clang failed; see $LOGS/clang.log"
		tail -n 20 "$LOGS/clang.log" | sed 's/^/    /'
	fi
fi

# ---- in-QEMU tests ----
# Each runs in the background via tools/qemu-test.sh, which writes LOGS/<id>.result.
grep -vE '^[[:space:]]*(#|$)' tests/qemu.list | awk -F'|' -v f="$FILTER" '{ id=$1; gsub(/^[ \t]+|[ \t]+$/, "", id); if (id ~ f) print }' \
	>"$LOGS/qemu.selected"
tr '\n' '\0' <"$LOGS/qemu.selected" |
	xargs -0 -n 1 -P "$JOBS" sh tools/qemu-test.sh "$B" "$LOGS" "$TIMEOUT"
while IFS= read -r line; do
	id=$(printf '%s' "$line" | awk -F'|' '{ gsub(/^[ \t]+|[ \t]+$/, "", $1); print $1 }')
	res=$LOGS/$id.result
	if [ ! -f "$res" ]; then
		result FAIL "qemu.$id" "no result recorded"
		continue
	fi
	verdict=$(head -n 1 "$res")
	reason=$(sed -n 2p "$res")
	if [ "$verdict" = PASS ]; then
		result PASS "qemu.$id"
	else
		result FAIL "qemu.$id" "$reason"
		tail -n 25 "$LOGS/$id.log" | sed 's/^/    /'
	fi
done <"$LOGS/qemu.selected"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
