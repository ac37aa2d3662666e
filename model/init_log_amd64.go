package model

import "math"

// logUnit is math.Log(x) for a normal x in (0, 1], the uniforms of the normal stream
// (init_rng.go): on amd64 math.Log is an assembly routine (math/log_amd64.s) called once per
// value; this is the same sequence of float64 operations (its reduction, with f1 <= √2/2 as its
// compare, and its polynomial), inlined into the caller's loop. Every product is converted
// explicitly, so that no compiler setting fuses a multiply-add the assembly does not.
// TestLogUnit holds it to math.Log bit for bit.
func logUnit(x float64) float64 {
	const (
		hSqrt2 = 7.07106781186547524401e-01
		ln2Hi  = 6.93147180369123816490e-01
		ln2Lo  = 1.90821492927058770002e-10
		l1     = 6.666666666666735130e-01
		l2     = 3.999999999940941908e-01
		l3     = 2.857142874366239149e-01
		l4     = 2.222219843214978396e-01
		l5     = 1.818357216161805012e-01
		l6     = 1.531383769920937332e-01
		l7     = 1.479819860511658591e-01
	)
	b := math.Float64bits(x)
	k := float64(int(b>>52&0x7ff) - 0x3fe)
	f1 := math.Float64frombits(b&(1<<52-1) | 0x3fe0000000000000) // in [0.5, 1)
	if f1 <= hSqrt2 {
		k--
		f1 *= 2
	}
	f := f1 - 1
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * (l1 + float64(s4*(l3+float64(s4*(l5+float64(s4*l7)))))))
	t2 := float64(s4 * (l2 + float64(s4*(l4+float64(s4*l6)))))
	r := t1 + t2
	hfsq := float64(float64(0.5*f) * f)
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+r)) + float64(k*ln2Lo))) - f)
}
