#!/bin/sh
# Performance figures of consentwiz (see docs/performance.md). Run from anywhere:
#   docs/bench.sh            # everything (~2 min on 2 cores)
#   BENCHTIME=3s docs/bench.sh
# Needs only the Go toolchain; everything runs against the in-process
# simulated cloud (graph/sim) on loopback, no network and no tenant.
set -eu
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-1s}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine"
echo "cores: $(nproc)"
echo "cpu:   $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || uname -m)"
echo "go:    $(go version)"
echo "os:    $(uname -sr)"

echo
echo "== binary size"
go build -o "$tmp/consentwiz" .
go build -ldflags='-s -w' -o "$tmp/consentwiz-sw" .
size() { wc -c <"$1" | awk '{printf "%.1f MiB (%d bytes)", $1/1048576, $1}'; }
echo "go build:                  $(size "$tmp/consentwiz")"
echo "go build -ldflags='-s -w': $(size "$tmp/consentwiz-sw")"

echo
echo "== process start to exit (mean of 20 runs, stripped binary, no network)"
runs() { # name, command...
	name=$1
	shift
	start=$(date +%s%N)
	i=0
	while [ $i -lt 20 ]; do
		"$@" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	end=$(date +%s%N)
	echo "$name: $(((end - start) / 20 / 1000)) µs"
}
runs "consentwiz --version                                  " "$tmp/consentwiz-sw" --version
runs "consentwiz explain AADSTS90094                        " "$tmp/consentwiz-sw" explain AADSTS90094
runs "consentwiz link --profile trackerrms --tenant <GUID>  " "$tmp/consentwiz-sw" link --profile trackerrms --tenant 9c3b4a71-dbf1-4d05-a8da-d8599cae63c1

echo
echo "== round trips of the diagnosis (tests; sim counters)"
go test -count=1 -run 'TestSnapshotRoundTripsAgainstSim|TestSnapshotManyAppsFilteredServerSide' -v ./graph |
	grep -E '^(---|    ---|ok|FAIL)'
go test -count=1 -run 'TestChecklistViewBoundedByTenantSize' -v ./ui | grep -E 'perf_test|^(---|ok|FAIL)'

echo
echo "== benchmarks (-benchtime=$BENCHTIME; BenchmarkCheckMany runs once)"
go test -run '^$' -bench 'BenchmarkSnapshot' -benchmem -benchtime="$BENCHTIME" ./graph | tee "$tmp/graph.txt" | grep -E '^Benchmark'
go test -run '^$' -bench 'BenchmarkSanitizeLong|BenchmarkBuildScan' -benchmem -benchtime="$BENCHTIME" ./flows | grep -E '^Benchmark'
go test -run '^$' -bench 'BenchmarkScan' -benchmem -benchtime=5x ./internal/difftest | grep -E '^Benchmark'
go test -run '^$' -bench 'BenchmarkFirstFrame|BenchmarkView|BenchmarkUpdateKey|BenchmarkExplain|BenchmarkLink|BenchmarkCheck$' \
	-benchmem -benchtime="$BENCHTIME" ./ui | grep -E '^Benchmark'
go test -run '^$' -bench 'BenchmarkCheckMany' -benchmem -benchtime=1x -timeout 20m ./ui | grep -E '^Benchmark'

echo
echo "== round trips: consentwiz vs a script of single Graph calls vs the portal"
# graph-requests/op is every Graph read the diagnosis makes: a script that
# calls the same endpoints one by one makes exactly that many round trips.
metric() { # benchmark-name-prefix metric-unit
	awk -v b="$1" -v m="$2" '$1 ~ "^"b"-" { for (i = 2; i <= NF; i++) if ($(i+1) == m) print $i }' "$tmp/graph.txt"
}
printf '%-34s %10s %22s %16s\n' "tenant" "consentwiz" "script (1 call each)" "portal (est.)"
for sc in locked-down many-apps request-workflow; do
	rt=$(metric "BenchmarkSnapshot/$sc" roundtrips/op)
	gr=$(metric "BenchmarkSnapshot/$sc" graph-requests/op)
	printf '%-34s %10s %22s %16s\n' "$sc" "$rt" "$gr" "~9 blades"
done
echo "(portal: an estimate of the blades an admin opens to check the same settings; see docs/performance.md)"
