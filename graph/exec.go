package graph

import "context"

// Backend compiles graphs for one kind of device. Implementations: cpu (everywhere) and, on
// Apple Silicon, mps.
type Backend interface {
	// Name is the backend's short name ("cpu", "metal").
	Name() string
	// Compile prepares the computation of outputs (nodes of g) for repeated runs.
	Compile(g *Graph, outputs ...*Node) (Executable, error)
	// Alloc returns a zeroed host tensor that the backend can read and write without copying.
	Alloc(dt DType, shape Shape) *Tensor
}

// Executable is a compiled graph.
type Executable interface {
	// Args are the Param and Input nodes of the graph at compile time, in creation order: Run
	// takes one tensor per arg, in this order (nil for args the outputs do not depend on).
	Args() []*Node
	// Run computes the outputs. The returned tensors belong to the executable and are overwritten
	// by the next Run; Clone them to keep them. Wrong argument count, dtype or shape is an error.
	Run(ctx context.Context, args []*Tensor) ([]*Tensor, error)
}

// Reachable marks the nodes that outputs depend on (indexed by node ID).
func Reachable(g *Graph, outputs ...*Node) []bool {
	seen := make([]bool, len(g.nodes))
	stack := append([]*Node(nil), outputs...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n.id] {
			continue
		}
		seen[n.id] = true
		stack = append(stack, n.inputs...)
	}
	return seen
}
