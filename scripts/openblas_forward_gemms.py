"""OpenBLAS time for the matrix products of one BridgeTower-base forward (the GEMM list of
bt bench's forward case at batch B, T tokens, 288 px), through Debian's numpy: each distinct
product shape is timed (median of --reps calls after one warm-up), multiplied by how often the
forward computes it, and summed. Prints one JSON line with the total GEMM FLOPs (to check against
bt bench's gemm_gflop), the OpenBLAS seconds for all of them and the resulting GFLOP/s, and
openblas_distinct_s: the same products run as a forward runs them, every weight product on its own
weight matrix (so each weight is read from memory once, as in any forward, instead of from the
cache the previous timed call warmed).

Run with OPENBLAS_NUM_THREADS=2 and without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see
scripts/bench_vs_torch.sh), on /usr/bin/python3.
Usage: /usr/bin/python3 scripts/openblas_forward_gemms.py [--batch 1] [--tokens 40] [--reps 5]
"""
import argparse
import collections
import json
import statistics
import sys
import time

import numpy as np

H, HEADS, FFN, VOCAB = 768, 12, 3072, 50265
TEXT_LAYERS, VISION_LAYERS, CROSS = 12, 12, 6
NI = (288 // 16) ** 2 + 1  # 325 image tokens
DH = H // HEADS


def gemm_list(b, t):
    """(count, batch, m, k, n) of every product of the forward, rows of the batch folded into m
    for the weight products (as bt does), per-head batches for attention."""
    g = collections.Counter()

    def attention_layer(n, m):  # q/o over n rows, k/v over m rows, scores and context
        g[(1, b * n, H, H)] += 2
        g[(1, b * m, H, H)] += 2
        g[(b * HEADS, n, DH, m)] += 1
        g[(b * HEADS, n, m, DH)] += 1

    def ffn(n, i):
        g[(1, b * n, H, i)] += 1
        g[(1, b * n, i, H)] += 1

    for _ in range(TEXT_LAYERS):
        attention_layer(t, t)
        ffn(t, FFN)
    g[(1, b * (NI - 1), 3 * 16 * 16, H)] += 1  # patch embedding
    for _ in range(VISION_LAYERS):
        attention_layer(NI, NI)
        ffn(NI, 4 * H)
    for _ in range(CROSS):
        g[(1, b * t, H, H)] += 1  # cross_modal_text_transform
        g[(1, b * NI, H, H)] += 1  # cross_modal_image_transform
        attention_layer(t, t)
        attention_layer(t, NI)
        ffn(t, FFN)
        attention_layer(NI, NI)
        attention_layer(NI, t)
        ffn(NI, FFN)
    g[(1, b, H, H)] += 2  # poolers
    g[(1, b, 2 * H, 2)] += 1  # itm_score
    g[(1, b * t, H, H)] += 1  # mlm transform
    g[(1, b * t, H, VOCAB)] += 1  # mlm decoder
    return g


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--tokens", type=int, default=40)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    blas = "unknown"
    try:
        import threadpoolctl
        blas = "; ".join("%s %s architecture=%s threads=%s" % (i.get("internal_api"), i.get("version"), i.get("architecture"),
                                                               i.get("num_threads")) for i in threadpoolctl.threadpool_info())
    except ImportError:
        pass
    rng = np.random.default_rng(1)
    total_flop, total_s, cpu_s = 0, 0.0, 0.0
    for (batch, m, k, n), count in sorted(gemm_list(a.batch, a.tokens).items()):
        x = rng.uniform(-1, 1, (batch, m, k)).astype(np.float32)
        y = rng.uniform(-1, 1, (batch, k, n)).astype(np.float32)
        if batch == 1:
            x, y = x[0], y[0]
        out = np.matmul(x, y)
        walls, cpus = [], []
        for _ in range(a.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            np.matmul(x, y, out=out)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        total_flop += 2 * batch * m * k * n * count
        total_s += statistics.median(walls) * count
        cpu_s += statistics.median(cpus) * count
    cold_s, cold_cpu_s = distinct_weights(a, rng)
    print(json.dumps({"blas": blas, "batch": a.batch, "text_len": a.tokens, "gemm_gflop": total_flop / 1e9,
                      "openblas_s": total_s, "openblas_cpu_s": cpu_s, "openblas_gflops": total_flop / 1e9 / total_s,
                      "openblas_distinct_s": cold_s, "openblas_distinct_cpu_s": cold_cpu_s}))


def distinct_weights(a, rng):
    """The same products as a forward computes them: every weight product with its own weight
    matrix (count distinct arrays per shape, about 1.2 GB in all, so that, as in a forward, each
    weight comes from memory once rather than from a cache warmed by the previous call), the
    attention products on one pair of operands (activations a forward has just written). Returns
    the median over --reps passes of (wall s, CPU s) of all the products of one forward."""
    plan = []
    for (batch, m, k, n), count in sorted(gemm_list(a.batch, a.tokens).items()):
        x = rng.uniform(-1, 1, (batch, m, k)).astype(np.float32)
        if batch == 1:
            ws = [rng.uniform(-1, 1, (k, n)).astype(np.float32) for _ in range(count)]
            plan.append((x[0], ws, np.empty((m, n), np.float32), 1))
        else:
            y = rng.uniform(-1, 1, (batch, k, n)).astype(np.float32)
            plan.append((x, [y], np.empty((batch, m, n), np.float32), count))
    walls, cpus = [], []
    for _ in range(a.reps + 1):  # the first pass is a warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        for x, ws, out, times in plan:
            for _ in range(times):
                for w in ws:
                    np.matmul(x, w, out=out)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls[1:]), statistics.median(cpus[1:])


if __name__ == "__main__":
    sys.exit(main())
