"""OpenBLAS sgemm GFLOP/s through Debian's numpy on bt's benchmark shapes (baseline for
scripts/gemm_vs_openblas.sh). Prints one line per shape: `name GFLOP/s GFLOP/cpu-s` (per
second of wall time and of process CPU time), and first the BLAS
library numpy runs (threadpoolctl) on stderr. Threads: OPENBLAS_NUM_THREADS."""
import sys
import time

import numpy as np

# name, batch, m, k, n, transB: the same list as sgemmBenchCases in cpu/gemm_bench_test.go.
CASES = [
    ("325x768x768", 1, 325, 768, 768, False),
    ("325x768x768_xWT", 1, 325, 768, 768, True),
    ("325x768x3072", 1, 325, 768, 3072, False),
    ("325x768x3072_xWT", 1, 325, 768, 3072, True),
    ("325x3072x768_xWT", 1, 325, 3072, 768, True),
    ("12x325x64x325_qkT", 12, 325, 64, 325, True),
    ("12x325x325x64_pv", 12, 325, 325, 64, False),
]


def main():
    try:
        import threadpoolctl
        for info in threadpoolctl.threadpool_info():
            print("blas:", info.get("internal_api"), info.get("version"),
                  "architecture=%s" % info.get("architecture"), "threads=%s" % info.get("num_threads"),
                  file=sys.stderr)
    except ImportError:
        np.show_config()
    only = set(sys.argv[1:])
    rng = np.random.default_rng(1)
    for name, batch, m, k, n, trans_b in CASES:
        if only and name not in only:
            continue
        a = rng.uniform(-1, 1, (batch, m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (batch, n, k) if trans_b else (batch, k, n)).astype(np.float32)
        bt = b.transpose(0, 2, 1) if trans_b else b  # a view: sgemm with transB, no copy
        if batch == 1:
            a, bt = a[0], bt[0]
            c = np.empty((m, n), np.float32)
        else:
            c = np.empty((batch, m, n), np.float32)
        np.matmul(a, bt, out=c)
        want = a.astype(np.float64) @ bt.astype(np.float64)
        assert np.max(np.abs(c - want)) < 1e-3, name
        reps, t0, c0 = 0, time.perf_counter(), time.process_time()
        while True:  # like go test -benchtime=0.5s: mean over a loop of at least 0.5 s
            np.matmul(a, bt, out=c)
            reps += 1
            el = time.perf_counter() - t0
            if el >= 0.5:
                break
        cpu = time.process_time() - c0
        flop = 2.0 * batch * m * k * n * reps
        print(name, flop / el / 1e9, flop / cpu / 1e9)


if __name__ == "__main__":
    main()
