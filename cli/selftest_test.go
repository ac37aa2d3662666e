package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// TestSelftestCPU runs bt selftest --device cpu --json: every conformance check and both golden
// models pass on the cpu backend, and the JSON has one row per check.
func TestSelftestCPU(t *testing.T) {
	out, err := runBT(t, "selftest", "--device", "cpu", "--json", "--testdata", golden.Path("models"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var rep selftestReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	models, checks := 0, 0
	for _, r := range rep.Rows {
		if r.Backend != "cpu" || !r.Pass {
			t.Errorf("row %+v", r)
		}
		if strings.HasPrefix(r.Case, "model/") {
			models++
			if !(r.Error >= 0 && r.Error <= r.Limit && r.Limit > 0) {
				t.Errorf("model row error %g limit %g", r.Error, r.Limit)
			}
		} else {
			checks++
		}
	}
	if !rep.Pass || rep.Failed != 0 || models != 2 || checks < 100 {
		t.Errorf("pass %v, failed %d, %d model rows, %d conformance rows", rep.Pass, rep.Failed, models, checks)
	}
}

// TestSelftestAll: with --device all, backends missing here are listed as skipped (metal off a
// Mac) and the rest pass; the table names every case.
func TestSelftestAll(t *testing.T) {
	out, err := runBT(t, "selftest", "--testdata", golden.Path("models"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"model/m01_add_b1_nopad", "layer_norm ", "selftest: all "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if runtime.GOOS != "darwin" && !strings.Contains(out, "skipped backend metal: metal: not available on "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("metal not reported as skipped:\n%s", out)
	}
}

// TestSelftestFails: a golden case whose reference output was moved makes selftest fail, naming
// the tensor; a missing testdata folder and an unavailable named backend are errors.
func TestSelftestFails(t *testing.T) {
	src := golden.Path("models")
	dir := t.TempDir()
	for _, m := range selftestModels {
		if err := os.Mkdir(filepath.Join(dir, m), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"config.json", "model.safetensors", "inputs.safetensors", "outputs.safetensors"} {
			if err := os.Symlink(filepath.Join(src, m, f), filepath.Join(dir, m, f)); err != nil {
				t.Fatal(err)
			}
		}
	}
	refs, err := readTensors(filepath.Join(src, selftestModels[1], "outputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	itm := refs["itm.logits"]
	if itm == nil || itm.DType != graph.F32 {
		t.Fatalf("reference itm.logits is %v", itm)
	}
	itm.Data.([]float32)[0] += 1e-3
	moved := filepath.Join(dir, selftestModels[1], "outputs.safetensors")
	os.Remove(moved)
	if err := safetensors.WriteFile(moved, refs, nil); err != nil {
		t.Fatal(err)
	}
	out, err := runBT(t, "selftest", "--device", "cpu", "--testdata", dir)
	if err == nil || !strings.Contains(err.Error(), "selftest: 1 of ") || !strings.Contains(out, "itm.logits: max|a-b|") {
		t.Errorf("moved reference: %v\n%s", err, out)
	}
	if _, err := runBT(t, "selftest", "--testdata", t.TempDir()); err == nil || !strings.Contains(err.Error(), "--testdata") {
		t.Errorf("empty testdata: %v", err)
	}
	if runtime.GOOS != "darwin" {
		_, err := runBT(t, "selftest", "--device", "metal", "--models=false")
		if err == nil || !strings.Contains(err.Error(), "metal: not available on") {
			t.Errorf("--device metal off a Mac: %v", err)
		}
	}
}
