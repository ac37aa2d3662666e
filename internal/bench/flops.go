package bench

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the FLOP count of a graph's matrix products.

// GEMMFlops is the number of floating-point operations of the matrix products the outputs need:
// the sum of 2·m·n·k (times the batch dimensions) over the MatMul nodes of the graph lowered with
// every fused op decomposed, so that the products inside fused ops (attention's q·kᵀ and p·v, the
// products of their gradients) are counted as well. Elementwise work is not counted.
func GEMMFlops(outputs ...*graph.Node) (int64, error) {
	low, err := graph.Lower(outputs, nil)
	if err != nil {
		return 0, fmt.Errorf("bench: flop count: %w", err)
	}
	reach := graph.Reachable(low.Graph, low.Outputs...)
	var total int64
	for _, n := range low.Graph.Nodes() {
		op, ok := n.Op().(graph.MatMulOp)
		if !ok || !reach[n.ID()] {
			continue
		}
		f, err := matMulFlops(n, op)
		if err != nil {
			return 0, err
		}
		total += f
	}
	return total, nil
}

// matMulFlops is 2·(batch·m·n)·k of one MatMul node: out [..., M, N], k the contracted dimension
// of operand 0 ([..., M, K], or [..., K, M] when TransA).
func matMulFlops(n *graph.Node, op graph.MatMulOp) (int64, error) {
	a := n.Inputs()[0].Shape()
	if a.Rank() < 2 {
		return 0, fmt.Errorf("bench: flop count: matmul %v has operand %v", n, a)
	}
	k := a[a.Rank()-1]
	if op.TransA {
		k = a[a.Rank()-2]
	}
	return 2 * int64(n.Shape().Size()) * int64(k), nil
}
