package graphtest

import (
	"fmt"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// Regression tests for bugs in package graph found while writing the suite: graph's doc promises
// that building never panics and that a graph the builders accept can be differentiated.

// buildNoPanic runs f, turning a panic into an error.
func buildNoPanic(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f()
}

// g.Scalar (and Full, Zeros, ZerosLike) with an invalid dtype panic in graph.NewTensor instead
// of recording an error; ZerosLike of an invalid node is the common way to get there.
func TestGraphScalarOfInvalidDTypeIsAnError(t *testing.T) {
	for name, f := range map[string]func(g *graph.Graph){
		"Scalar": func(g *graph.Graph) { g.Scalar(1, graph.Invalid) },
		"Full":   func(g *graph.Graph) { g.Full(1, graph.Invalid, graph.Shape{2}) },
		"ZerosLike": func(g *graph.Graph) {
			graph.ZerosLike(graph.MatMul(g.Param("x", graph.F32, graph.Shape{2}), g.Param("y", graph.F32, graph.Shape{2})))
		},
	} {
		g := graph.New()
		err := buildNoPanic(func() error { f(g); return nil })
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if g.Err() == nil {
			t.Errorf("%s: no error recorded", name)
		}
	}
}

// Dropout accepts an F16 or BF16 operand, but its decomposition draws RandomUniform in that
// dtype (F32 and F64 only), so Gradient (and Decompose) of a valid graph panics.
func TestGraphDropoutOnHalfFloatsDifferentiates(t *testing.T) {
	for _, dt := range []graph.DType{graph.F16, graph.BF16} {
		g := graph.New()
		x := g.Param("x", dt, graph.Shape{4})
		y := graph.Dropout(x, g.Input("step", graph.I64, graph.Shape{}), 0.5, 1)
		if g.Err() != nil {
			continue // rejecting half floats at build time is a fine answer too
		}
		err := buildNoPanic(func() error {
			graph.Gradient(graph.ReduceSum(graph.Cast(y, graph.F32)), x)
			return g.Err()
		})
		if err != nil {
			t.Errorf("%v: Dropout built, but its gradient fails: %v", dt, err)
		}
	}
}

// Softmax over a zero-length axis is accepted (its output is empty), but the decomposition takes
// ReduceMax over that axis, which graph rejects: Gradient of a valid graph fails.
func TestGraphSoftmaxOverEmptyAxisDifferentiates(t *testing.T) {
	g := graph.New()
	x := g.Param("x", graph.F64, graph.Shape{3, 0})
	y := graph.Softmax(x, 1)
	if g.Err() != nil {
		t.Skipf("rejected at build time: %v", g.Err())
	}
	err := buildNoPanic(func() error {
		graph.Gradient(graph.ReduceSum(y), x)
		return g.Err()
	})
	if err != nil {
		t.Errorf("Softmax of [3 0] over axis 1 built, but its gradient fails: %v", err)
	}
}
