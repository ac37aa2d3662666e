package graph

import "fmt"

// Lowered is a graph prepared for a backend by Lower: a fresh graph holding only what the outputs
// need, with fused ops the backend does not run natively replaced by their decompositions.
type Lowered struct {
	Graph *Graph
	// Outputs are the lowered nodes of the requested outputs, in order.
	Outputs []*Node
	// Args has one node per arg of the source graph (source.Args()), in the same order, with the
	// same labels, dtypes and shapes, so that arg i of the source is arg i of the lowered graph.
	Args []*Node
}

// Lower copies the nodes outputs depend on into a new graph, replacing each fused op for which
// native returns false by its decomposition, recursively, and reading the outputs of decomposed
// tuples from their decompositions. The source graph is not changed, so lowering is safe while
// others read it, and compiling the same graph twice does not grow it. native may be nil (every
// fused op is decomposed). The lowered graph's node IDs are a topological order.
func Lower(outputs []*Node, native func(*Node) bool) (*Lowered, error) {
	if len(outputs) == 0 {
		return nil, fmt.Errorf("graph: lower: no outputs")
	}
	src := outputs[0].g
	for _, o := range outputs {
		if o == nil || o.g != src {
			return nil, fmt.Errorf("graph: lower: outputs of different graphs (or nil)")
		}
		if o.invalid || len(o.tuple) > 0 {
			return nil, fmt.Errorf("graph: lower: output %v is invalid or a tuple", o)
		}
	}
	if src.err != nil {
		return nil, fmt.Errorf("graph: lower: the graph has an error: %w", src.err)
	}
	if native == nil {
		native = func(*Node) bool { return false }
	}
	cur, curOuts, curArgs := src, outputs, src.args
	for round := 0; ; round++ {
		if round > 64 {
			return nil, fmt.Errorf("graph: lower: decompositions nest more than 64 deep")
		}
		next, outs, args, changed, err := lowerOnce(cur, curOuts, curArgs, native)
		if err != nil {
			return nil, err
		}
		cur, curOuts, curArgs = next, outs, args
		if !changed {
			break
		}
	}
	return &Lowered{Graph: cur, Outputs: curOuts, Args: curArgs}, nil
}

// lowerOnce copies the reachable part of src into a new graph, decomposing non-native fused ops one
// level deep; changed reports whether anything was decomposed.
func lowerOnce(src *Graph, outputs, args []*Node, native func(*Node) bool) (*Graph, []*Node, []*Node, bool, error) {
	dst := New()
	m := make(map[*Node]*Node, len(src.nodes))
	tuples := map[*Node][]*Node{} // decomposed tuple -> its decomposed outputs
	newArgs := make([]*Node, len(args))
	for i, a := range args {
		newArgs[i] = dst.leaf(a.op, a.dtype, a.shape)
		m[a] = newArgs[i]
	}
	reach := Reachable(src, outputs...)
	changed := false
	for _, n := range src.nodes {
		if !reach[n.id] || m[n] != nil {
			continue
		}
		ins := make([]*Node, len(n.inputs))
		for i, in := range n.inputs {
			ins[i] = m[in]
		}
		if get, ok := n.op.(GetOp); ok {
			if outs, dec := tuples[n.inputs[0]]; dec {
				m[n] = outs[get.Index]
			} else {
				m[n] = ins[0].outputs[get.Index]
			}
			continue
		}
		f, fused := n.op.(FusedOp)
		if !fused || native(n) {
			var c *Node
			if len(n.tuple) > 0 {
				c = dst.addTuple(n.op, n.tuple, ins...)
			} else {
				c = dst.add(n.op, n.dtype, n.shape, ins...)
			}
			m[n] = c
			continue
		}
		changed = true
		outs := f.Decompose(ins)
		if dst.err != nil {
			return nil, nil, nil, false, fmt.Errorf("graph: lower: decomposing %v: %w", n, dst.err)
		}
		want := []tupleElem{{n.shape, n.dtype}}
		if len(n.tuple) > 0 {
			want = n.tuple
		}
		if len(outs) != len(want) {
			return nil, nil, nil, false, fmt.Errorf("graph: lower: decomposition of %v gave %d outputs, want %d", n, len(outs), len(want))
		}
		for i, o := range outs {
			if !o.shape.Equal(want[i].shape) || o.dtype != want[i].dtype {
				return nil, nil, nil, false, fmt.Errorf("graph: lower: decomposition of %v output %d is %v%v, want %v%v", n, i, o.dtype, o.shape, want[i].dtype, want[i].shape)
			}
		}
		if len(n.tuple) > 0 {
			tuples[n] = outs
		} else {
			m[n] = outs[0]
		}
	}
	if dst.err != nil {
		return nil, nil, nil, false, fmt.Errorf("graph: lower: %w", dst.err)
	}
	newOuts := make([]*Node, len(outputs))
	for i, o := range outputs {
		newOuts[i] = m[o]
	}
	return dst, newOuts, newArgs, changed, nil
}
