package cpu

import "github.com/bridgetower-go/bt/graph"

// Kernel builders for casts, indexed ops, reductions, products, iota, the fused ops and copies,
// instantiated per dtype by newKernel.

// castKernel converts between dtypes: any of f32, f64, i32, i64, u8 and bool to any other, and
// f16/bf16 to and from f32.
func castKernel(e *env, in, out *value) kernel {
	src, dst := in.dtype, out.dtype
	switch {
	case src == graph.F16 && dst == graph.F32:
		return newMap(e, in, out, 2, mapElems(graph.F16ToFloat32))
	case src == graph.BF16 && dst == graph.F32:
		return newMap(e, in, out, 1, mapElems(graph.BF16ToFloat32))
	case src == graph.F32 && dst == graph.F16:
		return newMap(e, in, out, 4, mapElems(graph.Float32ToF16))
	case src == graph.F32 && dst == graph.BF16:
		return newMap(e, in, out, 2, mapElems(graph.Float32ToBF16))
	}
	switch src {
	case graph.F32:
		return castFrom[float32](e, in, out)
	case graph.F64:
		return castFrom[float64](e, in, out)
	case graph.I32:
		return castFrom[int32](e, in, out)
	case graph.I64:
		return castFrom[int64](e, in, out)
	case graph.U8:
		return castFrom[uint8](e, in, out)
	case graph.Bool:
		switch out.dtype {
		case graph.F32:
			return newMap(e, in, out, 1, fromBool[float32])
		case graph.F64:
			return newMap(e, in, out, 1, fromBool[float64])
		case graph.I32:
			return newMap(e, in, out, 1, fromBool[int32])
		case graph.I64:
			return newMap(e, in, out, 1, fromBool[int64])
		case graph.U8:
			return newMap(e, in, out, 1, fromBool[uint8])
		}
	}
	return nil
}

func castFrom[S number](e *env, in, out *value) kernel {
	switch out.dtype {
	case graph.F32:
		return newMap(e, in, out, 1, convert[S, float32])
	case graph.F64:
		return newMap(e, in, out, 1, convert[S, float64])
	case graph.I32:
		return newMap(e, in, out, 1, convert[S, int32])
	case graph.I64:
		return newMap(e, in, out, 1, convert[S, int64])
	case graph.U8:
		return newMap(e, in, out, 1, convert[S, uint8])
	case graph.Bool:
		return newMap(e, in, out, 1, toBool[S])
	}
	return nil
}

// gatherOf and scatterOf build the indexed kernels (indices i32, i64 or u8).
type gatherOf struct {
	e   *env
	ins []*value
	out *value
}

type scatterOf gatherOf

type indexBuilder interface {
	build(dt, it graph.DType) kernel
}

func indexKernel(dt, it graph.DType, b indexBuilder) kernel {
	if !isIndex(it) {
		return nil
	}
	return b.build(dt, it)
}

func gatherK[T elem, I integer](g gatherOf) kernel {
	t := g.ins[0]
	rows := t.shape[0]
	width := 1
	for _, d := range t.shape[1:] {
		width *= d
	}
	n := g.ins[1].size
	return &gatherKernel[T, I]{r: g.e.r, table: t, index: g.ins[1], out: g.out, rows: rows, width: width, parts: partsFor(g.e.threads, n, width)}
}

func gatherT[T elem](g gatherOf, it graph.DType) kernel {
	switch it {
	case graph.I32:
		return gatherK[T, int32](g)
	case graph.I64:
		return gatherK[T, int64](g)
	}
	return gatherK[T, uint8](g)
}

func (g gatherOf) build(dt, it graph.DType) kernel {
	switch dt {
	case graph.F32:
		return gatherT[float32](g, it)
	case graph.F64:
		return gatherT[float64](g, it)
	case graph.I32:
		return gatherT[int32](g, it)
	case graph.I64:
		return gatherT[int64](g, it)
	case graph.U8:
		return gatherT[uint8](g, it)
	case graph.Bool:
		return gatherT[bool](g, it)
	}
	return nil
}

func scatterK[T number, I integer](s scatterOf) kernel {
	rows := s.out.shape[0]
	width := 1
	for _, d := range s.out.shape[1:] {
		width *= d
	}
	return &scatterKernel[T, I]{r: s.e.r, index: s.ins[0], updates: s.ins[1], out: s.out, rows: rows, width: width,
		parts: partsFor(s.e.threads, width, rows+s.ins[0].size)}
}

func scatterT[T number](s scatterOf, it graph.DType) kernel {
	switch it {
	case graph.I32:
		return scatterK[T, int32](s)
	case graph.I64:
		return scatterK[T, int64](s)
	}
	return scatterK[T, uint8](s)
}

func (s scatterOf) build(dt, it graph.DType) kernel {
	switch dt {
	case graph.F32:
		return scatterT[float32](s, it)
	case graph.F64:
		return scatterT[float64](s, it)
	case graph.I32:
		return scatterT[int32](s, it)
	case graph.I64:
		return scatterT[int64](s, it)
	}
	return nil
}

// reduceOf builds reductions (float64 accumulators for floats, int64 for integers).
type reduceOf struct {
	e       *env
	op      graph.ReduceOp
	in, out *value
}

func (r reduceOf) f32() kernel { return newReduce[float32, float64](r.e, r.op, r.in, r.out) }
func (r reduceOf) f64() kernel { return newReduce[float64, float64](r.e, r.op, r.in, r.out) }
func (r reduceOf) i32() kernel { return newReduce[int32, int64](r.e, r.op, r.in, r.out) }
func (r reduceOf) i64() kernel { return newReduce[int64, int64](r.e, r.op, r.in, r.out) }
func (r reduceOf) u8() kernel  { return newReduce[uint8, int64](r.e, r.op, r.in, r.out) }

// matmulOf builds matrix products.
type matmulOf struct {
	e         *env
	op        graph.MatMulOp
	a, b, out *value
}

func (m matmulOf) f32() kernel {
	return newMatMul[float32](m.e, m.op.TransA, m.op.TransB, m.a, m.b, m.out)
}
func (m matmulOf) f64() kernel {
	return newMatMul[float64](m.e, m.op.TransA, m.op.TransB, m.a, m.b, m.out)
}

// iotaOf builds Iota kernels.
type iotaOf struct {
	e    *env
	axis int
	out  *value
}

func iotaK[T number](o iotaOf) kernel {
	stride := 1
	for _, d := range o.out.shape[o.axis+1:] {
		stride *= d
	}
	return &iotaKernel[T]{r: o.e.r, out: o.out, stride: stride, dim: o.out.shape[o.axis], parts: partsFor(o.e.threads, o.out.size, 2)}
}

func (o iotaOf) f32() kernel { return iotaK[float32](o) }
func (o iotaOf) f64() kernel { return iotaK[float64](o) }
func (o iotaOf) i32() kernel { return iotaK[int32](o) }
func (o iotaOf) i64() kernel { return iotaK[int64](o) }
func (o iotaOf) u8() kernel  { return iotaK[uint8](o) }

// fusedOf builds the native fused kernels.
type fusedOf struct {
	e   *env
	op  graph.Op
	ins []*value
	out *value
}

func fusedK[T float](f fusedOf) kernel {
	switch op := f.op.(type) {
	case graph.LayerNormOp:
		return newLayerNorm[T](f.e, op, f.ins, f.out)
	case graph.SoftmaxOp:
		return newSoftmax[T](f.e, op, f.ins[0], f.out)
	case graph.GELUOp:
		return newMap(f.e, f.ins[0], f.out, 24, geluLoop[T])
	case graph.QuickGELUOp:
		return newMap(f.e, f.ins[0], f.out, 24, quickGELULoop[T])
	case graph.AttentionOp:
		return newAttention[T](f.e, op, f.ins, f.out)
	}
	return nil
}

func (f fusedOf) f32() kernel { return fusedK[float32](f) }
func (f fusedOf) f64() kernel { return fusedK[float64](f) }

// copyOf builds the copy of a value into another buffer.
func copyOf(e *env, in, out *value) kernel {
	parts := partsFor(e.threads, out.size, 1)
	switch in.dtype {
	case graph.F32:
		return &copyKernel[float32]{r: e.r, in: in, out: out, parts: parts}
	case graph.F64:
		return &copyKernel[float64]{r: e.r, in: in, out: out, parts: parts}
	case graph.F16, graph.BF16:
		return &copyKernel[uint16]{r: e.r, in: in, out: out, parts: parts}
	case graph.I32:
		return &copyKernel[int32]{r: e.r, in: in, out: out, parts: parts}
	case graph.I64:
		return &copyKernel[int64]{r: e.r, in: in, out: out, parts: parts}
	case graph.Bool:
		return &copyKernel[bool]{r: e.r, in: in, out: out, parts: parts}
	case graph.U8:
		return &copyKernel[uint8]{r: e.r, in: in, out: out, parts: parts}
	}
	return nil
}
