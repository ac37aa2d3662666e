package mps_test

import (
	"context"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/mps"
)

// Values of bt's counter-based generator computed by a separate Python implementation of
// graph.RandomBits (SplitMix64 finalisers; see the comment below), not by the Go code:
//
//	M = 2**64 - 1
//	def mix64(z):
//	    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
//	    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
//	    return z ^ (z >> 31)
//	def bits(seed, step, i):
//	    z = mix64(seed ^ 0x9e3779b97f4a7c15)
//	    z = mix64(z ^ ((step * 0xbf58476d1ce4e5b9) & M))
//	    return mix64((z + i * 0x9e3779b97f4a7c15) & M)
//	uniform = (bits(seed, step, i) >> 40) / 2**24
var randomVectors = []struct {
	seed, step, i uint64
	want          float32
}{
	{3, 9, 0, 0.7344422936439514},
	{3, 9, 1, 0.7393466234207153},
	{3, 9, 1000, 0.251045286655426},
	{0, 0, 0, 0.20310276746749878},
	{12345, 7, 99, 0.875286877155304},
}

// TestRandomReplays: random_uniform on mps draws bt's generator (not MPSGraph's Philox), pinned
// by independent values, and dropout masks equal the CPU executor's bit for bit.
func TestRandomReplays(t *testing.T) {
	b := mps.NewSimulated(mps.Options{})
	defer b.Close()
	for _, v := range randomVectors {
		g := graph.New()
		step := g.Input("step", graph.I64, nil)
		u := graph.RandomUniform(step, v.seed, graph.F32, graph.Shape{int(v.i) + 1})
		exe, err := b.Compile(g, u)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exe.Run(context.Background(), []*graph.Tensor{graph.FromInt64(nil, []int64{int64(v.step)})})
		if err != nil {
			t.Fatal(err)
		}
		if got := out[0].Data.([]float32)[v.i]; got != v.want {
			t.Errorf("seed %d step %d element %d: got %v, want %v", v.seed, v.step, v.i, got, v.want)
		}
	}

	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{7, 33})
	step := g.Input("step", graph.I64, nil)
	y := graph.Dropout(x, step, 0.3, 42)
	xs := make([]float32, 7*33)
	for i := range xs {
		xs[i] = float32(i%13) - 6
	}
	args := []*graph.Tensor{graph.FromFloat32(graph.Shape{7, 33}, xs), graph.FromInt64(nil, []int64{5})}
	var res [2]*graph.Tensor
	for k, be := range []graph.Backend{b, cpu.New(cpu.Options{})} {
		exe, err := be.Compile(g, y)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exe.Run(context.Background(), args)
		if err != nil {
			t.Fatal(err)
		}
		res[k] = out[0].Clone()
	}
	if !res[0].Identical(res[1]) {
		t.Errorf("dropout on mps differs from the cpu executor")
	}
}

// TestDropoutF16Precision: in float16 precision the dropout mask is still decided in float32, so
// the kept elements are those of the CPU executor exactly (values differ by float16 rounding).
func TestDropoutF16Precision(t *testing.T) {
	b := mps.NewSimulated(mps.Options{Precision: mps.PrecisionF16})
	defer b.Close()
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{64, 64})
	step := g.Input("step", graph.I64, nil)
	u := graph.RandomUniform(step, 11, graph.F32, graph.Shape{64, 64})
	y := graph.Add(graph.Dropout(x, step, 0.1, 42), graph.MulScalar(u, 0)) // random also in arithmetic
	xs := make([]float32, 64*64)
	for i := range xs {
		xs[i] = 1
	}
	args := []*graph.Tensor{graph.FromFloat32(graph.Shape{64, 64}, xs), graph.FromInt64(nil, []int64{3})}
	var res [2][]float32
	for k, be := range []graph.Backend{b, cpu.New(cpu.Options{})} {
		exe, err := be.Compile(g, y)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exe.Run(context.Background(), args)
		if err != nil {
			t.Fatal(err)
		}
		res[k] = append([]float32(nil), out[0].Data.([]float32)...)
	}
	dropped := 0
	for i := range res[0] {
		if (res[0][i] == 0) != (res[1][i] == 0) {
			t.Fatalf("element %d: mps f16 %v, cpu %v: the masks differ", i, res[0][i], res[1][i])
		}
		if res[1][i] == 0 {
			dropped++
		}
	}
	t.Logf("%d of %d dropped on both", dropped, len(res[0]))
}
