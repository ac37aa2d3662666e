package cpu

// The uniforms of RandomUniform and attention dropout, graph.RandomBits mapped to [0, 1) as
// graph.RandomFloat32 and graph.RandomFloat64 do. RandomBits mixes the seed, then the step, then
// the element index; a kernel draws many elements of one (seed, step), so the first two mixes are
// done once per run (randomKey) and each element costs one (at). TestRandomKey holds them to
// graph's functions.

// Constants of graph.RandomBits.
const (
	rndGolden = 0x9e3779b97f4a7c15
	rndStep   = 0xbf58476d1ce4e5b9
)

// randomKey is the state of graph.RandomBits after mixing seed and step.
func randomKey(seed, step uint64) uint64 {
	return rndMix(rndMix(seed^rndGolden) ^ step*rndStep)
}

// rndMix is graph's SplitMix64 finaliser.
func rndMix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniformAt returns element i of the uniform stream of key as T: graph.RandomFloat32 or
// graph.RandomFloat64 of (seed, step, i).
func uniformAt[T float]() func(key, i uint64) T {
	var f any
	switch any(T(0)).(type) {
	case float32:
		f = func(key, i uint64) float32 {
			return float32(rndMix(key+i*rndGolden)>>40) * (1.0 / (1 << 24))
		}
	default:
		f = func(key, i uint64) float64 {
			return float64(rndMix(key+i*rndGolden)>>11) * (1.0 / (1 << 53))
		}
	}
	return f.(func(key, i uint64) T)
}

// fillUniform sets y[j] = uniform(key, first+j) for T (a loop per type, without an indirect call
// per element).
func fillUniform[T float](y []T, key, first uint64) {
	switch y := any(y).(type) {
	case []float32:
		for j := range y {
			y[j] = float32(rndMix(key+(first+uint64(j))*rndGolden)>>40) * (1.0 / (1 << 24))
		}
	case []float64:
		for j := range y {
			y[j] = float64(rndMix(key+(first+uint64(j))*rndGolden)>>11) * (1.0 / (1 << 53))
		}
	}
}
