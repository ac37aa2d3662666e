package cpu

import (
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// The contract of a native fused kernel is to agree with the op's decomposition within the
// documented accuracy (fastmath.go: 1 ulp per exp, erf or sigmoid on F32), as graphtest checks.
// Today they do more: they perform the float operations of the decompositions in the same order
// and precision (sums of F32 in float64 as in reduceKernel, every intermediate rounded to T where
// the decomposition stores a tensor, exp/erf/sigmoid the functions the unary kernels use), so
// they agree with the decompositions to the last bit on platforms that do not fuse
// multiply-adds, and within rounding elsewhere. Explicit T(...) conversions keep the Go compiler
// from fusing them.

// Constants of the decompositions, rounded to T at run time as graph.Scalar does (float64 first).
var (
	geluHalf     = 0.5
	geluInvSqrt2 = 1 / math.Sqrt2
	quickGELUC   = 1.702
)

// geluLoop is 0.5·x · (1 + erf(x/√2)) as GELUOp.Decompose writes it, with erf as the Erf
// kernel computes it for T (erf32 for float32: fastmath.go).
func geluLoop[T float](x, y []T) {
	if x32, ok := any(x).([]float32); ok {
		geluLoop32(x32, any(y).([]float32))
		return
	}
	y = y[:len(x)]
	half, invSqrt2 := T(geluHalf), T(geluInvSqrt2)
	erf := erfOf[T]()
	for i, v := range x {
		a := T(v * half)
		b := T(erf(T(v*invSqrt2)) + 1)
		y[i] = a * b
	}
}

// quickGELULoop is x·σ(1.702·x) as QuickGELUOp.Decompose writes it (σ as the Sigmoid kernel).
func quickGELULoop[T float](x, y []T) {
	if x32, ok := any(x).([]float32); ok {
		quickGELULoop32(x32, any(y).([]float32))
		return
	}
	y = y[:len(x)]
	c := T(quickGELUC)
	sig := sigmoidOf[T]()
	for i, v := range x {
		y[i] = v * sig(T(v*c))
	}
}

// geluLoop32 and quickGELULoop32 run the float32 loops of the kernel set in use (vecUse:
// assembly on amd64, vecmath.go). geluLoop32Go and quickGELULoop32Go are the pure-Go loops, with
// erf32 and sigmoid32 called directly (erf32 inlined) instead of through a function value: the
// same operations, and the oracle of the assembly.
func geluLoop32(x, y []float32)      { vecUse.gelu(x, y) }
func quickGELULoop32(x, y []float32) { vecUse.quickGELU(x, y) }

func geluLoop32Go(x, y []float32) {
	y = y[:len(x)]
	half, invSqrt2 := float32(geluHalf), float32(geluInvSqrt2)
	for i, v := range x {
		a := float32(v * half)
		b := float32(erf32(float32(v*invSqrt2)) + 1)
		y[i] = a * b
	}
}

func quickGELULoop32Go(x, y []float32) {
	y = y[:len(x)]
	c := float32(quickGELUC)
	for i, v := range x {
		y[i] = v * sigmoid32(float32(v*c))
	}
}

// expOf, erfOf and sigmoidOf return the function the unary kernels compute for T: the fast
// float32 functions of fastmath.go, Go's math functions for float64.
func expOf[T float]() func(T) T     { return pick[T](exp32, math.Exp) }
func erfOf[T float]() func(T) T     { return pick[T](erf32, math.Erf) }
func sigmoidOf[T float]() func(T) T { return pick[T](sigmoid32, sigmoid) }

func pick[T float](f32 func(float32) float32, f64 func(float64) float64) func(T) T {
	var z T
	var f any = f64
	if _, ok := any(z).(float32); ok {
		f = f32
	}
	return f.(func(T) T)
}

// rowsKernel runs a row function over the lines of a tensor along one axis: shape [outer, n,
// inner] has outer·inner lines of n elements with stride inner. Used by Softmax and LayerNorm.
type rowsKernel[T float] struct {
	r          *runner
	ins        []*value
	out        *value
	outer, n   int
	inner      int
	parts      int
	line       func(k *rowsKernel[T], x, y []T, off int) // one line starting at off
	eps        T
	exp        func(T) T
	x, y, g, b []T
}

func newRows[T float](e *env, ins []*value, out *value, axis int, cost int) *rowsKernel[T] {
	k := &rowsKernel[T]{r: e.r, ins: ins, out: out, outer: 1, inner: 1, n: out.shape[axis]}
	for _, d := range out.shape[:axis] {
		k.outer *= d
	}
	for _, d := range out.shape[axis+1:] {
		k.inner *= d
	}
	k.parts = partsFor(e.threads, k.outer*k.inner, k.n*cost)
	return k
}

func (k *rowsKernel[T]) run() error {
	k.x, k.y = slice[T](k.ins[0]), slice[T](k.out)
	if len(k.ins) == 3 {
		k.g, k.b = slice[T](k.ins[1]), slice[T](k.ins[2])
	}
	k.r.do(k, k.parts)
	return nil
}

func (k *rowsKernel[T]) part(p, _ int) {
	lo, hi := split(k.outer*k.inner, k.parts, p)
	for l := lo; l < hi; l++ {
		o, i := l/k.inner, l%k.inner
		k.line(k, k.x, k.y, o*k.n*k.inner+i)
	}
}

// softmaxLine is Softmax.Decompose on one line: m = max; e = exp(x - m); y = e / Σe, with the
// sum accumulated in float64 and rounded to T as ReduceSum does.
func softmaxLine[T float](k *rowsKernel[T], x, y []T, off int) {
	n, s := k.n, k.inner
	if n == 0 {
		return
	}
	if s == 1 {
		softmaxRow(x[off:off+n], y[off:off+n], k.exp)
		return
	}
	m := T(math.Inf(-1))
	for j := 0; j < n; j++ {
		m = max(m, x[off+j*s])
	}
	var sum float64
	for j := 0; j < n; j++ {
		e := k.exp(x[off+j*s] - m)
		y[off+j*s] = e
		sum += float64(e)
	}
	d := T(sum)
	for j := 0; j < n; j++ {
		y[off+j*s] /= d
	}
}

// softmaxRow is softmaxLine on a contiguous row (y may be x); exp is expOf[T](). Float32 rows
// go to softmaxRow32.
func softmaxRow[T float](x, y []T, exp func(T) T) {
	if x32, ok := any(x).([]float32); ok {
		softmaxRow32(x32, any(y).([]float32))
		return
	}
	y = y[:len(x)]
	m := T(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for j, v := range x {
		e := exp(v - m)
		y[j] = e
		sum += float64(e)
	}
	d := T(sum)
	for j := range y {
		y[j] /= d
	}
}

// softmaxRow32 is softmaxRow on float32 by the kernel set in use (vecUse). softmaxRow32Go is
// the pure-Go form, with exp32 called directly (its core inlined) rather than through a function
// value: the same operations in the same order.
func softmaxRow32(x, y []float32) { vecUse.softmaxRow(x, y) }

func softmaxRow32Go(x, y []float32) {
	y = y[:len(x)]
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for j, v := range x {
		e := exp32(v - m)
		y[j] = e
		sum += float64(e)
	}
	d := float32(sum)
	for j := range y {
		y[j] /= d
	}
}

// layerNormLine is LayerNorm.Decompose on one row of the last axis: mean, centred values,
// variance of the centred values, y = xc·rsqrt(var + eps)·gamma + beta.
func layerNormLine[T float](k *rowsKernel[T], x, y []T, off int) {
	n := k.n
	if n == 0 {
		return
	}
	xs, ys := x[off:off+n], y[off:off+n]
	var sum float64
	for _, v := range xs {
		sum += float64(v)
	}
	mean := T(sum / float64(n))
	var sq float64
	for j, v := range xs {
		c := v - mean
		ys[j] = c
		sq += float64(T(c * c))
	}
	variance := T(sq / float64(n))
	r := T(rsqrt(float64(variance + k.eps)))
	g, b := k.g[:n], k.b[:n]
	if y32, ok := any(ys).([]float32); ok {
		vecUse.affine(y32, any(g).([]float32), any(b).([]float32), any(r).(float32))
		return
	}
	for j, c := range ys {
		t := T(c * r)
		t = T(t * g[j])
		ys[j] = t + b[j]
	}
}

// affine32Go is the last pass of layerNormLine on float32 (the Go loop of the kernel sets'
// affine): y[j] = (y[j]·r)·g[j] + b[j], each product rounded to float32.
func affine32Go(y, g, b []float32, r float32) {
	g, b = g[:len(y)], b[:len(y)]
	for j, c := range y {
		t := c * r
		t = t * g[j]
		y[j] = t + b[j]
	}
}

// newSoftmax and newLayerNorm build the row kernels.
func newSoftmax[T float](e *env, op graph.SoftmaxOp, in, out *value) *rowsKernel[T] {
	k := newRows[T](e, []*value{in}, out, op.Axis, 24)
	k.line = softmaxLine[T]
	k.exp = expOf[T]()
	return k
}

func newLayerNorm[T float](e *env, op graph.LayerNormOp, ins []*value, out *value) *rowsKernel[T] {
	k := newRows[T](e, ins, out, out.shape.Rank()-1, 8)
	k.line = layerNormLine[T]
	k.eps = T(op.Eps)
	return k
}
