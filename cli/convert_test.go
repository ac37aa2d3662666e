package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model/checkpoint"
	"github.com/bridgetower-go/bt/model/safetensors"
)

var (
	goldenM01   = golden.ModelCase("m01_add_b1_nopad")
	torchFixdir = "../model/checkpoint/testdata"
)

func openST(t *testing.T, path string) *safetensors.File {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestConvertGoldenIdentity: safetensors -> safetensors keeps every name, dtype, shape and value,
// and the config keeps every key and value.
func TestConvertGoldenIdentity(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	msg, err := runBT(t, "convert", goldenM01, out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "converted 262 tensors") {
		t.Fatalf("output %q", msg)
	}
	src, dst := openST(t, filepath.Join(goldenM01, "model.safetensors")), openST(t, filepath.Join(out, "model.safetensors"))
	if !reflect.DeepEqual(src.Names(), dst.Names()) {
		t.Fatal("names differ")
	}
	for _, n := range src.Names() {
		a, _ := src.Tensor(n)
		b, _ := dst.Tensor(n)
		if a.DType != b.DType || !a.Shape.Equal(b.Shape) || !reflect.DeepEqual(a.Data, b.Data) {
			t.Fatalf("%s: %v -> %v", n, a, b)
		}
	}
	if dst.Metadata()["format"] != "pt" {
		t.Fatalf("metadata %v, want format pt for HF", dst.Metadata())
	}
	var want, got map[string]any
	readJSON(t, filepath.Join(goldenM01, "config.json"), &want)
	readJSON(t, filepath.Join(out, "config.json"), &got)
	if !reflect.DeepEqual(want, got) {
		t.Fatal("config.json changed in the conversion")
	}
	if left, _ := filepath.Glob(filepath.Join(out, ".*tmp*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// TestConvertTorch converts the torch fixtures: values equal what checkpoint.Load reads (already
// checked against torch), floats stored as the requested dtype, integers untouched.
func TestConvertTorch(t *testing.T) {
	cfg := filepath.Join(goldenM01, "config.json")
	for _, c := range []struct {
		in, dtype string
		want      graph.DType
	}{
		{"state_zip.bin", "f32", graph.F32},
		{"state_legacy.bin", "bf16", graph.BF16},
		{"state_zip.bin", "f16", graph.F16},
	} {
		t.Run(c.in+"_"+c.dtype, func(t *testing.T) {
			out := t.TempDir()
			in := filepath.Join(torchFixdir, c.in)
			if _, err := runBT(t, "convert", "--no-check", "--config", cfg, "--dtype", c.dtype, in, out); err != nil {
				t.Fatal(err)
			}
			ck, err := checkpoint.Load(in)
			if err != nil {
				t.Fatal(err)
			}
			f := openST(t, filepath.Join(out, "model.safetensors"))
			if len(f.Names()) != len(ck.Tensors) {
				t.Fatalf("%d tensors written, %d read", len(f.Names()), len(ck.Tensors))
			}
			for name, src := range ck.Tensors {
				got, err := f.Tensor(name)
				if err != nil {
					t.Fatal(err)
				}
				if !src.DType.IsFloat() {
					if got.DType != src.DType || !reflect.DeepEqual(got.Data, src.Data) {
						t.Fatalf("%s: integer tensor changed", name)
					}
					continue
				}
				if got.DType != c.want || !got.Shape.Equal(src.Shape) {
					t.Fatalf("%s: %v, want %v%v", name, got, c.want, src.Shape)
				}
				// Each value is the source value rounded once to the target type.
				for i, v := range src.Float64s() {
					var w float64
					switch c.want {
					case graph.F32:
						w = float64(float32(v))
					case graph.BF16:
						w = float64(graph.BF16ToFloat32(graph.Float32ToBF16(float32(v))))
					case graph.F16:
						w = float64(graph.F16ToFloat32(graph.Float32ToF16(float32(v))))
					}
					if g := got.Float64s()[i]; g != w && !(g != g && w != w) {
						t.Fatalf("%s[%d] = %v, want %v", name, i, g, w)
					}
				}
			}
		})
	}
	// The transposed view was written in row-major order of the view (torch's .contiguous()).
	out := t.TempDir()
	if _, err := runBT(t, "convert", "--no-check", "--config", cfg, filepath.Join(torchFixdir, "state_zip.bin"), out); err != nil {
		t.Fatal(err)
	}
	tr, _ := openST(t, filepath.Join(out, "model.safetensors")).Tensor("transposed")
	if d := tr.Data.([]float32); !tr.Shape.Equal(graph.Shape{4, 3}) || d[0] != -1.25 || d[1] != 0.75 || d[2] != 2.75 || d[3] != -0.75 {
		t.Fatalf("transposed %v %v", tr.Shape, tr.Data)
	}
}

func TestConvertLightning(t *testing.T) {
	out := t.TempDir()
	msg, err := runBT(t, "convert", "--no-check", "--config", filepath.Join(goldenM01, "config.json"), filepath.Join(torchFixdir, "lightning.ckpt"), out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "dropped 3 entries") {
		t.Fatalf("output %q", msg)
	}
	f := openST(t, filepath.Join(out, "model.safetensors"))
	for _, n := range []string{"vision_model.visual.embeddings.patch_embedding.weight", "text_model.embeddings.word_embeddings.weight", "vqa_classifier.3.weight"} {
		if _, _, ok := f.Info(n); !ok {
			t.Errorf("%s missing from %v", n, f.Names())
		}
	}
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"convert", goldenM01}, "want IN and OUTDIR"},
		{[]string{"convert", "--dtype", "i32", goldenM01, dir}, "--dtype \"i32\""},
		{[]string{"convert", filepath.Join(torchFixdir, "lightning.ckpt"), dir}, "pass --config"},
		// The fixtures' small random state dicts do not fit m01's architecture: named, nothing written.
		{[]string{"convert", "--config", filepath.Join(goldenM01, "config.json"), filepath.Join(torchFixdir, "state_zip.bin"), dir},
			"checkpoint does not fit the model"},
		{[]string{"convert", "--config", filepath.Join(dir, "none.json"), goldenM01, dir}, "none.json"},
		{[]string{"convert", filepath.Join(dir, "absent.bin"), dir}, "absent.bin"},
	}
	for _, c := range cases {
		_, err := runBT(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "convert: ") {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("failed conversions left files: %v", left)
	}
}
