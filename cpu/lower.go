package cpu

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// lowering maps graph nodes to the nodes the executor runs: a fused op without a native kernel is
// replaced by its decomposition (appended to the same graph, recursively lowered), and a GetOp of
// a decomposed tuple by the corresponding decomposed output.
type lowering struct {
	native  func(n *graph.Node) bool
	decomps map[*graph.Node][]*graph.Node
	subst   map[*graph.Node]*graph.Node
}

// resolve follows substitutions until it reaches a node with a kernel.
func (l *lowering) resolve(n *graph.Node) (*graph.Node, error) {
	start := n
	for hops := 0; ; hops++ {
		if s, ok := l.subst[n]; ok {
			n = s
			break
		}
		if hops > 1<<20 {
			return nil, fmt.Errorf("cpu: lowering %v does not terminate", start)
		}
		var next *graph.Node
		switch op := n.Op().(type) {
		case graph.GetOp:
			t := n.Inputs()[0]
			outs, err := l.decompose(t)
			if err != nil {
				return nil, err
			}
			if op.Index >= len(outs) {
				return nil, fmt.Errorf("cpu: %v: decomposition of %v has %d outputs", n, t, len(outs))
			}
			next = outs[op.Index]
		case graph.FusedOp:
			if n.NumOutputs() == 0 && l.native(n) {
				break
			}
			if n.NumOutputs() > 0 {
				return nil, fmt.Errorf("cpu: %v: tuple op %s cannot be an operand; read it with graph.Output", n, op.Name())
			}
			outs, err := l.decompose(n)
			if err != nil {
				return nil, err
			}
			next = outs[0]
		default:
			if n.NumOutputs() > 0 {
				return nil, fmt.Errorf("cpu: %v: tuple op %s has no kernel and no decomposition", n, op.Name())
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	l.subst[start] = n
	return n, nil
}

// decompose returns the (memoised) decomposition of a fused node.
func (l *lowering) decompose(n *graph.Node) ([]*graph.Node, error) {
	if outs, ok := l.decomps[n]; ok {
		return outs, nil
	}
	op, ok := n.Op().(graph.FusedOp)
	if !ok {
		return nil, fmt.Errorf("cpu: %v: op %s has no kernel and no decomposition", n, n.Op().Name())
	}
	g := n.Graph()
	outs := op.Decompose(n.Inputs())
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("cpu: decomposing %v: %w", n, err)
	}
	want := max(n.NumOutputs(), 1)
	if len(outs) != want {
		return nil, fmt.Errorf("cpu: decomposition of %v gave %d outputs, want %d", n, len(outs), want)
	}
	for _, o := range outs {
		if !o.Valid() || o.Graph() != g {
			return nil, fmt.Errorf("cpu: decomposition of %v gave an invalid node", n)
		}
	}
	l.decomps[n] = outs
	return outs, nil
}

// schedule returns the lowered nodes the outputs depend on, each after its operands (depth-first
// post-order, operands in order), and the resolved outputs.
func (l *lowering) schedule(outputs []*graph.Node) (order, resolved []*graph.Node, err error) {
	type frame struct {
		n    *graph.Node
		next int
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[*graph.Node]int{}
	var stack []frame
	push := func(n *graph.Node) error {
		r, err := l.resolve(n)
		if err != nil {
			return err
		}
		switch state[r] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("cpu: cycle through %v", r)
		}
		state[r] = visiting
		stack = append(stack, frame{n: r})
		return nil
	}
	for _, o := range outputs {
		if err := push(o); err != nil {
			return nil, nil, err
		}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			ins := top.n.Inputs()
			if top.next < len(ins) {
				in := ins[top.next]
				top.next++
				if err := push(in); err != nil {
					return nil, nil, err
				}
				continue
			}
			state[top.n] = done
			order = append(order, top.n)
			stack = stack[:len(stack)-1]
		}
		r, _ := l.resolve(o)
		resolved = append(resolved, r)
	}
	return order, resolved, nil
}

// operands returns the resolved inputs of a scheduled node.
func (l *lowering) operands(n *graph.Node) []*graph.Node {
	ins := make([]*graph.Node, len(n.Inputs()))
	for i, in := range n.Inputs() {
		ins[i] = l.subst[in]
	}
	return ins
}
