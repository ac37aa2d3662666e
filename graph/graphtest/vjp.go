package graphtest

import (
	"math/rand"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// VJPTol bounds, in F64, the difference between the gradient through a fused op's own VJP
// (graph.GradientOp) and the gradient through its decomposition, relative to the largest
// magnitude: the two are the same derivative computed in a different order.
const VJPTol = 1e-10

// hasOwnVJP reports whether the case's graph has a fused node whose op gives its own VJP.
func hasOwnVJP(t *testing.T, c *opCase) bool {
	g, _, _ := buildCase(t, c, graph.F64)
	for _, n := range g.Nodes() {
		if _, ok := n.Op().(graph.GradientOp); ok && n.Valid() {
			return true
		}
	}
	return false
}

// checkVJP compares, in F64 on backend b, the gradient of loss = Σ_k Σ out_k·W_k through the
// case's graph (fused ops with their own VJP) with the gradient through the same graph after
// graph.Lower has replaced every fused op by its decomposition.
func checkVJP(t *testing.T, b graph.Backend, c *opCase) {
	const dt = graph.F64
	g, nodes, outs := buildCase(t, c, dt)
	vals := genArgs(c, dt)
	low, err := graph.Lower(outs, nil)
	if err != nil {
		t.Fatalf("graph.Lower: %v", err)
	}
	r := rand.New(rand.NewSource(seedOf(c.name + "/vjp")))
	grads := func(g *graph.Graph, outs, args []*graph.Node, ws []*tensor) []*graph.Node {
		var loss *graph.Node
		for k, o := range outs {
			if o.DType() != dt {
				continue
			}
			term := graph.ReduceSum(graph.Mul(o, g.Const(hostTensor(dt, ws[k].shape, ws[k].data))))
			if loss == nil {
				loss = term
			} else {
				loss = graph.Add(loss, term)
			}
		}
		var wrt []*graph.Node
		for i, a := range c.args {
			if argDType(a, dt) == dt {
				wrt = append(wrt, args[i])
			}
		}
		return graph.Gradient(loss, wrt...)
	}
	ws := make([]*tensor, len(outs))
	for k, o := range outs {
		w := newTensor(o.Shape())
		for i := range w.data {
			w.data[i] = 2*r.Float64() - 1
		}
		ws[k] = w
	}
	// The lowered graph's args are in the source's arg order; map the case's nodes onto them.
	lowArgs := make([]*graph.Node, len(nodes))
	for i, n := range nodes {
		for j, a := range g.Args() {
			if a == n {
				lowArgs[i] = low.Args[j]
			}
		}
	}
	own := grads(g, outs, nodes, ws)
	dec := grads(low.Graph, low.Outputs, lowArgs, ws)
	if err := g.Err(); err != nil {
		t.Fatalf("gradient through the VJPs: %v", err)
	}
	if err := low.Graph.Err(); err != nil {
		t.Fatalf("gradient through the decomposition: %v", err)
	}
	runGrads := func(g *graph.Graph, args []*graph.Node, gr []*graph.Node) []*graph.Tensor {
		exe, err := compile(b, g, gr...)
		if err != nil {
			t.Fatalf("Compile: %v", err)
		}
		got, err := run(exe, orderArgs(exe, uploadArgs(b, args, vals)))
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		return got
	}
	a := runGrads(g, nodes, own)
	d := runGrads(low.Graph, lowArgs, dec)
	for j := range own {
		if msg := diff(a[j].Float64s(), d[j].Float64s(), VJPTol, gradFloor); msg != "" {
			t.Errorf("gradient %d (%v): own VJP vs decomposition: %s", j, own[j], msg)
		}
	}
}
