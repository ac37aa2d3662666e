//go:build !purego

package cpu

import "golang.org/x/sys/cpu"

// Assembly loops (vecmath_amd64.s). n is a multiple of 8 and at least 8; x and y hold n
// float32 (y may equal x). The Go wrappers below run the remaining n mod 8 elements in Go.

// minMaxAVX returns the smallest and the largest of x[:n] and whether any is NaN (then the
// smallest and largest are meaningless).
//
//go:noescape
func minMaxAVX(x *float32, n int) (float32, float32, bool)

// divAVX sets y[i] /= d for i < n.
//
//go:noescape
func divAVX(y *float32, n int, d float32)

// softmaxExpAVX512 and softmaxExpAVX2 set y[i] = exp32(x[i] - m) for i < n and return
// Σ float64(y[i]) summed in order from 0 (the exp pass of softmaxRow32Go).
//
//go:noescape
func softmaxExpAVX512(x, y *float32, n int, m float32) float64

//go:noescape
func softmaxExpAVX2(x, y *float32, n int, m float32) float64

// softmaxExpLanesAVX512 sets y[i] = exp32(x[i] - m) for i < n and returns Σ float64(y[i])
// summed in 8 lanes, and whether every y[i] is 0 or at least 2^-20 (softmaxRowLanes).
//
//go:noescape
func softmaxExpLanesAVX512(x, y *float32, n int, m float32) (float64, bool)

// geluAVX512 and geluAVX2 are geluLoop32Go on x[:n], y[:n].
//
//go:noescape
func geluAVX512(x, y *float32, n int)

//go:noescape
func geluAVX2(x, y *float32, n int)

// quickGELUAVX512 and quickGELUAVX2 are quickGELULoop32Go on x[:n], y[:n].
//
//go:noescape
func quickGELUAVX512(x, y *float32, n int)

//go:noescape
func quickGELUAVX2(x, y *float32, n int)

// expAVX512, erfAVX512, sigmoidAVX512 and their AVX2 forms are exp32Loop, erf32Loop and
// sigmoid32Loop on x[:n], y[:n].
//
//go:noescape
func expAVX512(x, y *float32, n int)

//go:noescape
func erfAVX512(x, y *float32, n int)

//go:noescape
func sigmoidAVX512(x, y *float32, n int)

//go:noescape
func expAVX2(x, y *float32, n int)

//go:noescape
func erfAVX2(x, y *float32, n int)

//go:noescape
func sigmoidAVX2(x, y *float32, n int)

// affineAVX is affine32Go on y[:n], gamma[:n], beta[:n].
//
//go:noescape
func affineAVX(y, gamma, beta *float32, n int, r float32)

// affineAsm runs affineAVX over the whole blocks of 8 and affine32Go over the rest.
func affineAsm(y, g, b []float32, r float32) {
	g, b = g[:len(y)], b[:len(y)]
	nb := len(y) &^ 7
	if nb > 0 {
		affineAVX(&y[0], &g[0], &b[0], nb, r)
	}
	affine32Go(y[nb:], g[nb:], b[nb:], r)
}

// vecKernels lists the kernel sets this CPU runs, fastest first: AVX-512 (F, DQ and VL: 8
// float64 lanes, table look-ups by permutes), AVX2 (4 lanes, look-ups by gathers; no FMA is
// used anywhere, so that the operations round as the Go code's), then pure Go.
func vecKernels() []*vecKernel {
	var ks []*vecKernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL {
		ks = append(ks, &vecKernel{
			name:       "avx512",
			softmaxRow: softmaxRowLanes,
			gelu:       func(x, y []float32) { mapAsm(x, y, geluAVX512, geluLoop32Go) },
			quickGELU:  func(x, y []float32) { mapAsm(x, y, quickGELUAVX512, quickGELULoop32Go) },
			exp:        func(x, y []float32) { mapAsm(x, y, expAVX512, exp32Loop) },
			erf:        func(x, y []float32) { mapAsm(x, y, erfAVX512, erf32Loop) },
			sigmoid:    func(x, y []float32) { mapAsm(x, y, sigmoidAVX512, sigmoid32Loop) },
			affine:     affineAsm,
		})
	}
	if cpu.X86.HasAVX2 {
		ks = append(ks, &vecKernel{
			name:       "avx2",
			softmaxRow: func(x, y []float32) { softmaxRowAsm(x, y, softmaxExpAVX2) },
			gelu:       func(x, y []float32) { mapAsm(x, y, geluAVX2, geluLoop32Go) },
			quickGELU:  func(x, y []float32) { mapAsm(x, y, quickGELUAVX2, quickGELULoop32Go) },
			exp:        func(x, y []float32) { mapAsm(x, y, expAVX2, exp32Loop) },
			erf:        func(x, y []float32) { mapAsm(x, y, erfAVX2, erf32Loop) },
			sigmoid:    func(x, y []float32) { mapAsm(x, y, sigmoidAVX2, sigmoid32Loop) },
			affine:     affineAsm,
		})
	}
	return append(ks, goVec)
}

// mapAsm runs an elementwise assembly loop over the whole blocks of 8 and the Go loop over the
// rest.
func mapAsm(x, y []float32, asm func(x, y *float32, n int), tail func(x, y []float32)) {
	y = y[:len(x)]
	nb := len(x) &^ 7
	if nb > 0 {
		asm(&x[0], &y[0], nb)
	}
	tail(x[nb:], y[nb:])
}

// softmaxRowLanes is softmaxRowAsm with the sum of the exp pass in 8 float64 lanes where that
// gives the sequential sum exactly, and softmaxRowAsm's sequential sum elsewhere. Every y[j] =
// exp32(x[j] - m) is a float32 in [0, 1]; when each is 0 or at least 2^-20 it is a multiple of
// 2^-43 (24-bit significand), and a row of n < 1024 of them has every partial sum, in any order,
// a multiple of 2^-43 below 2^10, which float64's 53 bits hold exactly: no addition rounds, so
// the lanes give the same float64 as the sequential loop. Rows whose values span 13.8 or more
// (where an exp below 2^-20 = e^-13.86 is likely) take softmaxRowAsm's interleaved sequential
// sum; a row that still fails the test (checked on every exp) has its sum redone in order over
// y, which then holds the same values.
func softmaxRowLanes(x, y []float32) {
	y = y[:len(x)]
	nb := len(x) &^ 7
	if nb == 0 || len(x) >= 1024 {
		softmaxRowAsm(x, y, softmaxExpAVX512)
		return
	}
	lo, m, nan := minMaxAVX(&x[0], nb)
	for _, v := range x[nb:] {
		nan = nan || v != v
		lo, m = min(lo, v), max(m, v)
	}
	if nan {
		softmaxRow32Go(x, y)
		return
	}
	if !(m-lo < 13.8) { // some exp below 2^-20 likely: the sequential sum, interleaved
		softmaxRowSeq(x, y, m, softmaxExpAVX512)
		return
	}
	sum, exact := softmaxExpLanesAVX512(&x[0], &y[0], nb, m)
	for j := nb; j < len(x); j++ {
		e := exp32(x[j] - m)
		y[j] = e
		exact = exact && (e == 0 || e >= 0x1p-20)
		sum += float64(e)
	}
	if !exact {
		sum = 0
		for _, e := range y {
			sum += float64(e)
		}
	}
	d := float32(sum)
	divAVX(&y[0], nb, d)
	for j := nb; j < len(y); j++ {
		y[j] /= d
	}
}

// softmaxRowAsm is softmaxRow32Go with its max, exp and division passes in assembly over the
// whole blocks of 8 and in Go over the rest, in the same order: the exp pass continues the
// assembly's sequential sum with the tail. A row holding a NaN goes to softmaxRow32Go whole
// (the NaN it propagates is then the one Go's max picks).
func softmaxRowAsm(x, y []float32, expSum func(x, y *float32, n int, m float32) float64) {
	y = y[:len(x)]
	nb := len(x) &^ 7
	if nb == 0 {
		softmaxRow32Go(x, y)
		return
	}
	_, m, nan := minMaxAVX(&x[0], nb)
	for _, v := range x[nb:] {
		nan = nan || v != v
		m = max(m, v)
	}
	if nan {
		softmaxRow32Go(x, y)
		return
	}
	softmaxRowSeq(x, y, m, expSum)
}

// softmaxRowSeq is the exp and division passes of softmaxRowAsm, given the row's maximum m.
func softmaxRowSeq(x, y []float32, m float32, expSum func(x, y *float32, n int, m float32) float64) {
	nb := len(x) &^ 7
	sum := expSum(&x[0], &y[0], nb, m)
	for j := nb; j < len(x); j++ {
		e := exp32(x[j] - m)
		y[j] = e
		sum += float64(e)
	}
	d := float32(sum)
	divAVX(&y[0], nb, d)
	for j := nb; j < len(y); j++ {
		y[j] /= d
	}
}
