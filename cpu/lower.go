package cpu

import (
	"github.com/bridgetower-go/bt/graph"
)

// schedule lowers the graph of outputs with graph.Lower (a fresh graph in which every fused op
// without a native kernel here is replaced by its decomposition; the caller's graph is left
// alone) and returns the nodes to run, in the lowered graph's topological ID order, with the
// lowered outputs and args (arg i of the lowered graph is arg i of the caller's graph).
func (b *Backend) schedule(outputs []*graph.Node) (order, resolved, args []*graph.Node, err error) {
	low, err := graph.Lower(outputs, b.native)
	if err != nil {
		return nil, nil, nil, err
	}
	reach := graph.Reachable(low.Graph, low.Outputs...)
	for _, n := range low.Graph.Nodes() {
		if reach[n.ID()] {
			order = append(order, n)
		}
	}
	return order, low.Outputs, low.Args, nil
}
