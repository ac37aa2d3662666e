package graph

import (
	"fmt"
	"strings"
)

// Graph holds nodes in the order they were built (a topological order) and the first build error.
type Graph struct {
	nodes []*Node
	args  []*Node // Param and Input nodes, in creation order
	err   error
}

// New returns an empty graph.
func New() *Graph { return &Graph{} }

// Node is one value of the graph: the result of Op applied to Inputs. Tuple nodes (ops with several
// outputs) have DType Invalid and are read through Output.
type Node struct {
	g       *Graph
	id      int
	op      Op
	inputs  []*Node
	shape   Shape
	dtype   DType
	invalid bool
	outputs []*Node // for tuple nodes: the GetOp nodes, built eagerly
	tuple   []tupleElem
}

type tupleElem struct {
	shape Shape
	dtype DType
}

// ID is the node's index in its graph (creation order).
func (n *Node) ID() int { return n.id }

// Graph is the graph the node belongs to.
func (n *Node) Graph() *Graph { return n.g }

// Op is the operation that produces the node.
func (n *Node) Op() Op { return n.op }

// Inputs are the operands, in the op's order. The slice must not be modified.
func (n *Node) Inputs() []*Node { return n.inputs }

// Shape is the node's shape. The slice must not be modified.
func (n *Node) Shape() Shape { return n.shape }

// DType is the node's element type (Invalid for tuple nodes and invalid nodes).
func (n *Node) DType() DType { return n.dtype }

// Rank is len(Shape()).
func (n *Node) Rank() int { return len(n.shape) }

// Valid reports whether the node was built without error.
func (n *Node) Valid() bool { return n != nil && !n.invalid }

// NumOutputs is the number of outputs of a tuple node, 0 for an ordinary node.
func (n *Node) NumOutputs() int { return len(n.tuple) }

// String describes the node, e.g. "%12 = matmul(%3, %7) f32[2 3]".
func (n *Node) String() string {
	ids := make([]string, len(n.inputs))
	for i, in := range n.inputs {
		ids[i] = fmt.Sprintf("%%%d", in.id)
	}
	name := "invalid"
	if n.op != nil {
		name = n.op.Name()
	}
	return fmt.Sprintf("%%%d = %s(%s) %v%v", n.id, name, strings.Join(ids, ", "), n.dtype, n.shape)
}

// Err is the first error met while building the graph, or nil.
func (g *Graph) Err() error { return g.err }

// Nodes returns every node in creation order (a topological order). The slice must not be modified.
func (g *Graph) Nodes() []*Node { return g.nodes }

// Args returns the Param and Input nodes in creation order. The slice must not be modified.
func (g *Graph) Args() []*Node { return g.args }

// fail records the first error and returns an invalid node of g.
func (g *Graph) fail(format string, args ...any) *Node {
	if g.err == nil {
		g.err = fmt.Errorf("graph: "+format, args...)
	}
	n := &Node{g: g, id: len(g.nodes), invalid: true}
	g.nodes = append(g.nodes, n)
	return n
}

// add appends a node after checking that every input is valid and belongs to g.
func (g *Graph) add(op Op, dt DType, shape Shape, inputs ...*Node) *Node {
	for _, in := range inputs {
		if in == nil {
			return g.fail("%s: nil input", op.Name())
		}
		if in.g != g {
			return g.fail("%s: input %%%d belongs to another graph", op.Name(), in.id)
		}
		if in.invalid {
			n := &Node{g: g, id: len(g.nodes), invalid: true}
			g.nodes = append(g.nodes, n)
			return n
		}
		if len(in.tuple) > 0 {
			return g.fail("%s: input %%%d is a tuple (%s); read one output with graph.Output", op.Name(), in.id, in.op.Name())
		}
	}
	n := &Node{g: g, id: len(g.nodes), op: op, inputs: inputs, shape: shape.Clone(), dtype: dt}
	g.nodes = append(g.nodes, n)
	return n
}

// addTuple appends a tuple node with the given output types and its GetOp nodes.
func (g *Graph) addTuple(op Op, elems []tupleElem, inputs ...*Node) *Node {
	n := g.add(op, Invalid, nil, inputs...)
	if n.invalid {
		return n
	}
	n.tuple = elems
	for i, e := range elems {
		get := &Node{g: g, id: len(g.nodes), op: GetOp{Index: i}, inputs: []*Node{n}, shape: e.shape.Clone(), dtype: e.dtype}
		g.nodes = append(g.nodes, get)
		n.outputs = append(n.outputs, get)
	}
	return n
}

// Output returns output i of a tuple node.
func Output(n *Node, i int) *Node {
	if n.invalid {
		return n
	}
	if i < 0 || i >= len(n.outputs) {
		return n.g.fail("output %d of %%%d (%s): it has %d outputs", i, n.id, n.op.Name(), len(n.outputs))
	}
	return n.outputs[i]
}

// firstGraph returns the graph of the first non-nil node.
func firstGraph(nodes ...*Node) *Graph {
	for _, n := range nodes {
		if n != nil {
			return n.g
		}
	}
	panic("graph: builder called with only nil nodes")
}

// anyInvalid reports whether any node is invalid, returning an invalid node of the graph if so.
func anyInvalid(g *Graph, nodes ...*Node) (*Node, bool) {
	for _, n := range nodes {
		if n == nil {
			return g.fail("nil node"), true
		}
		if n.invalid {
			inv := &Node{g: g, id: len(g.nodes), invalid: true}
			g.nodes = append(g.nodes, inv)
			return inv, true
		}
	}
	return nil, false
}
