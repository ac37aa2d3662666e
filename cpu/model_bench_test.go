package cpu

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
)

// m02 is the golden model case m02_scaled_add_b3_pad_h64_eps (batch 3, padded text, F32) built
// with the ITM and MLM heads and compiled on b: the forward the executor's speed work is measured
// on.
func m02(tb testing.TB, b *Backend) (*model.Runner, map[string]*graph.Tensor) {
	tb.Helper()
	m, bound, inputs := m02Model(tb)
	r, err := m.Compile(b, bound)
	if err != nil {
		tb.Fatal(err)
	}
	return r, inputs
}

// m02Model builds the m02 model and binds its weights.
func m02Model(tb testing.TB) (*model.Model, *model.Binding, map[string]*graph.Tensor) {
	tb.Helper()
	dir := golden.ModelCase("m02_scaled_add_b3_pad_h64_eps")
	cfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		tb.Fatal(err)
	}
	w, err := model.OpenWeights(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	inputs := golden.Tensors(tb, filepath.Join(dir, "inputs.safetensors"))
	ids := inputs[model.InputIDs]
	m, err := model.Build(cfg, model.BuildOptions{Batch: ids.Shape[0], TextLen: ids.Shape[1], Heads: []model.Head{model.HeadITM, model.HeadMLM}})
	if err != nil {
		tb.Fatal(err)
	}
	bound, err := m.Bind(w)
	if err != nil {
		tb.Fatal(err)
	}
	return m, bound, inputs
}

// BenchmarkM02Forward times the forward of the m02 golden model (ITM and MLM heads).
func BenchmarkM02Forward(b *testing.B) {
	r, inputs := m02(b, New(Options{}))
	ctx := context.Background()
	if _, err := r.Run(ctx, inputs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := r.Run(ctx, inputs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/op")
}

// TestM02Schedule logs the steps of the m02 forward by op (run with -v to see them).
func TestM02Schedule(t *testing.T) {
	m, _, _ := m02Model(t)
	var outs []*graph.Node
	for _, n := range m.OutputNames() {
		outs = append(outs, m.Outputs[n])
	}
	exe := compile(t, New(Options{}), m.Graph, outs...)
	t.Logf("m02 forward schedule:\n%v", statsOf(exe))
}
