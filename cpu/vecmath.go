package cpu

import "math"

// Vectorised float32 loops: softmax rows, GELU and QuickGELU (the non-GEMM kernels that
// dominate a forward's CPU profile after the matrix products) and the unary exp, erf and sigmoid
// (which the decompositions and the backward of GELU run). On amd64 they run in Go assembly
// (vecmath_amd64.s) with AVX-512 or AVX2, chosen at start-up from the CPU's features; elsewhere,
// and under -tags purego, in pure Go (softmaxRow32Go, geluLoop32Go, quickGELULoop32Go in
// fused.go, exp32Loop etc. below).
//
// The assembly performs, per element, the float64 operations of exp32, erf32 and sigmoid32
// (fastmath.go) in the same order, unfused (separate multiplies and adds, as Go compiles them
// for GOAMD64 v1 and v2), with the same tables, the same special cases and one rounding to
// float32, and the float32 operations of the loops around them; the softmax row sum is the
// sequential float64 sum in element order, or (AVX-512, rows spanning less than 13.8) a sum in 8
// lanes over values for which no partial sum rounds, which is the same number
// (softmaxRowLanes, TestSoftmaxLanesExact). So each kernel set gives the same bits as the pure-Go
// loops on every input: TestVecKernelsMatchGo forces each set and compares bit for bit.

// vecKernel is one implementation of the float32 loops. Each function has the contract of the
// pure-Go loop it replaces: x and y of the same length (y may be x), y[i] computed from x[i] (for
// softmax, from the whole row).
type vecKernel struct {
	name       string
	softmaxRow func(x, y []float32) // y = softmax(x) over the row
	gelu       func(x, y []float32) // y = 0.5·x·(1 + erf(x/√2))
	quickGELU  func(x, y []float32) // y = x·σ(1.702·x)
	exp        func(x, y []float32) // y = exp32(x) (the unary Exp kernel on F32)
	erf        func(x, y []float32) // y = erf32(x)
	sigmoid    func(x, y []float32) // y = sigmoid32(x)
	// affine is LayerNorm's last pass: y[j] = (y[j]·r)·g[j] + b[j] (g and b at least len(y)).
	affine func(y, g, b []float32, r float32)
}

var goVec = &vecKernel{name: "go", softmaxRow: softmaxRow32Go, gelu: geluLoop32Go,
	quickGELU: quickGELULoop32Go, exp: exp32Loop, erf: erf32Loop, sigmoid: sigmoid32Loop,
	affine: affine32Go}

// exp32Loop, erf32Loop and sigmoid32Loop are the pure-Go unary loops (the functions called
// directly, erf32 inlined).
func exp32Loop(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = exp32(v)
	}
}

func erf32Loop(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = erf32(v)
	}
}

func sigmoid32Loop(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = sigmoid32(v)
	}
}

var (
	// vecAvail lists the kernel sets this CPU runs, fastest first; the last is goVec.
	vecAvail = vecKernels()
	// vecUse is the set the kernels call (chosen at start-up; tests set it to force a path).
	vecUse = vecAvail[0]
)

// Constant rows of the assembly, each value repeated across a 256-bit row (32 bytes) so that
// AVX2 code reads it as a memory operand and AVX-512 code broadcasts its first element. The
// values are those of fastmath.go and fused.go converted as the Go code converts them; the
// order is the row index the assembly uses (vecmath_amd64.s, row·32 bytes).
var vecC64 = func() (c [17][4]uint64) {
	f := math.Float64bits
	rows := [17]uint64{
		f(invLn2x32), f(roundMag), f(ln2Hi), f(ln2Lo), // 0-3: exp range reduction
		f(1.0 / 120), f(1.0 / 24), f(1.0 / 6), f(1.0 / 2), f(1), // 4-8: exp polynomial, one
		f(roundMag) - 1023<<5, // 9: bits(kf + roundMag) - this = k + 1023·32 (expCore)
		16, 31,                // 10, 11: k bit 4 (which half of exp2Frac), k mod 32
		1 << 63, 1<<63 - 1, // 12, 13: sign, abs
		f(2), f(4), f(8), // 14-16: erf piece index a·2; 4 (erf is ±1 beyond) and 4a; 8a²
	}
	for i, v := range rows {
		c[i] = [4]uint64{v, v, v, v}
	}
	return c
}()

// vecC32 are the float32 constant rows (8 per 256 bits): exp32 and sigmoid32 limits, the
// GELU constants as float32(geluHalf) etc., the int32 mask 7 and 2^-20.
var vecC32 = func() (c [11][8]uint32) {
	f := math.Float32bits
	rows := [11]uint32{
		f(89), f(-110), f(float32(math.Inf(1))), f(700), f(-700), f(1), // 0-5
		f(float32(geluHalf)), f(float32(geluInvSqrt2)), f(float32(quickGELUC)), // 6-8
		7,          // 9: erf piece index mask
		f(0x1p-20), // 10: smallest nonzero exp value of an exactly summed softmax row (softmaxRowLanes)
	}
	for i, v := range rows {
		c[i] = [8]uint32{v, v, v, v, v, v, v, v}
	}
	return c
}()

// erfCols is erfEven, erfOdd and erfOffset by column: row j < 5 is coefficient j of the even
// part for the 8 pieces, rows 5-9 the odd part, row 10 the offsets; the assembly picks a
// piece's coefficient with a permute (AVX-512) or a gather (AVX2) on the piece index.
var erfCols = func() (c [11][8]float64) {
	for i := range 8 {
		for j := range 5 {
			c[j][i], c[5+j][i] = erfEven[i][j], erfOdd[i][j]
		}
		c[10][i] = erfOffset[i]
	}
	return c
}()
