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

// m02Exe compiles every output of the m02 forward on b and returns it with its args.
func m02Exe(t *testing.T, b *Backend) (graph.Executable, []*graph.Tensor) {
	t.Helper()
	m, bound, inputs := m02Model(t)
	var outs []*graph.Node
	for _, n := range m.OutputNames() {
		outs = append(outs, m.Outputs[n])
	}
	exe := compile(t, b, m.Graph, outs...)
	prepared, err := m.PrepareInputs(inputs)
	if err != nil {
		t.Fatal(err)
	}
	args := make([]*graph.Tensor, len(exe.Args()))
	reach := graph.Reachable(m.Graph, outs...)
	for i, a := range exe.Args() {
		switch {
		case !reach[a.ID()]:
		case graph.IsParam(a):
			args[i] = bound.Tensor(graph.Label(a))
		default:
			args[i] = prepared[graph.Label(a)]
		}
	}
	return exe, args
}

// TestM02Schedule pins the layout work left in the m02 forward (run with -v for every op): the
// bias and scalar broadcasts (131 copies before views) and the split/merge-heads transposes and
// q/k/v slices (81 and 20) are read in place; what is left is the patch unfold (a transpose read
// by a matmul) and the two [CLS] slices read by the poolers' matmuls: every layout step left is
// read by a matmul only. Constants are folded: no iota step is left. Once warm a run allocates
// nothing, and 1 and 2 threads agree bit for bit.
func TestM02Schedule(t *testing.T) {
	exe, args := m02Exe(t, New(Options{Threads: 2}))
	st := statsOf(exe)
	t.Logf("m02 forward schedule:\n%v", st)
	for op, want := range map[string]int{"transpose": 1, "slice": 2, "iota": 0} {
		if st.steps[op] != want {
			t.Errorf("%d %s steps, want %d", st.steps[op], op, want)
		}
	}
	readers := map[*vbuf][]*graph.Node{} // by buffer: readers of aliases (reshapes) count
	for _, s := range exe.(*executable).steps {
		for _, in := range s.ins {
			readers[in.vb] = append(readers[in.vb], s.node)
		}
	}
	for _, s := range exe.(*executable).steps {
		switch s.node.Op().(type) {
		case graph.TransposeOp, graph.SliceOp, graph.BroadcastOp:
			for _, r := range readers[s.out.vb] {
				if _, ok := r.Op().(graph.MatMulOp); !ok {
					t.Errorf("%v is copied for %v, which could read it in place", s.node, r)
				}
			}
		}
	}
	ctx := context.Background()
	got, err := exe.Run(ctx, args)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := exe.Run(ctx, args); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
	var first []*graph.Tensor
	for _, o := range got {
		first = append(first, o.Clone())
	}
	one, args1 := m02Exe(t, New(Options{Threads: 1}))
	again, err := one.Run(ctx, args1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if !again[i].Identical(first[i]) {
			t.Errorf("output %d differs between 1 and 2 threads", i)
		}
	}
}
