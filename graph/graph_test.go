package graph

import (
	"math"
	"strings"
	"testing"
)

func TestShapeErrorsNameOpAndShapes(t *testing.T) {
	cases := []struct {
		name  string
		build func(g *Graph) *Node
		want  []string
	}{
		{"matmul inner", func(g *Graph) *Node {
			return MatMul(g.Input("a", F32, Shape{2, 3}), g.Input("b", F32, Shape{4, 5}))
		}, []string{"matmul", "[2 3]", "[4 5]"}},
		{"add broadcast", func(g *Graph) *Node {
			return Add(g.Input("a", F32, Shape{2, 3}), g.Input("b", F32, Shape{4}))
		}, []string{"add", "[2 3]", "[4]"}},
		{"dtype mismatch", func(g *Graph) *Node {
			return Mul(g.Input("a", F32, Shape{2}), g.Input("b", F64, Shape{2}))
		}, []string{"mul", "f32[2]", "f64[2]"}},
		{"reshape size", func(g *Graph) *Node {
			return Reshape(g.Input("a", F32, Shape{2, 3}), 4, 2)
		}, []string{"reshape", "[2 3]", "[4 2]"}},
		{"transpose perm", func(g *Graph) *Node {
			return Transpose(g.Input("a", F32, Shape{2, 3}), 0, 0)
		}, []string{"transpose", "[0 0]"}},
		{"slice range", func(g *Graph) *Node {
			return SliceAxis(g.Input("a", F32, Shape{2, 3}), 1, 1, 5)
		}, []string{"slice", "[1:5]", "[2 3]"}},
		{"layernorm weight", func(g *Graph) *Node {
			x := g.Input("x", F32, Shape{2, 8})
			return LayerNorm(x, g.Param("w", F32, Shape{7}), g.Param("b", F32, Shape{8}), 1e-5)
		}, []string{"layer_norm", "[2 8]", "[7]"}},
		{"gather float index", func(g *Graph) *Node {
			return Gather(g.Param("t", F32, Shape{5, 2}), g.Input("i", F32, Shape{3}))
		}, []string{"gather", "indices", "f32[3]"}},
		{"concat dims", func(g *Graph) *Node {
			return Concat(0, g.Input("a", F32, Shape{2, 3}), g.Input("b", F32, Shape{2, 4}))
		}, []string{"concat", "[2 3]", "[2 4]"}},
		{"attention", func(g *Graph) *Node {
			q := g.Input("q", F32, Shape{1, 2, 3, 4})
			k := g.Input("k", F32, Shape{1, 2, 5, 8})
			return Attention(q, k, k, nil, 1)
		}, []string{"attention", "[1 2 3 4]", "[1 2 5 8]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := New()
			n := c.build(g)
			if n.Valid() || g.Err() == nil {
				t.Fatalf("no error; node %v", n)
			}
			msg := g.Err().Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

func TestFirstErrorIsKept(t *testing.T) {
	g := New()
	a := g.Input("a", F32, Shape{2, 3})
	bad := MatMul(a, a) // [2 3] x [2 3]
	first := g.Err()
	later := Add(Exp(bad), g.Input("c", F32, Shape{9}))
	if later.Valid() || g.Err() != first {
		t.Fatalf("error replaced or node valid: %v, %v", g.Err(), later)
	}
	if grads := Gradient(ReduceSum(later), a); grads[0].Valid() {
		t.Fatal("gradient of an invalid graph is valid")
	}
}

func TestBroadcastInsertsExplicitNodes(t *testing.T) {
	g := New()
	x := g.Input("x", F32, Shape{2, 3, 4})
	b := g.Param("b", F32, Shape{4})
	y := Add(x, b)
	if !y.Shape().Equal(Shape{2, 3, 4}) {
		t.Fatalf("shape %v", y.Shape())
	}
	bb := y.Inputs()[1]
	if _, ok := bb.Op().(BroadcastOp); !ok {
		t.Fatalf("operand is %v, want a broadcast", bb)
	}
	if r := bb.Inputs()[0]; !r.Shape().Equal(Shape{1, 1, 4}) {
		t.Fatalf("broadcast input shape %v, want [1 1 4]", r.Shape())
	}
	if g.Err() != nil {
		t.Fatal(g.Err())
	}
}

func TestMatMulFoldsBatchForMatrixOperand(t *testing.T) {
	g := New()
	x := g.Input("x", F32, Shape{2, 5, 3})
	w := g.Param("w", F32, Shape{4, 3})
	y := Linear(x, w, g.Param("b", F32, Shape{4}))
	if !y.Shape().Equal(Shape{2, 5, 4}) {
		t.Fatalf("shape %v", y.Shape())
	}
	for _, n := range g.Nodes() {
		if _, ok := n.Op().(BroadcastOp); ok && n.Rank() == 3 && n.Shape()[2] == 3 {
			t.Fatalf("weight was broadcast: %v", n)
		}
	}
}

func TestGradientShapesAndZeros(t *testing.T) {
	g := New()
	x := g.Input("x", F32, Shape{2, 3})
	w := g.Param("w", F32, Shape{4, 3})
	unused := g.Param("u", F32, Shape{5})
	loss := ReduceSum(Tanh(Linear(x, w, nil)))
	grads := Gradient(loss, w, unused, x)
	if g.Err() != nil {
		t.Fatal(g.Err())
	}
	for i, want := range []Shape{{4, 3}, {5}, {2, 3}} {
		if !grads[i].Shape().Equal(want) || grads[i].DType() != F32 {
			t.Errorf("grad %d is %v%v, want f32%v", i, grads[i].DType(), grads[i].Shape(), want)
		}
	}
	if _, ok := grads[1].Op().(BroadcastOp); !ok {
		t.Errorf("gradient of an unused param is %v, want broadcast zeros", grads[1])
	}
	ids := g.Input("ids", I64, Shape{3})
	Gradient(ReduceSum(Gather(w, ids)), ids)
	if g.Err() == nil || !strings.Contains(g.Err().Error(), "differentiate") {
		t.Fatalf("gradient with respect to integers: %v", g.Err())
	}
}

func TestTupleOutputs(t *testing.T) {
	g := New()
	p := g.Param("p", F32, Shape{3})
	s := g.Scalar(1, F32)
	n := AdamW(p, p, p, p, s, s, 0.9, 0.999, 1e-8, 0.01)
	if n.NumOutputs() != 3 || !Output(n, 2).Shape().Equal(Shape{3}) {
		t.Fatalf("adamw tuple: %d outputs", n.NumOutputs())
	}
	if Add(n, p).Valid() {
		t.Fatal("a tuple used as an operand is valid")
	}
}

func TestHalfConversions(t *testing.T) {
	for _, f := range []float32{0, 1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, 0.33325195} {
		if got := F16ToFloat32(Float32ToF16(f)); got != f {
			t.Errorf("f16 round trip of %g gave %g", f, got)
		}
	}
	for _, f := range []float32{0, 1, -2.5, 3.3895314e38, 1.1754944e-38} {
		if got := BF16ToFloat32(Float32ToBF16(f)); got != f {
			t.Errorf("bf16 round trip of %g gave %g", f, got)
		}
	}
	if got := Float32ToF16(1 + 1.0/2048); got != 0x3c00 { // tie rounds to even
		t.Errorf("f16 tie: %#x", got)
	}
}

func TestRandomIsAPureFunction(t *testing.T) {
	a := RandomFloat64(7, 3, 11)
	if a != RandomFloat64(7, 3, 11) || a == RandomFloat64(7, 4, 11) || a == RandomFloat64(8, 3, 11) {
		t.Fatal("RandomFloat64 is not a pure function of (seed, step, i)")
	}
	var sum float64
	const n = 20000
	for i := uint64(0); i < n; i++ {
		u := RandomFloat64(1, 2, i)
		if u < 0 || u >= 1 {
			t.Fatalf("value %g out of [0,1)", u)
		}
		sum += u
	}
	if m := sum / n; m < 0.49 || m > 0.51 {
		t.Fatalf("mean %g of %d uniforms", m, n)
	}
}

func TestSetFloat64sInvertsFloat64s(t *testing.T) {
	vals := []float64{0, 1, -2, 3.5, 250}
	for _, dt := range []DType{F32, F64, F16, BF16, I32, I64, Bool, U8} {
		x := NewTensor(dt, Shape{5})
		if err := x.SetFloat64s(vals); err != nil {
			t.Fatal(err)
		}
		got := x.Float64s()
		for i, v := range vals {
			if dt == U8 && v < 0 {
				continue // out of range: Go leaves float-to-uint8 of a negative value undefined
			}
			want := v
			switch {
			case dt == Bool && v != 0:
				want = 1
			case dt.IsInt():
				want = float64(int64(v)) // truncation toward zero
			}
			if got[i] != want {
				t.Errorf("%v: element %d is %g, want %g", dt, i, got[i], want)
			}
		}
	}
	if err := NewTensor(F32, Shape{2}).SetFloat64s([]float64{1}); err == nil {
		t.Fatal("wrong length accepted")
	}
}

func TestConvert(t *testing.T) {
	src := FromFloat64(Shape{4}, []float64{1.5, -2.75, 0, 1e-3})
	for _, dt := range []DType{F32, F16, BF16, I64, Bool, F64} {
		c, err := Convert(src, dt)
		if err != nil {
			t.Fatal(err)
		}
		if c.DType != dt || !c.Shape.Equal(src.Shape) {
			t.Fatalf("%v: got %v", dt, c)
		}
		back := c.Float64s()
		want := []float64{1.5, -2.75, 0, 1e-3}
		switch dt {
		case F16:
			want[3] = float64(F16ToFloat32(Float32ToF16(1e-3)))
		case BF16:
			want[3] = float64(BF16ToFloat32(Float32ToBF16(1e-3)))
		case F32:
			want[3] = float64(float32(1e-3))
		case I64:
			want = []float64{1, -2, 0, 0}
		case Bool:
			want = []float64{1, 1, 0, 1}
		}
		for i := range want {
			if back[i] != want[i] {
				t.Errorf("%v: element %d is %g, want %g", dt, i, back[i], want[i])
			}
		}
	}
	if c, _ := Convert(src, F64); c != src {
		t.Error("converting to the same dtype copied")
	}
	if _, err := Convert(&Tensor{DType: F32, Shape: Shape{2}, Data: []float64{1, 2}}, F64); err == nil {
		t.Error("inconsistent tensor accepted")
	}
}

func TestIdentical(t *testing.T) {
	a := FromFloat32(Shape{3}, []float32{1, float32(math.NaN()), 0})
	if !a.Identical(a.Clone()) {
		t.Fatal("a clone (with a NaN) is not identical")
	}
	b := a.Clone()
	b.Data.([]float32)[2] = float32(math.Copysign(0, -1))
	if a.Identical(b) {
		t.Fatal("0 and -0 are identical")
	}
	if a.Identical(FromFloat32(Shape{1, 3}, a.Clone().Data.([]float32))) || a.Identical(FromFloat64(Shape{3}, []float64{1, 2, 0})) {
		t.Fatal("different shape or dtype is identical")
	}
	if !FromInt64(Shape{2}, []int64{4, 5}).Identical(FromInt64(Shape{2}, []int64{4, 5})) {
		t.Fatal("equal ints are not identical")
	}
}
