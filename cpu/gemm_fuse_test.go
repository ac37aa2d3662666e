package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// Batched products through the executor (packedMatMul: parallel packing and tiles) on every
// kernel, every transpose combination, odd sizes and 3 threads, against gonum per batch entry.
func TestPackedMatMulKernelsAgainstGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	// m ≤ fusedRows: tiles pack B themselves; {389, 45, 300}: B packed up front (both blockings).
	dims := [][3]int{{1, 1, 1}, {3, 17, 1}, {17, 3, 325}, {325, 17, 3}, {325, 325, 64}, {64, 325, 325}, {97, 769, 17}, {33, 40, 1024}, {389, 45, 300}}
	if !testing.Short() {
		dims = append(dims, [3]int{769, 325, 769}, [3]int{325, 769, 769})
	}
	const batch = 2
	for _, kn := range testKernels() {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			t.Run(fmt.Sprintf("%s/transA=%v/transB=%v", kn.name, tr[0], tr[1]), func(t *testing.T) {
				withKernel(t, kn, func(t *testing.T) {
					for _, d := range dims {
						m, n, k := d[0], d[1], d[2]
						as, bs := graph.Shape{batch, m, k}, graph.Shape{batch, k, n}
						lda, ldb := k, n
						if tr[0] {
							as, lda = graph.Shape{batch, k, m}, m
						}
						if tr[1] {
							bs, ldb = graph.Shape{batch, n, k}, k
						}
						g := graph.New()
						a, b := g.Input("a", graph.F32, as), g.Input("b", graph.F32, bs)
						av, bv := randomTensor(rng, graph.F32, as), randomTensor(rng, graph.F32, bs)
						got := eval(t, 3, g, map[*graph.Node]*graph.Tensor{a: av, b: bv}, graph.MatMulT(a, b, tr[0], tr[1]))[0]
						ad, bd, gd := av.Data.([]float32), bv.Data.([]float32), got.Data.([]float32)
						for i := range batch {
							want := gonumRef(tr[0], tr[1], m, n, k, ad[i*m*k:(i+1)*m*k], lda, bd[i*k*n:(i+1)*k*n], ldb)
							t.Run(fmt.Sprintf("m=%d,n=%d,k=%d,batch=%d", m, n, k, i), func(t *testing.T) {
								checkClose(t, gd[i*m*n:(i+1)*m*n], want, k)
							})
						}
					}
				})
			})
		}
	}
}

// linearStack has every epilogue the executor fuses, on x [2 37 64]: bias; bias+GELU;
// bias+QuickGELU; bias+residual; residual without bias; and a product whose pre-activation is
// also a graph output (so it must not be absorbed).
func linearStack(rng *rand.Rand, dt graph.DType) (*graph.Graph, []*graph.Node, map[*graph.Node]*graph.Tensor) {
	g := graph.New()
	vals := map[*graph.Node]*graph.Tensor{}
	param := func(name string, shape ...int) *graph.Node {
		n := g.Param(name, dt, shape)
		vals[n] = randomTensor(rng, dt, shape)
		return n
	}
	x := g.Input("x", dt, graph.Shape{2, 37, 64})
	vals[x] = randomTensor(rng, dt, graph.Shape{2, 37, 64})
	h := graph.GELU(graph.Linear(x, param("fc1.weight", 96, 64), param("fc1.bias", 96)))
	q := graph.QuickGELU(graph.Linear(h, param("fc2.weight", 80, 96), param("fc2.bias", 80)))
	y := graph.Add(x, graph.Linear(q, param("fc3.weight", 64, 80), param("fc3.bias", 64)))
	y = graph.Add(graph.Linear(y, param("fc4.weight", 64, 64), nil), y)
	pre := graph.Linear(y, param("fc5.weight", 33, 64), param("fc5.bias", 33))
	z := graph.GELU(pre)
	return g, []*graph.Node{y, z, pre, h}, vals
}

// The fused epilogues give the same bits as the separate kernels (fusion off), on every kernel
// and thread count, and agree with the float64 graph (gonum products, float64 kernels); the
// fused executable has fewer steps.
func TestFusedEpilogueBitIdentical(t *testing.T) {
	g, outs, vals := linearStack(rand.New(rand.NewPCG(5, 6)), graph.F32)
	g64, outs64, vals64 := linearStack(rand.New(rand.NewPCG(5, 6)), graph.F64)
	ref := eval(t, 2, g64, vals64, outs64...)
	steps := func(exe graph.Executable) int { return len(exe.(*executable).steps) }
	for _, kn := range testKernels() {
		withKernel(t, kn, func(t *testing.T) {
			fuseEpilogues = false
			plainExe := compile(t, New(Options{Threads: 2}), g, outs...)
			fuseEpilogues = true
			plain := runArgs(t, plainExe, vals)
			for _, threads := range []int{1, 2, 3} {
				exe := compile(t, New(Options{Threads: threads}), g, outs...)
				if s, p := steps(exe), steps(plainExe); s >= p-6 {
					t.Errorf("%s: %d steps fused, %d unfused: want at least 6 fewer (5 bias adds, 5 broadcasts, activations, residuals)", kn.name, s, p)
				}
				got := runArgs(t, exe, vals)
				for i := range got {
					if !got[i].Identical(plain[i]) {
						t.Errorf("%s, %d threads: output %d differs from the unfused kernels", kn.name, threads, i)
					}
					if d := maxRelDiff(got[i], ref[i]); d > 2e-5 {
						t.Errorf("%s: output %d: max relative difference %g from float64", kn.name, i, d)
					}
				}
			}
		})
	}
}
