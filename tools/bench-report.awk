# Turn the benchmark's raw results into the report (tools/bench.sh runs it).
# usage: awk -F'\t' -v what=table|json|svg|md -f tools/bench-report.awk raw.tsv
#
# raw.tsv has one line per measured value, tab-separated:
#   system (exo|linux)  mode (icount|wall)  run  op  value|n/a  unit|reason
# Per operation and mode the figure is the median over runs (icount has one
# run: it is deterministic). The ratio is Linux/exo: above 1, exo is faster.
# Targets are issue 8's, for instructions under icount; wall-clock targets are
# half of them.

function init_targets() {
	target["syscall"] = 10; target["getppid"] = 10; target["exc"] = 40
	target["trap"] = 30; target["prot1"] = 30; target["appel1"] = 20; target["appel2"] = 20
	target["prot100"] = 10; target["unprot100"] = 10; target["pipe_rt"] = 10; target["shm_rt"] = 10
	target["yield"] = 10; target["lrpc_rt"] = 40; target["fork_wait"] = 2; target["spawn"] = 2
	target["boot"] = 50
}

function median(key,    n, i, j, t, v) {
	n = cnt[key]
	if (n == 0)
		return ""
	for (i = 1; i <= n; i++)
		v[i] = val[key, i] + 0
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}

function tgt(op, mode) {
	if (!(op in target))
		return ""
	return mode == "wall" ? target[op] / 2 : target[op]
}

# "12345.6" with thousands separators, for the tables.
function num(x,    s, int_part, frac, out) {
	s = sprintf("%.1f", x)
	int_part = substr(s, 1, index(s, ".") - 1)
	frac = substr(s, index(s, "."))
	out = ""
	while (length(int_part) > 3) {
		out = "," substr(int_part, length(int_part) - 2) out
		int_part = substr(int_part, 1, length(int_part) - 3)
	}
	return int_part out frac
}

function ratio_text(r) { return r == "" ? "-" : (r >= 10 ? sprintf("%.0fx", r) : sprintf("%.2fx", r)) }

function verdict(op, mode, r,    t) {
	t = tgt(op, mode)
	if (r == "")
		return exo_na[op] != "" ? "n/a on exo" : linux_na[op] != "" ? "no Linux equivalent" : "-"
	if (t == "")
		return ""
	return r >= t ? "met" : "MISSED"
}

function jstr(s) {
	if (s == "")
		return "null"
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}

function jnum(x) { return x == "" ? "null" : sprintf("%.1f", x) }

function log10(x) { return log(x) / log(10) }

BEGIN { init_targets(); nops = 0; modes[1] = "icount"; modes[2] = "wall" }

{
	sys = $1; mode = $2; op = $4; v = $5; rest = $6
	if (!(op in seen)) {
		seen[op] = 1
		ops[++nops] = op
	}
	if (v == "n/a") {
		if (sys == "exo")
			exo_na[op] = rest
		else
			linux_na[op] = rest
		next
	}
	key = sys SUBSEP mode SUBSEP op
	cnt[key]++
	val[key, cnt[key]] = v
	unit[mode] = rest
	runs[sys, mode, $3] = 1
}

END {
	for (m = 1; m <= 2; m++)
		for (i = 1; i <= nops; i++) {
			op = ops[i]; mode = modes[m]
			e = median("exo" SUBSEP mode SUBSEP op)
			l = median("linux" SUBSEP mode SUBSEP op)
			E[mode, op] = e; L[mode, op] = l
			R[mode, op] = (e != "" && l != "" && e > 0) ? l / e : ""
		}
	if (what == "table") table()
	else if (what == "json") json()
	else if (what == "svg") svg()
	else if (what == "md") md()
}

function mode_title(mode) {
	if (mode == "icount")
		return "icount: guest instructions per operation (-icount shift=0; deterministic, one run per system)"
	return "wall: nanoseconds per operation under plain TCG (median of " nruns(mode) " runs per system; not hardware time)"
}

function nruns(mode,    k, n, parts) {
	n = 0
	for (k in runs) {
		split(k, parts, SUBSEP)
		if (parts[1] == "exo" && parts[2] == mode)
			n++
	}
	return n
}

function table(    m, mode, i, op, line) {
	for (m = 1; m <= 2; m++) {
		mode = modes[m]
		if (unit[mode] == "")
			continue
		printf "\n%s\n", mode_title(mode)
		printf "%-10s | %16s | %16s | %9s | %6s | %s\n", "operation", "exo", "Linux", "Linux/exo", "target", ""
		printf "%s\n", "-----------+------------------+------------------+-----------+--------+-----------"
		for (i = 1; i <= nops; i++) {
			op = ops[i]
			printf "%-10s | %16s | %16s | %9s | %6s | %s\n", op, E[mode, op] == "" ? "n/a" : num(E[mode, op]),
			       L[mode, op] == "" ? "n/a" : num(L[mode, op]), ratio_text(R[mode, op]),
			       tgt(op, mode) == "" ? "-" : tgt(op, mode) "x", verdict(op, mode, R[mode, op])
		}
	}
	printf "\nNot measured:\n"
	for (i = 1; i <= nops; i++) {
		op = ops[i]
		if (exo_na[op] != "")
			printf "  %-10s exo: %s\n", op, exo_na[op]
		if (linux_na[op] != "")
			printf "  %-10s Linux: %s\n", op, linux_na[op]
	}
}

function json(    m, mode, i, op, first) {
	printf "["
	first = 1
	for (m = 1; m <= 2; m++) {
		mode = modes[m]
		if (unit[mode] == "")
			continue
		for (i = 1; i <= nops; i++) {
			op = ops[i]
			printf "%s\n  {\"op\": %s, \"mode\": %s, \"exo\": %s, \"linux\": %s, \"unit\": %s, ", first ? "" : ",",
			       jstr(op), jstr(mode), jnum(E[mode, op]), jnum(L[mode, op]), jstr(unit[mode])
			printf "\"ratio\": %s, \"target\": %s, \"runs\": %d, \"exo_note\": %s, \"linux_note\": %s}",
			       R[mode, op] == "" ? "null" : sprintf("%.3f", R[mode, op]), tgt(op, mode) == "" ? "null" : tgt(op, mode),
			       nruns(mode), jstr(exo_na[op]), jstr(linux_na[op])
			first = 0
		}
	}
	printf "\n]\n"
}

function md(    m, mode, i, op) {
	for (m = 1; m <= 2; m++) {
		mode = modes[m]
		if (unit[mode] == "")
			continue
		printf "\n**%s**\n\n", mode_title(mode)
		printf "| operation | exo | Linux | Linux/exo | target | |\n|---|--:|--:|--:|--:|---|\n"
		for (i = 1; i <= nops; i++) {
			op = ops[i]
			printf "| `%s` | %s | %s | %s | %s | %s |\n", op, E[mode, op] == "" ? "n/a" : num(E[mode, op]),
			       L[mode, op] == "" ? "n/a" : num(L[mode, op]), ratio_text(R[mode, op]),
			       tgt(op, mode) == "" ? "-" : tgt(op, mode) "x", verdict(op, mode, R[mode, op])
		}
	}
	printf "\nNot measured:\n\n"
	for (i = 1; i <= nops; i++) {
		op = ops[i]
		if (exo_na[op] != "")
			printf "- `%s` on exo: %s\n", op, exo_na[op]
		if (linux_na[op] != "")
			printf "- `%s` on Linux: %s\n", op, linux_na[op]
	}
}

# A horizontal bar chart of Linux/exo on a log scale, bars growing from 1x.
function svg(    W, left, right, top, rowh, H, lo, hi, i, m, op, r, x0, x1, y, d, col, t, xt, label, minr, maxr) {
	minr = 1; maxr = 1
	for (i = 1; i <= nops; i++)
		for (m = 1; m <= 2; m++) {
			r = R[modes[m], ops[i]]
			if (r != "" && r > 0) {
				if (r < minr) minr = r
				if (r > maxr) maxr = r
			}
		}
	lo = int(log10(minr)); if (log10(minr) < lo) lo--
	if (lo > -1) lo = -1
	hi = int(log10(maxr)); if (log10(maxr) > hi) hi++
	if (hi < 2) hi = 2
	W = 860; left = 100; right = 70; top = 78; rowh = 30
	H = top + nops * rowh + 40
	plotw = W - left - right
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H
	printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	printf "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Linux / exo, per operation (log scale; right of 1x: exo is faster)</text>\n", left - 90
	printf "<rect x=\"%d\" y=\"36\" width=\"14\" height=\"10\" fill=\"#3b6fb6\"/><text x=\"%d\" y=\"45\">instructions (icount)</text>\n", left, left + 20
	printf "<rect x=\"%d\" y=\"36\" width=\"14\" height=\"10\" fill=\"#9dbfe6\"/><text x=\"%d\" y=\"45\">wall-clock (TCG, median)</text>\n", left + 180, left + 200
	printf "<line x1=\"%d\" y1=\"41\" x2=\"%d\" y2=\"41\" stroke=\"#c0392b\" stroke-width=\"2\"/><text x=\"%d\" y=\"45\">issue 8 target (instructions)</text>\n", left + 370, left + 384, left + 390
	for (d = lo; d <= hi; d++) {
		xt = left + (d - lo) / (hi - lo) * plotw
		printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n", xt, top - 8, xt, top + nops * rowh, d == 0 ? "#333" : "#ddd"
		label = d < 0 ? sprintf("%gx", 10 ^ d) : sprintf("%dx", 10 ^ d)
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n", xt, top + nops * rowh + 16, label
	}
	x0 = left + (0 - lo) / (hi - lo) * plotw
	for (i = 1; i <= nops; i++) {
		op = ops[i]
		y = top + (i - 1) * rowh
		printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8, y + 18, op
		if (R["icount", op] == "" && R["wall", op] == "") {
			printf "<text x=\"%.1f\" y=\"%d\" fill=\"#888\">%s</text>\n", x0 + 6, y + 18,
			       exo_na[op] != "" ? "n/a on exo (not yet)" : linux_na[op] != "" ? "no Linux equivalent" : "n/a"
			continue
		}
		t = tgt(op, "icount") # the target first, so that bars and labels are drawn over it
		if (t != "") {
			xt = left + (log10(t) - lo) / (hi - lo) * plotw
			printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c0392b\" stroke-width=\"2\"/>\n", xt, y + 1, xt, y + 27
		}
		for (m = 1; m <= 2; m++) {
			r = R[modes[m], op]
			if (r == "" || r <= 0)
				continue
			col = m == 1 ? "#3b6fb6" : "#9dbfe6"
			x1 = left + (log10(r) - lo) / (hi - lo) * plotw
			printf "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"11\" fill=\"%s\"/>\n", x1 < x0 ? x1 : x0, y + 3 + (m - 1) * 12,
			       x1 < x0 ? x0 - x1 : x1 - x0, col
			printf "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#333\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\"%s>%s</text>\n", x1 < x0 ? x1 - 3 : x1 + 3,
			       y + 12 + (m - 1) * 12, x1 < x0 ? " text-anchor=\"end\"" : "", ratio_text(r)
		}
	}
	printf "</svg>\n"
}
