package model

import "math"

// This file: the normal stream of random initialisation (init.go). Element i of a seed's
// stream is Box–Muller on graph.RandomFloat64(seed, 0, i) and graph.RandomFloat64(seed, 1, i);
// graph.RandomBits mixes the seed and the step before the index, so that part is done once per
// stream here instead of once per element (two of the three SplitMix64 finalisers of each
// uniform), which changes no value: TestInitStreamPinned holds the stream to recorded values and
// to a plain serial reference built on graph.RandomFloat64.

// Constants of graph.RandomBits.
const (
	rngGolden = 0x9e3779b97f4a7c15
	stepK     = 0xbf58476d1ce4e5b9
)

// normalStream holds the mixed (seed, step) states of the two uniform streams of a seed.
type normalStream struct {
	k0, k1 uint64 // for steps 0 and 1
}

func newNormalStream(seed uint64) normalStream {
	z := mix64(seed ^ rngGolden)
	return normalStream{k0: mix64(z ^ 0*stepK), k1: mix64(z ^ 1*stepK)}
}

// mix64 is graph's SplitMix64 finaliser.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform is graph.RandomFloat64 of the stream whose mixed state is k, at index i.
func uniform(k, i uint64) float64 {
	return float64(mix64(k+i*rngGolden)>>11) * (1.0 / (1 << 53))
}

// at is element i of the standard normal stream.
func (s normalStream) at(i uint64) float64 {
	u1 := 1 - uniform(s.k0, i) // (0, 1]
	u2 := uniform(s.k1, i)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// fill sets d[j] = std·at(first+j).
func (s normalStream) fill(d []float32, first uint64, std float64) {
	for j := range d {
		d[j] = float32(std * s.at(first+uint64(j)))
	}
}
