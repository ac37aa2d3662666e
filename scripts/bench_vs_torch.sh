#!/bin/sh
# bench_vs_torch.sh: bt's BridgeTower-base forward (bt bench --preset base, batch 1, 40 tokens,
# 288 px, random weights) against the same forward in PyTorch eager (scripts/torch_bridgetower.py)
# and against OpenBLAS's time for the forward's matrix products (scripts/openblas_forward_gemms.py),
# on the same machine and thread count, interleaved in one session: REPS rounds of
#   bt whole process (start, random weights, compile, one forward)  -> torch whole process
#   (python start, import, build, one forward) -> bt forward alone (RUNS timed after 1 warm-up)
#   -> torch forward alone (the same) -> OpenBLAS GEMMs of one forward,
# and, with CHECKPOINT=1 (default), both whole processes again loading a checkpoint written once
# before the rounds (bt: bt init --preset base, opened with bench --model, memory-mapped; torch:
# torch.save of its random state_dict, built without initialisation and torch.load-ed),
# then the medians over the rounds and the ratios of the two issue targets:
#   bt whole process / torch whole process  (target <= 0.5)
#   bt forward / (GEMM FLOPs / OpenBLAS GFLOP/s) = bt forward / OpenBLAS GEMM time  (target <= 1.3)
# the latter twice: OpenBLAS timed per shape on warm operands (the GFLOP/s of the GEMM benchmarks),
# and the same products run with a distinct weight matrix each, as a forward runs them (every weight
# read from memory once; see scripts/openblas_forward_gemms.py).
# Each in wall-clock seconds and in process CPU seconds (user + system of all threads, from
# getrusage): on a shared machine the wall clock mostly measures the other processes.
#
# Needs: apt-get install -y python3-torch python3-numpy libopenblas0-pthread (Debian's
# /usr/bin/python3). OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for the Python commands only,
# so that OpenBLAS picks its kernel for this CPU (printed as architecture=); bt gets GOMAXPROCS.
#
# Usage: scripts/bench_vs_torch.sh [THREADS=2] [REPS=3] [RUNS=3] [CHECKPOINT=1]
set -eu
THREADS=${THREADS:-2}
REPS=${REPS:-3}
RUNS=${RUNS:-3}
CHECKPOINT=${CHECKPOINT:-1}
PY=${PY:-/usr/bin/python3}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/bt" ./cmd/bt
echo "machine: $(nproc) cpus,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bt: $(git rev-parse --short HEAD 2>/dev/null || echo "(not a git checkout)") $(git log -1 --format=%s 2>/dev/null | cut -c1-60)"
if [ "$CHECKPOINT" = 1 ]; then
	"$tmp/bt" init --preset base "$tmp/m" >/dev/null
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" scripts/torch_bridgetower.py --save "$tmp/torch.pt"
fi
"$PY" - "$tmp" "$THREADS" "$REPS" "$RUNS" "$CHECKPOINT" <<'PY'
import json, os, resource, statistics, subprocess, sys, time

tmp, threads, reps, runs, ckpt = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
bt = tmp + "/bt"
py = os.environ.get("PY", "/usr/bin/python3")
env_bt = dict(os.environ, GOMAXPROCS=threads)
env_py = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
env_py["OPENBLAS_NUM_THREADS"] = threads


def timed(cmd, env):
    """Runs cmd; returns (wall s, child CPU s, the JSON object of its last stdout line)."""
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, json.loads(p.stdout.strip().splitlines()[-1])


bt_cmd = [bt, "bench", "--preset", "base", "--only", "forward", "--batch", "1", "--device", "cpu", "--json"]
torch_cmd = [py, "scripts/torch_bridgetower.py", "--threads", threads]
rows = {k: [] for k in ("bt_whole", "bt_whole_cpu", "torch_whole", "torch_whole_cpu", "bt_fwd", "bt_fwd_cpu",
                        "torch_fwd", "torch_fwd_cpu", "oblas", "oblas_cpu", "oblasd", "oblasd_cpu", "bt_ck", "bt_ck_cpu", "torch_ck",
                        "torch_ck_cpu")}
bt_ck_cmd = [bt, "bench", "--model", tmp + "/m", "--only", "forward", "--batch", "1", "--device", "cpu", "--json", "--runs", "1", "--warmup", "0"]
for r in range(reps):
    w, c, j = timed(bt_cmd + ["--runs", "1", "--warmup", "0"], env_bt)
    rows["bt_whole"].append(w); rows["bt_whole_cpu"].append(c)
    bt_case = j["cases"][0]
    w, c, tj = timed(torch_cmd + ["--runs", "1", "--warmup", "0"], env_py)
    rows["torch_whole"].append(w); rows["torch_whole_cpu"].append(c)
    _, _, j = timed(bt_cmd + ["--runs", runs, "--warmup", "1"], env_bt)
    f = j["cases"][0]
    rows["bt_fwd"].append(f["median_ms"] / 1e3); rows["bt_fwd_cpu"].append(f["cpu_median_ms"] / 1e3)
    _, _, t = timed(torch_cmd + ["--runs", runs, "--warmup", "1"], env_py)
    rows["torch_fwd"].append(t["median_ms"] / 1e3); rows["torch_fwd_cpu"].append(t["cpu_median_ms"] / 1e3)
    if ckpt:
        w, c, _ = timed(bt_ck_cmd, env_bt)
        rows["bt_ck"].append(w); rows["bt_ck_cpu"].append(c)
        w, c, _ = timed(torch_cmd + ["--runs", "1", "--warmup", "0", "--load", tmp + "/torch.pt"], env_py)
        rows["torch_ck"].append(w); rows["torch_ck_cpu"].append(c)
    _, _, o = timed([py, "scripts/openblas_forward_gemms.py"], env_py)
    rows["oblas"].append(o["openblas_s"]); rows["oblas_cpu"].append(o["openblas_cpu_s"])
    rows["oblasd"].append(o["openblas_distinct_s"]); rows["oblasd_cpu"].append(o["openblas_distinct_cpu_s"])
    print("round %d/%d (load %s): bt whole %.1fs (load %.1fs, compile %.1fs, forward %.1fs), torch whole %.1fs "
          "(import %.1fs, build %.1fs, forward %.1fs); forward bt %.2fs torch %.2fs; OpenBLAS GEMMs %.2fs"
          % (r + 1, reps, open("/proc/loadavg").read().split()[0], rows["bt_whole"][-1], bt_case["load_ms"] / 1e3,
             bt_case["compile_ms"] / 1e3, bt_case["first_ms"] / 1e3, rows["torch_whole"][-1], tj["import_s"],
             tj["build_s"], tj["first_forward_s"], rows["bt_fwd"][-1], rows["torch_fwd"][-1], rows["oblas"][-1]),
          flush=True)
if abs(f["gemm_gflop"] - o["gemm_gflop"]) > 1e-6 or abs(f["gemm_gflop"] - t["gemm_gflop"]) > 1e-6:
    print("WARNING: GEMM GFLOP differ: bt %.6f, OpenBLAS list %.6f, torch script %.6f" % (f["gemm_gflop"], o["gemm_gflop"], t["gemm_gflop"]))
print("blas:", o["blas"], "| torch", t["torch"], "threads", t["threads"], "| GOMAXPROCS", j["gomaxprocs"])
print("GEMM FLOPs of the forward: %.2f GFLOP (bt's count = the OpenBLAS list's = the torch script's)" % f["gemm_gflop"])
m = {k: statistics.median(v) for k, v in rows.items() if v}
print("\nmedians of %d interleaved rounds (forward: median of %s runs each), seconds" % (reps, runs))
print("%-34s %10s %10s" % ("", "wall", "CPU"))
for name, k in (("bt whole process", "bt_whole"), ("torch whole process", "torch_whole"),
                ("bt whole process, checkpoint", "bt_ck"), ("torch whole process, checkpoint", "torch_ck"),
                ("bt forward", "bt_fwd"), ("torch forward", "torch_fwd"), ("OpenBLAS GEMMs of one forward", "oblas"),
                ("  the same, distinct weights", "oblasd")):
    if k in m:
        print("%-34s %10.2f %10.2f" % (name, m[k], m[k + "_cpu"]))
print("%-34s %10.1f %10.1f" % ("OpenBLAS GFLOP/s", f["gemm_gflop"] / m["oblas"], f["gemm_gflop"] / m["oblas_cpu"]))
print("%-34s %10.1f %10.1f" % ("bt forward GFLOP/s", f["gemm_gflop"] / m["bt_fwd"], f["gemm_gflop"] / m["bt_fwd_cpu"]))
print("\nratios (wall / CPU)")
print("bt whole / torch whole      %.2f / %.2f   (target <= 0.5)" % (m["bt_whole"] / m["torch_whole"], m["bt_whole_cpu"] / m["torch_whole_cpu"]))
if ckpt:
    print("  with checkpoints          %.2f / %.2f" % (m["bt_ck"] / m["torch_ck"], m["bt_ck_cpu"] / m["torch_ck_cpu"]))
print("bt forward / torch forward  %.2f / %.2f" % (m["bt_fwd"] / m["torch_fwd"], m["bt_fwd_cpu"] / m["torch_fwd_cpu"]))
print("bt forward / OpenBLAS GEMMs %.2f / %.2f   (target <= 1.3)" % (m["bt_fwd"] / m["oblas"], m["bt_fwd_cpu"] / m["oblas_cpu"]))
print("  with distinct weights     %.2f / %.2f   (each weight from memory once, as in a forward)" % (
    m["bt_fwd"] / m["oblasd"], m["bt_fwd_cpu"] / m["oblasd_cpu"]))
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
