package cpu

import (
	"math"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// The per-run key and per-element draw give graph.RandomFloat32 and graph.RandomFloat64 (the
// generator's definition) bit for bit, through uniformAt and fillUniform.
func TestRandomKey(t *testing.T) {
	f32, f64 := uniformAt[float32](), uniformAt[float64]()
	y32, y64 := make([]float32, 37), make([]float64, 37)
	for _, seed := range []uint64{0, 1, 9, 1 << 63, math.MaxUint64} {
		for _, step := range []uint64{0, 1, 4, 1 << 40, math.MaxUint64} {
			key := randomKey(seed, step)
			first := uint64(1<<33 - 5)
			fillUniform(y32, key, first)
			fillUniform(y64, key, first)
			for j := range y32 {
				i := first + uint64(j)
				w32, w64 := graph.RandomFloat32(seed, step, i), graph.RandomFloat64(seed, step, i)
				if f32(key, i) != w32 || y32[j] != w32 {
					t.Fatalf("float32 seed %d step %d index %d: %v and %v, want %v", seed, step, i, f32(key, i), y32[j], w32)
				}
				if f64(key, i) != w64 || y64[j] != w64 {
					t.Fatalf("float64 seed %d step %d index %d: %v and %v, want %v", seed, step, i, f64(key, i), y64[j], w64)
				}
			}
		}
	}
}
