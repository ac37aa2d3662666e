package graphtest

import (
	"hash/fnv"
	"math"
	"math/rand"
	"reflect"

	"github.com/bridgetower-go/bt/graph"
)

// T stands for a case's dtype in its args: each case runs once per dtype of opCase.dtypes.
const T = graph.Invalid

// gen draws one value of an arg (integers and booleans as whole numbers).
type gen func(r *rand.Rand) float64

// arg is one Param or Input of a case.
type arg struct {
	name  string
	dtype graph.DType // T: the case's dtype
	shape graph.Shape
	gen   gen  // nil: uniform in [-1, 1)
	input bool // an Input node; otherwise a Param (non-float args are always Inputs)
}

// opCase is one entry of the suite: a small graph built from its args, with a float64 reference.
type opCase struct {
	name   string
	covers []graph.Op                                                          // the ops (type and kind) the case is for; each must occur in its graph
	dtypes []graph.DType                                                       // the values of T; nil means F32 and F64
	args   []arg                                                               //
	build  func(g *graph.Graph, dt graph.DType, x []*graph.Node) []*graph.Node // dt: the value of T
	ref    func(dt graph.DType, x []*tensor) []*tensor
	exact  bool // float outputs must equal the reference bit for bit
	noGrad bool // no gradient check (no float path from a float arg to a float output)
	// gradRef gives the expected gradient of Σ out·w for each float arg (nil entries: not
	// checked), for ops where finite differences do not measure the gradient (stop_gradient).
	gradRef func(x, w []*tensor) []*tensor
	fdStep  float64 // relative finite-difference step; 0 means 1e-6
	heavy   bool    // large: the gradient check samples elements in -short mode
}

func (c *opCase) dtypeList() []graph.DType {
	if c.dtypes == nil {
		return []graph.DType{graph.F32, graph.F64}
	}
	return c.dtypes
}

// hasFused reports whether the case covers a fused op.
func (c *opCase) hasFused() bool {
	for _, op := range c.covers {
		if _, ok := op.(graph.FusedOp); ok {
			return true
		}
	}
	return false
}

// argDType resolves T.
func argDType(a arg, dt graph.DType) graph.DType {
	if a.dtype == T {
		return dt
	}
	return a.dtype
}

// seedOf derives a fixed random seed from a name.
func seedOf(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}

// genArgs draws the values of every arg, rounded to the arg's dtype.
func genArgs(c *opCase, dt graph.DType) []*tensor {
	r := rand.New(rand.NewSource(seedOf(c.name)))
	out := make([]*tensor, len(c.args))
	for i, a := range c.args {
		t := newTensor(a.shape)
		g := a.gen
		if g == nil {
			g = uniform(-1, 1)
		}
		for j := range t.data {
			t.data[j] = roundTo(argDType(a, dt), g(r))
		}
		out[i] = t
	}
	return out
}

// roundTo rounds v to a value representable in dt.
func roundTo(dt graph.DType, v float64) float64 {
	switch dt {
	case graph.F32:
		return float64(float32(v))
	case graph.F16:
		return float64(graph.F16ToFloat32(graph.Float32ToF16(float32(v))))
	case graph.BF16:
		return float64(graph.BF16ToFloat32(graph.Float32ToBF16(float32(v))))
	case graph.Bool:
		if v != 0 {
			return 1
		}
		return 0
	case graph.I32, graph.I64, graph.U8:
		return math.Trunc(v)
	}
	return v
}

// buildArgs adds the case's Param and Input nodes to g.
func buildArgs(g *graph.Graph, c *opCase, dt graph.DType) []*graph.Node {
	nodes := make([]*graph.Node, len(c.args))
	for i, a := range c.args {
		adt := argDType(a, dt)
		if a.input || !adt.IsFloat() {
			nodes[i] = g.Input(a.name, adt, a.shape)
		} else {
			nodes[i] = g.Param(a.name, adt, a.shape)
		}
	}
	return nodes
}

// fill writes values into a tensor of any dtype.
func fill(t *graph.Tensor, v []float64) {
	if err := t.SetFloat64s(v); err != nil {
		panic(err)
	}
}

// hostTensor makes a host tensor of dtype dt holding values (not through a backend).
func hostTensor(dt graph.DType, shape graph.Shape, v []float64) *graph.Tensor {
	t := graph.NewTensor(dt, shape)
	fill(t, v)
	return t
}

// hasOp reports whether g has a node whose op has op's type and, for ops with a Kind field,
// op's kind.
func hasOp(g *graph.Graph, op graph.Op) bool {
	want := reflect.ValueOf(op)
	for _, n := range g.Nodes() {
		if !n.Valid() || n.Op() == nil {
			continue
		}
		got := reflect.ValueOf(n.Op())
		if got.Type() != want.Type() {
			continue
		}
		if f := want.FieldByName("Kind"); f.IsValid() && got.FieldByName("Kind").Uint() != f.Uint() {
			continue
		}
		return true
	}
	return false
}

// Generators.

func uniform(lo, hi float64) gen {
	return func(r *rand.Rand) float64 { return lo + (hi-lo)*r.Float64() }
}

// signed draws ±[lo, hi): away from zero.
func signed(lo, hi float64) gen {
	return func(r *rand.Rand) float64 {
		v := lo + (hi-lo)*r.Float64()
		if r.Intn(2) == 0 {
			return -v
		}
		return v
	}
}

// lattice draws offset + step·k + jitter·u for k in [-n, n] and u in [-1, 1): two args with
// offsets step/2 apart never come closer than step/2 - 2·jitter (max/min away from ties).
func lattice(step, offset, jitter float64, n int) gen {
	return func(r *rand.Rand) float64 {
		return offset + step*float64(r.Intn(2*n+1)-n) + jitter*(2*r.Float64()-1)
	}
}

// ints draws whole numbers in [lo, hi).
func ints(lo, hi int) gen {
	return func(r *rand.Rand) float64 { return float64(lo + r.Intn(hi-lo)) }
}

// choice draws one of vals.
func choice(vals ...float64) gen {
	return func(r *rand.Rand) float64 { return vals[r.Intn(len(vals))] }
}

// allCases is the whole table.
func allCases() []*opCase {
	var cs []*opCase
	for _, part := range [][]*opCase{elementwiseCases(), shapeCases(), linalgCases(), leafCases(), fusedCases(), chainCases(), tieCases()} {
		cs = append(cs, part...)
	}
	return cs
}
