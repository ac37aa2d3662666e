package model

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
)

// goldenCase is one shared model case read from testdata.
type goldenCase struct {
	name    string
	dtype   graph.DType
	cfg     *Config
	weights *Weights
	inputs  map[string]*graph.Tensor
	outputs map[string]*graph.Tensor
	grads   map[string]*graph.Tensor
}

func loadGoldenCase(t testing.TB, name string) *goldenCase {
	t.Helper()
	dir := golden.ModelCase(name)
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := OpenWeights(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	c := &goldenCase{name: name, cfg: cfg, weights: w,
		inputs:  golden.Tensors(t, filepath.Join(dir, "inputs.safetensors")),
		outputs: golden.Tensors(t, filepath.Join(dir, "outputs.safetensors")),
		grads:   golden.Tensors(t, filepath.Join(dir, "grads.safetensors")),
	}
	c.dtype = c.outputs["model.text_features"].DType
	return c
}

// cloneAll copies run results (the runner overwrites them on the next run).
func cloneAll(m map[string]*graph.Tensor) map[string]*graph.Tensor {
	out := make(map[string]*graph.Tensor, len(m))
	for k, v := range m {
		out[k] = v.Clone()
	}
	return out
}

// run builds, binds, compiles and runs a model on the CPU backend.
func runModel(t testing.TB, cfg *Config, w *Weights, inputs map[string]*graph.Tensor, opts BuildOptions) map[string]*graph.Tensor {
	t.Helper()
	out, err := Forward(context.Background(), cpu.New(cpu.Options{}), cfg, w, inputs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return cloneAll(out)
}

// tinyConfig is a small random-model config: text 4x32 (2 heads), vision 4x64 at 16 px with
// patch 8 (5 tokens), 2 cross layers; extra is spliced into the top-level JSON object.
func tinyConfig(t testing.TB, extra string) *Config {
	t.Helper()
	js := `{"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "contrastive_hidden_size": 8,
	  "text_config": {"vocab_size": 40, "hidden_size": 32, "num_hidden_layers": 4, "num_attention_heads": 2,
	    "intermediate_size": 48, "max_position_embeddings": 20},
	  "vision_config": {"hidden_size": 64, "num_hidden_layers": 4, "patch_size": 8, "image_size": 16}` + extra + `}`
	cfg, err := ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// randomWeights draws a checkpoint for every parameter of cfg's architecture: LayerNorm weights
// near 1, everything else N(0, 0.2²), from a fixed seed.
func randomWeights(t testing.TB, cfg *Config, seed uint64) map[string]*graph.Tensor {
	t.Helper()
	specs, err := ParamInfos(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	out := map[string]*graph.Tensor{}
	for _, p := range specs {
		d := make([]float32, p.Shape.Size())
		isLNWeight := strings.HasSuffix(p.Name, "LayerNorm.weight") || strings.Contains(p.Name, "ln_") && strings.HasSuffix(p.Name, ".weight") ||
			strings.HasSuffix(p.Name, "layernorm.weight")
		for i := range d {
			d[i] = float32(rng.NormFloat64() * 0.2)
			if isLNWeight {
				d[i] += 1
			}
		}
		out[p.Name] = graph.FromFloat32(p.Shape, d)
	}
	return out
}

// tinyInputs is a batch of 2 rows of 6 tokens (the second padded after 4) and random pixels.
func tinyInputs(cfg *Config, seed uint64) map[string]*graph.Tensor {
	rng := rand.New(rand.NewPCG(seed, 11))
	ids := []int64{0, 5, 9, 17, 3, 2, 0, 33, 12, 2, 1, 1}
	mask := []int64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}
	s := cfg.Vision.ImageSize
	pix := make([]float32, 2*3*s*s)
	for i := range pix {
		pix[i] = float32(rng.NormFloat64())
	}
	return map[string]*graph.Tensor{
		InputIDs:    graph.FromInt64(graph.Shape{2, 6}, ids),
		InputMask:   graph.FromInt64(graph.Shape{2, 6}, mask),
		InputPixels: graph.FromFloat32(graph.Shape{2, 3, s, s}, pix),
	}
}

func mustWeights(t testing.TB, m map[string]*graph.Tensor) *Weights {
	t.Helper()
	w, err := NewWeights(m)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func sortedNames(m map[string]*graph.Tensor) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
