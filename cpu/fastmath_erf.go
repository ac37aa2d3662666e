package cpu

import "math"

// Branch-free erf64 (fastmath.go). The piecewise erf64 picks its polynomial with a switch on
// int(2|x|), a branch the processor mispredicts on GELU's inputs, which spread over several
// pieces; erfTable evaluates the piece's polynomial from coefficient tables instead. Each row is
// a piece of fastmath_coef.go (erfPiece0..7) with its missing top coefficients set to zero, which
// changes no value: the innermost Horner step c + t2·0 is c exactly. TestErfTableUnchanged holds
// it to the piecewise form over every float32 input.

// erfEven and erfOdd are the coefficients of e(t2) and o(t2), piece(t) = e + t·o, per piece.
var erfEven = [8][5]float64{
	{1.08307523767617, 0.0016130716681011276, 1.1516036195757806e-06, 4.1291211719648603e-10, 0},
	{0.7111556336538318, -0.030137393884360007, 0.0005886211011373988, -6.561030333429585e-06, 3.5540800524813676e-08},
	{0.9229001282579214, -0.01847821276434232, -2.4059587377323058e-05, 5.198865439126621e-06, -8.506058435386876e-08},
	{0.9866716712183781, -0.005772265139620325, -0.00018789957944598257, 2.189147957665227e-06, 1.0100659153522428e-08},
	{0.9985372834133196, -0.0010043886120043835, -7.454447369899717e-05, -7.090488484746199e-07, 1.522204624077656e-08},
	{0.9998993780778812, -0.0001007664037075726, -1.2726981840750619e-05, -4.047094329785573e-07, -1.2403249785266881e-09},
	{0.999995697220537, -5.929020735533856e-06, -1.1194122794143545e-06, -6.433484105943738e-08, -1.2503586314475494e-09},
	{0.9999998862741102, -2.0662936614512795e-07, -5.3849436243424975e-08, -5.0517390270954365e-09, 0},
}

var erfOdd = [8][5]float64{
	{-0.0436420588873983, -4.762336375455486e-05, -2.348345746432707e-08, 0, 0},
	{0.1607327672990907, 0.000418574900540114, -5.199473839980762e-05, 1.1248770666938414e-06, -1.4770245826412065e-08},
	{0.05913028061168076, 0.0026177468052021257, -4.607528946509731e-05, 2.2147722766874267e-07, 3.158298511607427e-09},
	{0.013193748982539494, 0.0014087075737780896, 6.469101739181582e-06, -3.697931052926151e-07, 3.4068747822857404e-09},
	{0.001785579803819474, 0.000339445506715583, 1.0410216068142594e-05, -4.4039494026846015e-08, 0},
	{0.00014656932162303448, 4.313094234624042e-05, 2.691690060569524e-06, 3.880730206320651e-08, 0},
	{7.297252929028276e-06, 3.0595723576393793e-06, 3.062781309558381e-07, 1.059551853662318e-08, 0},
	{2.2035785032792354e-07, 1.2453126185807406e-07, 1.7910677829746646e-08, 1.0405827310933091e-09, 0},
}

// erfOffset[i] is 2i+1: piece i >= 1 has t = 4a - (2i+1).
var erfOffset = [8]float64{1, 3, 5, 7, 9, 11, 13, 15}

// erfTable is erf64: the piecewise form without the switch (that form is erfPieces in the tests).
func erfTable(x float64) float64 {
	a := math.Abs(x)
	if !(a < 4) { // 4 and above, or NaN (erf32 returns NaN itself)
		if x < 0 {
			return -1
		}
		return 1
	}
	i := int(a * 2)
	first := min(i, 1) // 0 for piece 0, else 1
	ts := [2]float64{8*a*a - 1, 4*a - erfOffset[i]}
	t := ts[first]
	t2 := t * t
	c, d := &erfEven[i], &erfOdd[i]
	e := c[0] + t2*(c[1]+t2*(c[2]+t2*(c[3]+t2*c[4])))
	o := d[0] + t2*(d[1]+t2*(d[2]+t2*(d[3]+t2*d[4])))
	p := e + t*o
	ms := [2]float64{a, 1}
	y := p * ms[first] // piece 0 is a·(e + t·o)
	if x < 0 {
		return -y
	}
	return y
}
