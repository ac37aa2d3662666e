#!/bin/sh
# gemm_vs_openblas.sh: bt's float32 GEMM (BenchmarkSgemm, through the CPU executor) against
# OpenBLAS sgemm (Debian numpy, scripts/gemm_openblas.py) and gonum (BenchmarkSgemmGonum) on the
# same shapes, same machine, same thread count, interleaved in one run: REPS rounds of
# bt → OpenBLAS → gonum, then the median GFLOP/s of each and the ratio bt/OpenBLAS per shape.
#
# Needs: apt-get install -y python3-numpy libopenblas0-pthread (python3-threadpoolctl to print
# the OpenBLAS kernel). OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for the numpy command only,
# so that OpenBLAS picks its kernel for this CPU (printed as "architecture=").
#
# With BASE=<git revision>, the same benchmark built from that revision (git archive into a temp
# directory) runs in each round too, as column base-<kernel>: a before/after comparison measured
# in the same run. Run it under nice on a shared machine: nice -n 10 scripts/gemm_vs_openblas.sh
#
# Usage: scripts/gemm_vs_openblas.sh [THREADS=2] [REPS=5] [KERNELS=regexp of bt kernels] [BASE=rev]
#        [GONUM=0: skip gonum]
set -eu
THREADS=${THREADS:-2}
REPS=${REPS:-5}
KERNELS=${KERNELS:-'avx512|avx2'}
PY=${PY:-/usr/bin/python3}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/cpu.test" ./cpu
BASE=${BASE:-}
if [ -n "$BASE" ]; then
	mkdir "$tmp/base"
	git archive "$BASE" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go test -c -o "$tmp/base.test" ./cpu)
	echo "base: $(git rev-parse --short "$BASE")"
fi
echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load: $(cut -d' ' -f1-3 /proc/loadavg)"
METRIC='
function metric(u,  i) { for (i = 2; i < NF; i++) if ($(i+1) == u) return $i; return "nan" }'
for r in $(seq "$REPS"); do
	"$tmp/cpu.test" -test.run '^$' -test.bench "BenchmarkSgemm/kernel=($KERNELS)/" -test.benchtime 0.5s -test.cpu "$THREADS" |
		awk '/GFLOP\/s/ { n=$1; sub(/^BenchmarkSgemm\/kernel=/, "", n); sub(/-[0-9]+$/, "", n); split(n, p, "/"); print "bt-" p[1], p[2], metric("GFLOP/s"), metric("GFLOP/cpu-s") }'"$METRIC" >>"$tmp/res"
	if [ -n "$BASE" ]; then
		"$tmp/base.test" -test.run '^$' -test.bench "BenchmarkSgemm/kernel=($KERNELS)/" -test.benchtime 0.5s -test.cpu "$THREADS" |
			awk '/GFLOP\/s/ { n=$1; sub(/^BenchmarkSgemm\/kernel=/, "", n); sub(/-[0-9]+$/, "", n); split(n, p, "/"); print "base-" p[1], p[2], metric("GFLOP/s"), metric("GFLOP/cpu-s") }'"$METRIC" >>"$tmp/res"
	fi
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" "$PY" scripts/gemm_openblas.py 2>"$tmp/blas" |
		awk '{ print "openblas", $1, $2, $3 }' >>"$tmp/res"
	[ "${GONUM:-1}" = 0 ] || "$tmp/cpu.test" -test.run '^$' -test.bench "BenchmarkSgemmGonum/" -test.benchtime 0.5s -test.cpu "$THREADS" |
		awk '/GFLOP\/s/ { n=$1; sub(/^BenchmarkSgemmGonum\//, "", n); sub(/-[0-9]+$/, "", n); print "gonum", n, metric("GFLOP/s"), metric("GFLOP/cpu-s") }'"$METRIC" >>"$tmp/res"
done
cat "$tmp/blas"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); threads $THREADS; medians of $REPS interleaved rounds, GFLOP/s"
"$PY" - "$tmp/res" <<'PY'
import collections, statistics, sys
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    who, shape, wall, cpu = line.split()
    v[who, shape].append((float(wall), float(cpu)))
whos = sorted({w for w, _ in v if w.startswith("bt-")}) + sorted({w for w, _ in v if w.startswith("base-")})
shapes = list(dict.fromkeys(s for _, s in v))
for col, title in ((0, "GFLOP/s (wall clock)"), (1, "GFLOP per CPU-second (process CPU time)")):
    print("\n" + title)
    print("%-20s" % "shape" + "".join("%12s" % w for w in whos) + "%12s%12s" % ("openblas", "gonum") + "".join("%16s" % (w + "/oblas") for w in whos))
    for s in shapes:
        med = lambda w: statistics.median(x[col] for x in v[w, s]) if v.get((w, s)) else float("nan")
        ob = med("openblas")
        print("%-20s" % s + "".join("%12.1f" % med(w) for w in whos) + "%12.1f%12.1f" % (ob, med("gonum")) + "".join("%15.0f%%" % (100 * med(w) / ob) for w in whos))
PY
