package cpu

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// kernel is one step of the schedule. run reads its operands' buffers and writes its output's;
// an error (a bad index, an integer division by zero) is reported with the node by Run.
type kernel interface {
	run() error
}

// env is what kernel constructors need from the backend.
type env struct {
	threads     int
	r           *runner
	mm          gemm
	copyLayouts bool // no views (view.go): every layout op copies
	noFold      bool // no constant folding (plan.go): constant subgraphs run every time
}

// unsupported is the compile error for an op on a dtype the cpu backend does not compute.
func unsupported(n *graph.Node, dt graph.DType) error {
	if dt == graph.F16 || dt == graph.BF16 {
		return fmt.Errorf("cpu: %v: %s on %v is not supported (f16 and bf16 values can only be cast to and from f32)", n, n.Op().Name(), dt)
	}
	return fmt.Errorf("cpu: %v: %s on %v is not supported", n, n.Op().Name(), dt)
}

// newKernel builds the kernel of a scheduled node (not a leaf or an alias).
func newKernel(e *env, n *graph.Node, ins []*value, out *value) (kernel, error) {
	dt := out.dtype
	var k kernel
	switch op := n.Op().(type) {
	case graph.UnaryOp:
		k = forNumber(dt, unaryOf{e, op.Kind, ins[0], out})
	case graph.BinaryOp:
		k = forNumber(dt, binaryOf{e, op.Kind, ins[0], ins[1], out})
	case graph.CompareOp:
		k = compareKernel(e, op.Kind, ins[0], ins[1], out)
		dt = ins[0].dtype
	case graph.WhereOp:
		k = forElem(dt, whereOf{e, ins, out})
	case graph.CastOp:
		k = castKernel(e, ins[0], out)
		if k == nil && (ins[0].dtype == graph.F16 || ins[0].dtype == graph.BF16) {
			dt = ins[0].dtype
		}
	case graph.TransposeOp, graph.SliceOp, graph.PadOp, graph.ConcatOp, graph.BroadcastOp:
		k = forElem(dt, layoutOf{e, n, ins, out})
	case graph.GatherOp:
		k = indexKernel(dt, ins[1].dtype, gatherOf{e, ins, out})
		if k == nil && !isIndex(ins[1].dtype) {
			dt = ins[1].dtype
		}
	case graph.ScatterAddOp:
		k = indexKernel(dt, ins[0].dtype, scatterOf{e, ins, out})
		if k == nil && !isIndex(ins[0].dtype) {
			dt = ins[0].dtype
		}
	case graph.ReduceOp:
		k = forNumber(dt, reduceOf{e, op, ins[0], out})
	case graph.MatMulOp:
		k = forFloat(dt, matmulOf{e, op, ins[0], ins[1], out})
	case graph.IotaOp:
		k = forNumber(dt, iotaOf{e, op.Axis, out})
	case graph.RandomUniformOp:
		switch dt {
		case graph.F32:
			k = &randomKernel[float32]{r: e.r, step: ins[0], out: out, seed: op.Seed, parts: partsFor(e.threads, out.size, 8)}
		case graph.F64:
			k = &randomKernel[float64]{r: e.r, step: ins[0], out: out, seed: op.Seed, parts: partsFor(e.threads, out.size, 8)}
		}
	case graph.LayerNormOp, graph.SoftmaxOp, graph.GELUOp, graph.QuickGELUOp, graph.AttentionOp:
		k = forFloat(dt, fusedOf{e, op, ins, out})
	default:
		return nil, fmt.Errorf("cpu: %v: no kernel for op %s", n, n.Op().Name())
	}
	if k == nil {
		return nil, unsupported(n, dt)
	}
	if lk, ok := k.(interface{ maxRank() int }); ok && lk.maxRank() > maxRank {
		return nil, fmt.Errorf("cpu: %v: layout of rank %d after merging dimensions (at most %d)", n, lk.maxRank(), maxRank)
	}
	return k, nil
}

func isIndex(dt graph.DType) bool { return dt == graph.I32 || dt == graph.I64 || dt == graph.U8 }

// Constructors generic in the element type, instantiated by the forX dispatchers below.
type (
	floatBuilder interface {
		f32() kernel
		f64() kernel
	}
	numberBuilder interface {
		floatBuilder
		i32() kernel
		i64() kernel
		u8() kernel
	}
	elemBuilder interface {
		numberBuilder
		boolean() kernel
	}
)

func forFloat(dt graph.DType, b floatBuilder) kernel {
	switch dt {
	case graph.F32:
		return b.f32()
	case graph.F64:
		return b.f64()
	}
	return nil
}

func forNumber(dt graph.DType, b numberBuilder) kernel {
	switch dt {
	case graph.I32:
		return b.i32()
	case graph.I64:
		return b.i64()
	case graph.U8:
		return b.u8()
	}
	return forFloat(dt, b)
}

func forElem(dt graph.DType, b elemBuilder) kernel {
	if dt == graph.Bool {
		return b.boolean()
	}
	return forNumber(dt, b)
}

// unaryOf builds unary kernels (neg and abs only on integers).
type unaryOf struct {
	e       *env
	kind    graph.UnaryKind
	in, out *value
}

func unaryF[T float](u unaryOf) kernel {
	fn, cost := unaryFloat[T](u.kind)
	if fn == nil {
		return nil
	}
	return newMap(u.e, u.in, u.out, cost, fn)
}

func unaryI[T integer](u unaryOf) kernel {
	fn := unaryInt[T](u.kind)
	if fn == nil {
		return nil
	}
	return newMap(u.e, u.in, u.out, 1, fn)
}

func (u unaryOf) f32() kernel { return unaryF[float32](u) }
func (u unaryOf) f64() kernel { return unaryF[float64](u) }
func (u unaryOf) i32() kernel { return unaryI[int32](u) }
func (u unaryOf) i64() kernel { return unaryI[int64](u) }
func (u unaryOf) u8() kernel  { return unaryI[uint8](u) }

// binaryOf builds binary kernels (pow only on floats; integer division checks its divisor).
type binaryOf struct {
	e         *env
	kind      graph.BinaryKind
	a, b, out *value
}

func binaryF[T float](o binaryOf) kernel {
	fn, cost := binaryFloat[T](o.kind)
	if fn == nil {
		return nil
	}
	k := newZip(o.e, o.a, o.b, o.out, cost, fn)
	k.repA, k.repB = binaryRepeat[T](o.kind)
	return k
}

func binaryI[T integer](o binaryOf) kernel {
	fn := binaryLoop[T](o.kind)
	if fn == nil {
		return nil
	}
	k := newZip(o.e, o.a, o.b, o.out, 1, fn)
	if o.kind == graph.DivKind {
		k.check = checkDivisor[T]
	}
	return k
}

func (o binaryOf) f32() kernel { return binaryF[float32](o) }
func (o binaryOf) f64() kernel { return binaryF[float64](o) }
func (o binaryOf) i32() kernel { return binaryI[int32](o) }
func (o binaryOf) i64() kernel { return binaryI[int64](o) }
func (o binaryOf) u8() kernel  { return binaryI[uint8](o) }

// compareKernel builds a comparison of two operands of the input dtype.
func compareKernel(e *env, kind graph.CompareKind, a, b, out *value) kernel {
	switch a.dtype {
	case graph.F32:
		return newZip(e, a, b, out, 1, compareLoop[float32](kind))
	case graph.F64:
		return newZip(e, a, b, out, 1, compareLoop[float64](kind))
	case graph.I32:
		return newZip(e, a, b, out, 1, compareLoop[int32](kind))
	case graph.I64:
		return newZip(e, a, b, out, 1, compareLoop[int64](kind))
	case graph.U8:
		return newZip(e, a, b, out, 1, compareLoop[uint8](kind))
	case graph.Bool:
		if fn := compareBool(kind); fn != nil {
			return newZip(e, a, b, out, 1, fn)
		}
	}
	return nil
}

// whereOf builds Where kernels.
type whereOf struct {
	e   *env
	ins []*value
	out *value
}

func whereK[T elem](w whereOf) kernel {
	return newWhere[T](w.e, w.ins[0], w.ins[1], w.ins[2], w.out)
}

func (w whereOf) f32() kernel     { return whereK[float32](w) }
func (w whereOf) f64() kernel     { return whereK[float64](w) }
func (w whereOf) i32() kernel     { return whereK[int32](w) }
func (w whereOf) i64() kernel     { return whereK[int64](w) }
func (w whereOf) u8() kernel      { return whereK[uint8](w) }
func (w whereOf) boolean() kernel { return whereK[bool](w) }

// layoutOf builds transpose, slice, pad, concat and broadcast kernels.
type layoutOf struct {
	e   *env
	n   *graph.Node
	ins []*value
	out *value
}

func (l layoutOf) f32() kernel     { return newLayout[float32](l.e, l.n, l.ins, l.out) }
func (l layoutOf) f64() kernel     { return newLayout[float64](l.e, l.n, l.ins, l.out) }
func (l layoutOf) i32() kernel     { return newLayout[int32](l.e, l.n, l.ins, l.out) }
func (l layoutOf) i64() kernel     { return newLayout[int64](l.e, l.n, l.ins, l.out) }
func (l layoutOf) u8() kernel      { return newLayout[uint8](l.e, l.n, l.ins, l.out) }
func (l layoutOf) boolean() kernel { return newLayout[bool](l.e, l.n, l.ins, l.out) }

func (k *layoutKernel[T]) maxRank() int {
	r := 0
	for _, p := range k.plans {
		r = max(r, p.rank())
	}
	return r
}
