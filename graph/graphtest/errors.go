package graphtest

import (
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// runErrorChecks runs an executable with bad arguments: each must be an error (not a panic)
// naming the offending input, and the executable must still work afterwards.
func runErrorChecks(t *testing.T, b graph.Backend, cp caps) {
	g := graph.New()
	pixels := g.Input("pixels", graph.F32, graph.Shape{2, 3})
	weight := g.Param("weight", graph.F32, graph.Shape{3, 4})
	ids := g.Input("ids", graph.I32, graph.Shape{3})
	table := g.Param("table", graph.F32, graph.Shape{5, 2})
	unused := g.Input("unused", graph.F32, graph.Shape{1})
	outs := []*graph.Node{graph.MatMul(pixels, weight), graph.Gather(table, ids)}
	if err := g.Err(); err != nil {
		t.Fatalf("building the error graph: %v", err)
	}
	exe, err := compile(b, g, outs...)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	pv := []float64{1, 2, 3, 4, 5, 6}
	wv := []float64{1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1}
	tv := []float64{0, 1, 10, 11, 20, 21, 30, 31, 40, 41}
	good := func() map[*graph.Node]*graph.Tensor {
		return map[*graph.Node]*graph.Tensor{
			pixels: hostTensor(graph.F32, graph.Shape{2, 3}, pv),
			weight: hostTensor(graph.F32, graph.Shape{3, 4}, wv),
			ids:    hostTensor(graph.I32, graph.Shape{3}, []float64{4, 0, 2}),
			table:  hostTensor(graph.F32, graph.Shape{5, 2}, tv),
			unused: nil, // allowed: no output depends on it
		}
	}
	want := []*tensor{
		refMatMul(&tensor{graph.Shape{2, 3}, pv}, &tensor{graph.Shape{3, 4}, wv}, false, false),
		refGather(&tensor{graph.Shape{5, 2}, tv}, &tensor{graph.Shape{3}, []float64{4, 0, 2}}),
	}
	checkGood := func(t *testing.T) {
		t.Helper()
		got, err := run(exe, orderArgs(exe, good()))
		if err != nil {
			t.Fatalf("Run with good args: %v", err)
		}
		for i, o := range outs {
			compareTensor(t, "output", o, got[i], want[i], 0)
		}
	}
	t.Run("errors/good_args", checkGood)

	bad := []struct {
		name   string
		mutate func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor // nil: use m in Args order
		words  []string                                              // the error must contain each
	}{
		{"arg_count_short", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			return orderArgs(exe, m)[:len(exe.Args())-1]
		}, nil},
		{"arg_count_long", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			return append(orderArgs(exe, m), hostTensor(graph.F32, graph.Shape{1}, []float64{0}))
		}, nil},
		{"wrong_dtype", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			m[pixels] = hostTensor(graph.F64, graph.Shape{2, 3}, pv)
			return nil
		}, []string{"pixels"}},
		{"wrong_shape", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			m[pixels] = hostTensor(graph.F32, graph.Shape{3, 2}, pv)
			return nil
		}, []string{"pixels"}},
		{"wrong_rank", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			m[weight] = hostTensor(graph.F32, graph.Shape{12}, wv)
			return nil
		}, []string{"weight"}},
		{"nil_arg", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			m[ids] = nil
			return nil
		}, []string{"ids"}},
		{"bad_data", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			m[pixels] = &graph.Tensor{DType: graph.F32, Shape: graph.Shape{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}}
			return nil
		}, []string{"pixels"}},
		{"short_data", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			m[table] = &graph.Tensor{DType: graph.F32, Shape: graph.Shape{5, 2}, Data: make([]float32, 9)}
			return nil
		}, []string{"table"}},
		{"gather_index_too_large", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			m[ids] = hostTensor(graph.I32, graph.Shape{3}, []float64{0, 5, 1})
			return nil
		}, []string{"gather", "5"}},
		{"gather_index_negative", func(m map[*graph.Node]*graph.Tensor) []*graph.Tensor {
			m[ids] = hostTensor(graph.I32, graph.Shape{3}, []float64{0, 1, -1})
			return nil
		}, []string{"gather", "-1"}},
	}
	for _, c := range bad {
		t.Run("errors/"+c.name, func(t *testing.T) {
			m := good()
			args := c.mutate(m)
			if args == nil {
				args = orderArgs(exe, m)
			}
			_, err := run(exe, args)
			if err == nil {
				t.Fatalf("Run succeeded, want an error")
			}
			if strings.Contains(err.Error(), "panicked") {
				t.Errorf("want an error, not a panic: %v", err)
			}
			for _, w := range c.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			checkGood(t)
		})
	}
	t.Run("errors/scatter_add_index_out_of_range", func(t *testing.T) { checkScatterRange(t, b, cp.floatDType()) })
	checkKernelErrors(t, b, cp)
	t.Run("errors/compile_invalid_graph", func(t *testing.T) {
		g := graph.New()
		x := g.Input("x", graph.F32, graph.Shape{2, 3})
		y := graph.MatMul(x, x) // inner dimensions differ: a build error
		if g.Err() == nil {
			t.Fatalf("graph accepted a bad matmul")
		}
		if _, err := compile(b, g, y); err == nil || strings.Contains(err.Error(), "panicked") {
			t.Errorf("Compile of a graph with an error: got %v, want an error", err)
		}
	})
	t.Run("errors/compile_foreign_output", func(t *testing.T) {
		g, h := graph.New(), graph.New()
		g.Input("x", graph.F32, graph.Shape{2})
		y := graph.Exp(h.Input("y", graph.F32, graph.Shape{2}))
		if _, err := compile(b, g, y); err == nil || strings.Contains(err.Error(), "panicked") {
			t.Errorf("Compile of a node of another graph: got %v, want an error", err)
		}
	})
}

func checkScatterRange(t *testing.T, b graph.Backend, fdt graph.DType) {
	g := graph.New()
	ids := g.Input("ids", graph.I64, graph.Shape{2})
	upd := g.Input("updates", fdt, graph.Shape{2, 3})
	y := graph.ScatterAdd(ids, upd, 4)
	exe, err := compile(b, g, y)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	for _, bad := range [][]float64{{1, 4}, {-1, 0}} {
		args := orderArgs(exe, map[*graph.Node]*graph.Tensor{
			ids: hostTensor(graph.I64, graph.Shape{2}, bad),
			upd: hostTensor(fdt, graph.Shape{2, 3}, []float64{1, 2, 3, 4, 5, 6}),
		})
		_, err := run(exe, args)
		if err == nil || strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), "scatter") {
			t.Errorf("indices %v into 4 rows: got error %v, want an error naming scatter_add", bad, err)
		}
	}
}
