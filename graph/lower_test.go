package graph

import "testing"

func countOps(g *Graph) map[string]int {
	c := map[string]int{}
	for _, n := range g.Nodes() {
		if n.Valid() {
			c[n.Op().Name()]++
		}
	}
	return c
}

func TestLowerLeavesTheSourceAlone(t *testing.T) {
	g := New()
	unused := g.Input("unused", F32, Shape{7})
	q := g.Input("q", F32, Shape{1, 2, 3, 4})
	p := g.Param("p", F32, Shape{4})
	y := Add(Attention(q, q, q, nil, 0.5), p)
	before := len(g.Nodes())
	low, err := Lower([]*Node{y}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes()) != before {
		t.Fatalf("source graph grew from %d to %d nodes", before, len(g.Nodes()))
	}
	if len(low.Args) != 3 || low.Args[0].Shape().Size() != 7 || Label(low.Args[1]) != "q" || !IsParam(low.Args[2]) {
		t.Fatalf("args do not correspond: %v", low.Args)
	}
	if Label(low.Args[0]) != Label(unused) {
		t.Fatal("unused arg lost")
	}
	ops := countOps(low.Graph)
	if ops["attention"] != 0 || ops["softmax(axis=3)"] != 0 {
		t.Fatalf("fused ops left after a full lowering: %v", ops)
	}
	if ops["exp"] != 1 || ops["matmul_nt"] != 1 {
		t.Fatalf("decomposition missing: %v", ops)
	}
	if !low.Outputs[0].Shape().Equal(y.Shape()) || low.Outputs[0].Graph() != low.Graph {
		t.Fatalf("output %v", low.Outputs[0])
	}
	for _, n := range low.Graph.Nodes() {
		for _, in := range n.Inputs() {
			if in.ID() >= n.ID() {
				t.Fatalf("%v reads a later node %v", n, in)
			}
		}
	}
}

func TestLowerKeepsNativeOpsAndDecomposesInside(t *testing.T) {
	g := New()
	q := g.Input("q", F64, Shape{1, 1, 2, 3})
	y := Attention(q, q, q, nil, 1)
	native := func(n *Node) bool { _, ok := n.Op().(SoftmaxOp); return ok }
	low, err := Lower([]*Node{y}, native)
	if err != nil {
		t.Fatal(err)
	}
	ops := countOps(low.Graph)
	if ops["attention"] != 0 || ops["softmax(axis=3)"] != 1 || ops["exp"] != 0 {
		t.Fatalf("want attention decomposed around a native softmax: %v", ops)
	}
}

func TestLowerTuples(t *testing.T) {
	g := New()
	p := g.Param("p", F32, Shape{3})
	s := g.Scalar(1, F32)
	n := AdamW(p, p, p, p, s, s, 0.9, 0.999, 1e-8, 0.01)
	outs := []*Node{Output(n, 0), Output(n, 2)}
	low, err := Lower(outs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ops := countOps(low.Graph); ops["adamw"] != 0 || ops["get0"] != 0 {
		t.Fatalf("tuple not decomposed: %v", ops)
	}
	kept, err := Lower(outs, func(*Node) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if ops := countOps(kept.Graph); ops["adamw"] != 1 || ops["get0"] != 1 || ops["get2"] != 1 {
		t.Fatalf("native tuple not copied: %v", ops)
	}
	if _, err := Lower([]*Node{n}, nil); err == nil {
		t.Fatal("a tuple output was accepted")
	}
}
