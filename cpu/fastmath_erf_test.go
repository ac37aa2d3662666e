package cpu

import (
	"math"
	"testing"
)

// erfPieces is erf64 as first written: a switch on the piece.
func erfPieces(x float64) float64 {
	a := math.Abs(x)
	var y float64
	switch i := int(a * 2); i {
	case 0:
		y = a * erfPiece0(8*a*a-1)
	case 1:
		y = erfPiece1(4*a - 3)
	case 2:
		y = erfPiece2(4*a - 5)
	case 3:
		y = erfPiece3(4*a - 7)
	case 4:
		y = erfPiece4(4*a - 9)
	case 5:
		y = erfPiece5(4*a - 11)
	case 6:
		y = erfPiece6(4*a - 13)
	case 7:
		y = erfPiece7(4*a - 15)
	default:
		y = 1
	}
	if x < 0 {
		return -y
	}
	return y
}

// erfTable equals the piecewise erf64 bit for bit on every float32 input (every 61st under
// -short) and at the piece boundaries and their neighbours.
func TestErfTableUnchanged(t *testing.T) {
	step := uint32(1)
	if testing.Short() {
		step = 61
	}
	check := func(x float64) {
		if got, want := erfTable(x), erfPieces(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("erfTable(%v) = %v, piecewise %v", x, got, want)
		}
	}
	for i := 0; i <= 9; i++ {
		for _, s := range []float64{1, -1} {
			b := s * float64(i) / 2
			check(b)
			check(math.Nextafter(b, math.Inf(1)))
			check(math.Nextafter(b, math.Inf(-1)))
		}
	}
	check(math.Inf(1))
	check(math.Inf(-1))
	for b := uint32(0); b < 0xff800000; b += step {
		if x := math.Float32frombits(b); x == x {
			check(float64(x))
		}
	}
}
