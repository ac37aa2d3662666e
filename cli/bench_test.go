package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/internal/bench"
)

// TestBenchFlagErrors: bad flags are usage errors (exit 2) naming the flag, before anything runs.
func TestBenchFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--preset", "huge"}, `bench: --preset "huge": want tiny or base`},
		{[]string{"bench", "--runs", "0"}, "bench: --runs 0: want at least 1"},
		{[]string{"bench", "--warmup", "-1"}, "bench: --warmup -1: want 0 or more"},
		{[]string{"bench", "--only", "forward,speed"}, `bench: --only "forward,speed": unknown case "speed"`},
		{[]string{"bench", "--batch", "1,0"}, `bench: --batch "1,0": want comma-separated positive batch sizes`},
		{[]string{"bench", "--batch", "x"}, `bench: --batch "x"`},
		{[]string{"bench", "--device", "tpu"}, "bench: --device tpu: unknown backend"},
		{[]string{"bench", "extra"}, "bench: unexpected arguments [extra]"},
		{[]string{"bench", "--runs", "two"}, "invalid value \"two\" for flag -runs"},
		{[]string{"bench", "--model", "m", "--preset", "tiny"}, "bench: --model and --preset exclude each other"},
		{[]string{"bench", "--model", "/nonexistent/bt-model"}, "--model /nonexistent/bt-model: no such file or directory"},
	} {
		_, stderr, code := runMain(t, c.args...)
		if code != ExitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, stderr, ExitUsage, c.want)
		}
	}
}

// TestBenchTinyJSON runs every case of the tiny preset once and checks the report's structure and
// its consistency: the FLOP count of the graph, rates computed from the medians, tokens counted.
func TestBenchTinyJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the tiny model (a few seconds)")
	}
	out, stderr, code := runMain(t, "bench", "--preset", "tiny", "--runs", "1", "--warmup", "0", "--batch", "2", "--device", "cpu", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("progress on a non-terminal stderr: %q", stderr)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var names []string
	for _, c := range r.Cases {
		names = append(names, c.Name)
		if c.Runs != 1 || c.Median <= 0 || c.Min != c.Median || c.Max != c.Median || c.Throughput <= 0 {
			t.Errorf("%s: timing %+v throughput %v", c.Name, c.Timing, c.Throughput)
		}
	}
	if got := strings.Join(names, " "); got != "forward_b2 train_b4 tokenize preprocess" {
		t.Fatalf("cases %q", got)
	}
	fw := r.Cases[0]
	if fw.GFLOP <= 0 || fw.GFLOPS != fw.GFLOP/(fw.Median/1e3) || fw.Throughput != 2/(fw.Median/1e3) {
		t.Errorf("forward: %+v", fw)
	}
	// The training step's products are the forward's (at batch 4) and about twice as many for
	// the gradient: between 2 and 3.5 times a forward of the same batch.
	if ratio := r.Cases[1].GFLOP / (fw.GFLOP * 2); ratio < 2 || ratio > 3.5 {
		t.Errorf("train/forward FLOP ratio %.2f", ratio)
	}
	if r.Device != "cpu" || r.PeakRSSMB <= 0 {
		t.Errorf("device %q, peak RSS %v", r.Device, r.PeakRSSMB)
	}
}

// TestBenchModelDir: --model opens a bt init directory; its forward has the GEMM count of the
// same preset's random-weight run (same shapes) and says where the weights came from.
func TestBenchModelDir(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the tiny model")
	}
	dir := t.TempDir() + "/m"
	if _, stderr, code := runMain(t, "init", "--preset", "tiny", dir); code != ExitOK {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	reports := map[string]bench.Report{}
	for name, args := range map[string][]string{"model": {"--model", dir}, "preset": {"--preset", "tiny"}} {
		out, stderr, code := runMain(t, append([]string{"bench", "--only", "forward", "--batch", "1", "--runs", "1", "--warmup", "0", "--json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		var r bench.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Cases) != 1 {
			t.Fatalf("%s: %v: %s", name, err, out)
		}
		reports[name] = r
	}
	m, p := reports["model"].Cases[0], reports["preset"].Cases[0]
	if m.GFLOP != p.GFLOP || m.GFLOP <= 0 {
		t.Errorf("GEMM GFLOP: --model %v, --preset tiny %v", m.GFLOP, p.GFLOP)
	}
	if !strings.Contains(m.Note, "weights opened from "+dir) || !strings.Contains(p.Note, "random weights") {
		t.Errorf("notes %q / %q", m.Note, p.Note)
	}
}
