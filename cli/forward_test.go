package cli

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model/safetensors"
)

var forwardCase = golden.ModelCase("m01_add_b1_nopad")

// bt forward on the golden m01 case writes every HF output (hidden states, ITM and MLM logits and
// losses) within the golden README's float32 tolerance, and nothing else.
func TestForwardGoldenM01(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.safetensors")
	msg, err := runBT(t, "forward", "--model", forwardCase, "--inputs", filepath.Join(forwardCase, "inputs.safetensors"),
		"--output", out, "--hidden-states")
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	if !strings.Contains(msg, "heads: itm,mlm") {
		t.Errorf("message %q", msg)
	}
	got := golden.Tensors(t, out)
	want := golden.Tensors(t, filepath.Join(forwardCase, "outputs.safetensors"))
	var gn, wn []string
	for n := range got {
		gn = append(gn, n)
	}
	for n := range want {
		wn = append(wn, n)
	}
	sort.Strings(gn)
	sort.Strings(wn)
	if strings.Join(gn, " ") != strings.Join(wn, " ") {
		t.Fatalf("wrote %v\nwant %v", gn, wn)
	}
	for _, n := range wn {
		a, b := got[n].Float64s(), want[n].Float64s()
		if got[n].Shape.Size() != want[n].Shape.Size() || got[n].DType != graph.F32 {
			t.Errorf("%s: %v, want %v", n, got[n], want[n])
			continue
		}
		maxDiff, maxRef := 0.0, 0.0
		for i := range a {
			maxDiff = math.Max(maxDiff, math.Abs(a[i]-b[i]))
			maxRef = math.Max(maxRef, math.Abs(b[i]))
		}
		if !(maxDiff <= 1e-6+1e-5*maxRef) {
			t.Errorf("%s: max|a-b| = %.3g (max|ref| %.3g)", n, maxDiff, maxRef)
		}
	}
}

func TestForwardInputErrors(t *testing.T) {
	dir := t.TempDir()
	good := golden.Tensors(t, filepath.Join(forwardCase, "inputs.safetensors"))
	write := func(name string, replace map[string]*graph.Tensor) string {
		m := map[string]*graph.Tensor{}
		for k, v := range good {
			m[k] = v
		}
		for k, v := range replace {
			m[k] = v
		}
		p := filepath.Join(dir, name)
		if err := safetensors.WriteFile(p, m, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name    string
		replace map[string]*graph.Tensor
		flags   []string
		want    string
	}{
		{"pixels.safetensors", map[string]*graph.Tensor{"pixel_values": graph.NewTensor(graph.F32, graph.Shape{1, 3, 64, 64})}, nil,
			"input pixel_values is f32[1 3 64 64], want shape [1 3 32 32] ([B 3 S S] with S = vision_config.image_size 32)"},
		{"ids.safetensors", map[string]*graph.Tensor{"input_ids": graph.NewTensor(graph.F32, graph.Shape{1, 8})}, nil,
			"input input_ids is f32[1 8], want an integer tensor [1 8]"},
		{"vocab.safetensors", map[string]*graph.Tensor{"input_ids": graph.FromInt64(graph.Shape{1, 2}, []int64{0, 200}),
			"attention_mask": graph.FromInt64(graph.Shape{1, 2}, []int64{1, 1}), "mlm_labels": graph.FromInt64(graph.Shape{1, 2}, []int64{-100, -100})}, nil,
			"input input_ids element 1 is 200, outside 0..199"},
		{"extra.safetensors", map[string]*graph.Tensor{"token_type_ids": graph.NewTensor(graph.I64, graph.Shape{1, 8})}, nil,
			`unknown input "token_type_ids"`},
		{"dtype.safetensors", nil, []string{"--dtype", "f16"}, `--dtype "f16": want f32 or f64`},
		{"device.safetensors", nil, []string{"--device", "tpu"}, `--device tpu: unknown backend (auto|`},
		{"heads.safetensors", nil, []string{"--heads", "itc"}, "the itc head needs vision_config.hidden_size (64) = hidden_size (32)"},
	} {
		in := write(tc.name, tc.replace)
		out := filepath.Join(dir, "out-"+tc.name)
		args := append([]string{"forward", "--model", forwardCase, "--inputs", in, "--output", out}, tc.flags...)
		_, err := runBT(t, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "forward: ") {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
		if _, statErr := safetensors.Open(out); statErr == nil {
			t.Errorf("%s: an output file was written", tc.name)
		}
	}
}

// --reference holds the outputs against a reference file: the golden outputs pass; a reference
// with one value moved fails, naming that tensor, and the outputs are still written.
func TestForwardReference(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(forwardCase, "outputs.safetensors")
	out := filepath.Join(dir, "out.safetensors")
	msg, err := runBT(t, "forward", "--model", forwardCase, "--inputs", filepath.Join(forwardCase, "inputs.safetensors"),
		"--output", out, "--hidden-states", "--reference", ref)
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	if !strings.Contains(msg, "all 21 outputs within 1e-06 + 1e-05·max|ref|") || !strings.Contains(msg, "itm.logits") {
		t.Fatalf("report:\n%s", msg)
	}

	moved := golden.Tensors(t, ref)
	logits := moved["itm.logits"].Clone()
	logits.Data.([]float32)[1] += 1e-4
	moved["itm.logits"] = logits
	bad := filepath.Join(dir, "bad_ref.safetensors")
	if err := safetensors.WriteFile(bad, moved, nil); err != nil {
		t.Fatal(err)
	}
	os.Remove(out)
	msg, err = runBT(t, "forward", "--model", forwardCase, "--inputs", filepath.Join(forwardCase, "inputs.safetensors"),
		"--output", out, "--reference", bad)
	if err == nil || !strings.Contains(err.Error(), "1 of 7 outputs differ") || !strings.Contains(err.Error(), "itm.logits") {
		t.Fatalf("moved reference: %v\n%s", err, msg)
	}
	if !strings.Contains(msg, "not computed") || !strings.Contains(msg, "model.hidden_states.text.0") {
		t.Fatalf("report does not list what was not computed:\n%s", msg)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("outputs not written: %v", err)
	}
	// A looser tolerance accepts it.
	if _, err := runBT(t, "forward", "--model", forwardCase, "--inputs", filepath.Join(forwardCase, "inputs.safetensors"),
		"--output", out, "--reference", bad, "--atol", "1e-3"); err != nil {
		t.Fatalf("--atol 1e-3: %v", err)
	}
}
