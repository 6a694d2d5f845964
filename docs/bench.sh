#!/bin/sh
# Performance figures of consentwiz: regenerates every measured table of
# docs/performance.md. Run from anywhere:
#   docs/bench.sh             # prints the tables (~3 min on 2 cores)
#   docs/bench.sh -w          # ...and writes them into docs/performance.md
#   BENCHTIME=3s docs/bench.sh -w
#   docs/bench.sh -w size     # only some parts: size, process, bench, tests
# Needs only the Go toolchain; everything runs against the in-process
# simulated cloud (graph/sim) on loopback, no network and no tenant.
#
# In docs/performance.md each generated table sits between the lines
# <!-- bench:NAME --> and <!-- /bench:NAME -->; -w replaces what is between.
set -eu
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-1s}
write=false
if [ "${1:-}" = "-w" ]; then
	write=true
	shift
fi
parts=" ${*:-size process bench tests} "
# want PART: whether PART's tables are regenerated this run.
want() { case $parts in *" $1 "*) return 0 ;; esac; return 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# block NAME: the table on stdin becomes block NAME (printed, and kept for -w).
block() {
	cat >"$tmp/block.$1"
	echo "<!-- bench:$1 -->"
	cat "$tmp/block.$1"
	echo "<!-- /bench:$1 -->"
	echo
}

# bench PKG PATTERN [BENCHTIME]: run benchmarks, keep their result lines.
bench() {
	go test -run '^$' -bench "$2" -benchmem -benchtime="${3:-$BENCHTIME}" -timeout 30m "$1" |
		grep -E '^Benchmark' | tee -a "$tmp/bench.txt" >&2
}

# rows SPEC...: one Markdown row per "label=benchmark name" (without the
# -GOMAXPROCS suffix), columns from the benchmark's metrics. Columns are
# chosen with COLS: t (time/op), rt (roundtrips/op or graph-roundtrips/op),
# gr (graph-requests/op), resp (resp-B/op), B (B/op), a (allocs/op),
# auth (authority-requests/op), tps (tenants/s), rtt (graph-roundtrips/tenant),
# tok (token-requests/tenant), thr (throttled-reads/op).
rows() {
	for spec in "$@"; do
		echo "$spec"
	done | awk -v cols="$COLS" -v file="$tmp/bench.txt" '
	function human_t(ns) {
		if (ns >= 1e9) return sprintf("%.2f s", ns / 1e9)
		if (ns >= 1e8) return sprintf("%.0f ms", ns / 1e6)
		if (ns >= 1e7) return sprintf("%.1f ms", ns / 1e6)
		if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
		if (ns >= 1e5) return sprintf("%.0f µs", ns / 1e3)
		if (ns >= 1e3) return sprintf("%.1f µs", ns / 1e3)
		return sprintf("%d ns", ns)
	}
	function human_b(b) {
		if (b >= 1e6) return sprintf("%.1f MB", b / 1e6)
		if (b >= 1e3) return sprintf("%.0f kB", b / 1e3)
		return sprintf("%d B", b)
	}
	function group(n,   s, neg) {
		s = sprintf("%d", n + 0.5)
		while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]([,]|$)/, ",&", s)
		return s
	}
	function num(v) { return (v == int(v)) ? group(v) : sprintf("%.2f", v) }
	BEGIN {
		while ((getline line < file) > 0) {
			n = split(line, f, /[ \t]+/)
			name = f[1]; sub(/-[0-9]+$/, "", name)
			for (i = 3; i < n; i += 2) m[name, f[i + 1]] = f[i]
			seen[name] = 1
		}
		nc = split(cols, c, ",")
	}
	{
		label = $0; sub(/=.*/, "", label)
		name = $0; sub(/^[^=]*=/, "", name)
		if (!(name in seen)) { printf "| %s | (not run: %s) |\n", label, name; next }
		row = "| " label
		for (i = 1; i <= nc; i++) {
			k = c[i]
			if (k == "t") v = human_t(m[name, "ns/op"])
			else if (k == "rt") v = num(m[name, "roundtrips/op"] != "" ? m[name, "roundtrips/op"] : m[name, "graph-roundtrips/op"])
			else if (k == "gr") v = num(m[name, "graph-requests/op"])
			else if (k == "resp") v = group(m[name, "resp-B/op"])
			else if (k == "B") v = human_b(m[name, "B/op"])
			else if (k == "a") v = group(m[name, "allocs/op"])
			else if (k == "auth") v = num(m[name, "authority-requests/op"])
			else if (k == "tps") v = sprintf("%.1f", m[name, "tenants/s"])
			else if (k == "wall") v = human_t(m[name, "ns/op"])
			else if (k == "rtt") v = sprintf("%.2f", m[name, "graph-roundtrips/tenant"])
			else if (k == "tok") v = num(m[name, "token-requests/tenant"])
			else if (k == "thr") v = num(m[name, "throttled-reads/op"])
			row = row " | " v
		}
		print row " |"
	}'
}

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load average[s]*: //'; }

{
	echo "| | |"
	echo "|---|---|"
	echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
	echo "| commit | $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)') |"
	echo "| cores (\`nproc\`) | $(nproc) |"
	echo "| CPU | $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || uname -m) |"
	echo "| Go | $(go version | sed 's/^go version //') |"
	echo "| OS | $(uname -sr) |"
	echo "| load average at the start (1, 5, 15 min) | $(load) |"
	echo "| \`BENCHTIME\` | $BENCHTIME |"
} | block machine

# ---- binary size and process start -------------------------------------------
if want size || want process; then
	# The release build is .goreleaser.yaml's: stripped, -trimpath, and without
	# net/http's HTTP/2 (Graph and the sign-in answer HTTP/1.1 as well).
	go build -o "$tmp/consentwiz" .
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/consentwiz-sw" .
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -tags nethttpomithttp2 -o "$tmp/consentwiz-rel" .
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -tags nethttpomithttp2 -gcflags=all=-l -o "$tmp/consentwiz-noinl" .
	CGO_ENABLED=0 go build -trimpath -tags nethttpomithttp2 -o "$tmp/consentwiz-sym" .
fi
size() { wc -c <"$1" | awk '{printf "%.1f MiB (%.2f MB)", $1/1048576, $1/1e6}'; }
want size && {
	echo "| build (linux/amd64) | size |"
	echo "|---|---|"
	echo "| \`go build\` | $(size "$tmp/consentwiz") |"
	echo "| \`-trimpath -ldflags='-s -w'\` | $(size "$tmp/consentwiz-sw") |"
	echo "| release: \`-trimpath -ldflags='-s -w' -tags nethttpomithttp2\` | $(size "$tmp/consentwiz-rel") |"
	echo "| release + \`-gcflags=all=-l\` (no inlining; not used) | $(size "$tmp/consentwiz-noinl") |"
} | block size

# What each module costs: the size of its code and data symbols in the
# release build (before stripping). Zero-filled memory takes no room in the
# file and is left out: the FIPS DRBG's 32 MiB buffer and go-runewidth's
# 2 MiB width table (both .noptrbss). The file is larger than the sum: the
# function tables (.gopclntab) add about 0.7 bytes per byte of code.
want size && {
	echo "| module or package | code and data |"
	echo "|---|---|"
	go tool nm -size "$tmp/consentwiz-sym" | awk '
	$3 != "B" && $3 != "b" && $4 != "crypto/internal/fips140/drbg.memory" && $4 != "github.com/mattn/go-runewidth.strictWidthLUT" {
		name = $4
		sub(/^(type:\*?|go:itab\.\*?)/, "", name)
		if (name ~ /^(github\.com|golang\.org|charm\.land)\//) {
			split(name, p, "/"); m = p[3]; sub(/[.(\[].*$/, "", m); key = p[1] "/" p[2] "/" m
		} else if (name ~ /^consentwiz\//) {
			key = name; sub(/[.(\[].*$/, "", key)
			if (key ~ /^consentwiz\/[^\/]+\/[^\/]+\/[^\/]+/) { split(key, p, "/"); key = p[1] "/" p[2] "/" p[3] }
		} else key = "Go runtime and standard library"
		sz[key] += $2; total += $2
	}
	END {
		for (k in sz) if (sz[k] >= 8192) printf "%d\t%s\n", sz[k], k
		printf "%d\t%s\n", total, "total"
	}' | sort -rn | awk -F '\t' '{ printf "| %s | %.0f KiB |\n", ($2 == "total" ? "**all symbols**" : "`" $2 "`"), $1 / 1024 }'
} | block sizemodules

runs() { # label, command...: mean wall time of 20 runs, in ms
	label=$1
	shift
	"$@" >/dev/null 2>&1 || true # warm the page cache
	start=$(date +%s%N)
	i=0
	while [ $i -lt 20 ]; do
		"$@" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	end=$(date +%s%N)
	awk -v l="$label" -v ns=$((end - start)) 'BEGIN { printf "| %s | %.1f ms |\n", l, ns / 20 / 1e6 }'
}
want process && {
	echo "| process start to exit (release binary, mean of 20, no network) | time |"
	echo "|---|---|"
	runs "\`consentwiz --version\`" "$tmp/consentwiz-rel" --version
	runs "\`consentwiz explain AADSTS90094\`" "$tmp/consentwiz-rel" explain AADSTS90094
	runs "\`consentwiz link --profile trackerrms --tenant <GUID>\`" "$tmp/consentwiz-rel" link --profile trackerrms --tenant 9c3b4a71-dbf1-4d05-a8da-d8599cae63c1
} | block process

# ---- benchmarks ----------------------------------------------------------------
if want bench; then
: >"$tmp/bench.txt"
echo "benchmarks (-benchtime=$BENCHTIME) ..." >&2
bench ./graph 'BenchmarkSnapshot$|BenchmarkSnapshotUserGrants|BenchmarkPoll|BenchmarkTenants200'
bench ./flows 'BenchmarkSanitizeLong|BenchmarkBuildScan'
bench ./internal/difftest 'BenchmarkScan' 5x
bench ./ui 'BenchmarkFirstFrame|BenchmarkStartWithJournal|BenchmarkView|BenchmarkUpdateKey|BenchmarkExplain|BenchmarkLink|BenchmarkCheck$'
bench ./ui 'BenchmarkCheckMany' 1x

{
	echo "| tenant | time/op | round trips/op | Graph requests/op | response bytes/op | B/op | allocs/op |"
	echo "|---|---|---|---|---|---|---|"
	COLS=t,rt,gr,resp,B,a rows \
		"locked-down=BenchmarkSnapshot/locked-down" \
		"many-apps (20,000 users consented to the app)=BenchmarkSnapshot/many-apps" \
		"request-workflow=BenchmarkSnapshot/request-workflow" \
		"locked-down, Graph 100 ms away=BenchmarkSnapshot/locked-down/latency-100ms" \
		"many-apps, Graph 100 ms away=BenchmarkSnapshot/many-apps/latency-100ms"
} | block snapshot

{
	echo "| users who consented to the app | Graph latency | time/op | round trips/op | Graph requests/op | response bytes/op | allocs/op |"
	echo "|---|---|---|---|---|---|---|"
	COLS=t,rt,gr,resp,a rows \
		"100 | 0=BenchmarkSnapshotUserGrants/users-100/latency-0ms" \
		"1,000 | 0=BenchmarkSnapshotUserGrants/users-1000/latency-0ms" \
		"20,000 | 0=BenchmarkSnapshotUserGrants/users-20000/latency-0ms" \
		"20,000 | 100 ms=BenchmarkSnapshotUserGrants/users-20000/latency-100ms"
} | block usergrants

{
	echo "| read (many-apps) | Graph latency | time/op | round trips/op | Graph requests/op | response bytes/op | allocs/op |"
	echo "|---|---|---|---|---|---|---|"
	COLS=t,rt,gr,resp,a rows \
		"\`PollApp\` (after a fix) | 0=BenchmarkPoll/app/latency-0ms" \
		"\`PollRequests\` (awaiting requests) | 0=BenchmarkPoll/requests/latency-0ms" \
		"\`Snapshot\` (what every poll read before) | 0=BenchmarkPoll/full-snapshot/latency-0ms" \
		"\`PollApp\` | 100 ms=BenchmarkPoll/app/latency-100ms" \
		"\`PollRequests\` | 100 ms=BenchmarkPoll/requests/latency-100ms" \
		"\`Snapshot\` | 100 ms=BenchmarkPoll/full-snapshot/latency-100ms"
} | block poll

{
	echo "| tenant | Graph latency (sim \`Faults{Latency}\`) | time/op | Graph round trips | Graph requests | authority requests |"
	echo "|---|---|---|---|---|---|"
	COLS=t,rt,gr,auth rows \
		"locked-down | 0=BenchmarkCheck/locked-down/graph-latency-0ms" \
		"locked-down | 100 ms=BenchmarkCheck/locked-down/graph-latency-100ms" \
		"many-apps | 0=BenchmarkCheck/many-apps/graph-latency-0ms" \
		"many-apps | 100 ms=BenchmarkCheck/many-apps/graph-latency-100ms"
} | block check

{
	echo "| what | time | allocs |"
	echo "|---|---|---|"
	COLS=t,a rows \
		"\`explain\` in-process (\`BenchmarkExplain\`)=BenchmarkExplain" \
		"\`link\` in-process, tenant id, no network (\`BenchmarkLink\`)=BenchmarkLink" \
		"first frame of the wizard: \`NewModel\` + first \`View\` at 120×40 (\`BenchmarkFirstFrame\`)=BenchmarkFirstFrame" \
		"start-up with the journal: read and check it, \`NewModel\`, first \`View\` — no entry (\`BenchmarkStartWithJournal\`)=BenchmarkStartWithJournal/entries-0" \
		"start-up with 1,000 journal entries waiting (the first frame offers the oldest)=BenchmarkStartWithJournal/entries-1000" \
		"\`View\`, choose the app (120×40)=BenchmarkView/choose-app" \
		"\`View\`, tenant input=BenchmarkView/tenant-input" \
		"\`View\`, checklist / choose a fix, small tenant=BenchmarkView/checklist/small" \
		"\`View\`, checklist, many-apps diagnosis=BenchmarkView/checklist/many-apps" \
		"\`View\`, checklist, the app with 500 users' grants and pending requests=BenchmarkView/checklist/app-500-requests" \
		"\`Update\`, one key on the checklist (\`BenchmarkUpdateKey/update\`)=BenchmarkUpdateKey/update" \
		"\`Update\` + \`View\`, one key=BenchmarkUpdateKey/update+view" \
		"\`flows.Sanitize\` of 1 MB cut to 600 runes (\`BenchmarkSanitizeLong\`)=BenchmarkSanitizeLong"
} | block ui

{
	echo "| tenants | concurrency | wall time | tenants/s | Graph round trips / tenant | token requests / tenant |"
	echo "|---|---|---|---|---|---|"
	COLS=wall,tps,rtt,tok rows \
		"200 | 8 (default)=BenchmarkCheckMany/tenants-200/concurrency-8" \
		"200 | 32=BenchmarkCheckMany/tenants-200/concurrency-32" \
		"40 | 1=BenchmarkCheckMany/tenants-40/concurrency-1"
} | block checkmany

{
	echo "| a throttled tenant | wall time | tenants/s | Graph round trips / tenant | throttled reads |"
	echo "|---|---|---|---|---|"
	COLS=wall,tps,rtt,thr rows \
		"waits without a worker (\`check --tenants\`)=BenchmarkCheckManyThrottled/handed-back" \
		"waits in its worker (the Graph client waits out Retry-After)=BenchmarkCheckManyThrottled/waited-in-worker"
} | block checkmanythrottled

# graph-requests/op is every Graph read the diagnosis makes: a script that
# calls the same endpoints one by one makes exactly that many round trips.
{
	echo "| | locked-down | request-workflow | many-apps (20,000 apps, 50,000 grants, 500 requests, 20,000 users' own grants of the app) |"
	echo "|---|---|---|---|"
	v() { COLS=$1 rows "x=BenchmarkSnapshot/$2" | sed 's/^| x | //; s/ |$//'; }
	echo "| consentwiz (\`\$batch\`, server-side \`\$filter\`/\`\$select\`), HTTP round trips | **$(v rt locked-down)** | **$(v rt request-workflow)** | **$(v rt many-apps)** |"
	echo "| a script making the same reads one call each | $(v gr locked-down) | $(v gr request-workflow) | $(v gr many-apps) |"
	# Counted from the scenarios' sizes (graph/sim/scenarios.go), not measured.
	echo "| a script that lists whole collections and filters on the client | 13 | 14 | 917 with pages of 100 (servicePrincipals 201, oauth2PermissionGrants 701, appConsentRequests 5, + the 10 other reads); 103 with \`\$top=999\` |"
	echo "| the Entra admin center (estimate) | ~9 blades | ~10 blades | ~9 blades |"
} | block compare
fi

# ---- test times ----------------------------------------------------------------
want tests && {
	echo "| package | \`go test -count=1\` wall time |"
	echo "|---|---|"
	for p in ./flows ./graph ./graph/sim ./ui; do
		start=$(date +%s%N)
		go test -count=1 "$p" >/dev/null
		end=$(date +%s%N)
		awk -v p="$p" -v ns=$((end - start)) 'BEGIN { printf "| `%s` | %.1f s |\n", p, ns / 1e9 }'
	done
} | block tests

echo "load average at the end: $(load)"

if $write; then
	# A partial run leaves the machine table alone: it describes the full run
	# the other tables come from.
	[ "$parts" = " size process bench tests " ] || rm -f "$tmp/block.machine"
	awk -v dir="$tmp" '
	/^<!-- bench:[a-z]+ -->$/ {
		name = $0; sub(/^<!-- bench:/, "", name); sub(/ -->$/, "", name)
		f = dir "/block." name
		print
		if ((getline l < f) > 0) {
			print l
			while ((getline l < f) > 0) print l
			skip = 1
		}
		next
	}
	/^<!-- \/bench:[a-z]+ -->$/ { skip = 0 }
	!skip' docs/performance.md >"$tmp/performance.md"
	cp "$tmp/performance.md" docs/performance.md
	echo "docs/performance.md updated" >&2
fi
