package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// The memory plan of a four-step graph, worked out by hand. With x [2048] an input:
//
//	step 0: a = exp(x)                       [2048]  live 0..1
//	step 1: h = sum over rows of a as [2 1024] [1024]  live 1..3
//	step 2: k = exp(h) (h is read later: not in place) [1024] live 2..3
//	step 3: o = concat(h, k)                 [2048]  output, live 3..end
//
// At step 3, h, k and o are live: 4096 floats, 16384 bytes, the most at any step (step 1: 3072,
// step 2: 2048). The arena is exactly that: o reuses a's memory (a is dead by step 3) and h and k
// sit above it. A free list of whole buffers needs 5120 floats here: k takes a's buffer, so o
// needs a new one.
func TestArenaPlan(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{2048})
	a := graph.Exp(x)
	h := graph.ReduceSum(graph.Reshape(a, 2, 1024), 0)
	k := graph.Exp(h)
	o := graph.Concat(0, h, k)
	exe := compile(t, New(Options{}), g, o).(*executable)
	if len(exe.steps) != 4 {
		t.Fatalf("test premise: %d steps, want 4", len(exe.steps))
	}
	if got := exe.PeakLiveBytes(); got != 16384 {
		t.Errorf("PeakLiveBytes = %d, want 16384", got)
	}
	if got := exe.PlannedBytes(); got != 16384 {
		t.Errorf("PlannedBytes = %d, want 16384", got)
	}
	xs := make([]float64, 2048)
	for i := range xs {
		xs[i] = float64(i%37)/37 - 0.5
	}
	want := make([]float64, 2048)
	for j := range 1024 {
		want[j] = math.Exp(xs[j]) + math.Exp(xs[1024+j])
		want[1024+j] = math.Exp(want[j])
	}
	for range 2 { // the second run finds the first one's values in the reused memory
		out := runArgs(t, exe, map[*graph.Node]*graph.Tensor{x: tensorOf(graph.F32, graph.Shape{2048}, xs...)})
		wantValues(t, "o", out[0], graph.F32, graph.Shape{2048}, 1e-5, want...)
	}
}

// layout on lifetimes and sizes chosen so that each rule decides one placement (align 1):
//
//	A 100 live 0..1   first (largest): offset 0
//	B  60 live 2..5   does not overlap A: offset 0
//	C  50 live 0..3   overlaps A (0..100) and B (0..60): on top, offset 100
//	D  40 live 2..2   overlaps B (0..60) and C (100..150): the gap 60..100 holds it, offset 60
//	E  30 live 4..9   overlaps B (0..60): offset 60 (C and D are dead by step 4)
//	F  20 live 1..2   overlaps A, B, C, D: A..D fill 0..150, offset 150
//
// The arena is 170 elements; the most live at one step is 170 (step 2: B, C, D, F).
func TestLayoutRules(t *testing.T) {
	bs := []*buffer{
		{size: 100, from: 0, to: 1}, {size: 60, from: 2, to: 5}, {size: 50, from: 0, to: 3},
		{size: 40, from: 2, to: 2}, {size: 30, from: 4, to: 9}, {size: 20, from: 1, to: 2},
	}
	total := layout(bs, 1)
	for i, want := range []int{0, 0, 100, 60, 60, 150} {
		if bs[i].off != want {
			t.Errorf("buffer %c at %d, want %d", 'A'+i, bs[i].off, want)
		}
	}
	if total != 170 {
		t.Errorf("arena %d elements, want 170", total)
	}
	if got := peakLive(bs, 1); got != 170 {
		t.Errorf("peakLive = %d, want 170", got)
	}
	if got := peakLive(bs, 16); got != 208 { // padded to 16: B 64 + C 64 + D 48 + F 32 at step 2
		t.Errorf("peakLive(align 16) = %d, want 208", got)
	}
}

// In the plan of a training step (an MLP's forward, Gradient and AdamW with donated parameters and
// moments), buffers that are live at the same step never share memory, and memory is shared.
func TestArenaDisjoint(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{16, 8})
	y := g.Input("y", graph.F32, graph.Shape{16, 1})
	w1 := g.Param("w1", graph.F32, graph.Shape{32, 8})
	b1 := g.Param("b1", graph.F32, graph.Shape{32})
	ln := g.Param("ln", graph.F32, graph.Shape{32})
	w2 := g.Param("w2", graph.F32, graph.Shape{1, 32})
	ps := []*graph.Node{w1, b1, ln, w2}
	pred := graph.Linear(graph.GELU(graph.LayerNorm(graph.Linear(x, w1, b1), ln, b1, 1e-5)), w2, nil)
	loss := graph.ReduceMean(graph.Square(graph.Sub(pred, y)))
	grads := graph.Gradient(loss, ps...)
	lr, step := g.Input("lr", graph.F32, graph.Shape{}), g.Input("step", graph.F32, graph.Shape{})
	outs, donate := []*graph.Node{loss}, []int{-1}
	argIndex := map[*graph.Node]int{}
	for i, p := range ps {
		m := g.Input("m"+graph.Label(p), graph.F32, p.Shape())
		v := g.Input("v"+graph.Label(p), graph.F32, p.Shape())
		u := graph.AdamW(p, grads[i], m, v, lr, step, 0.9, 0.98, 1e-8, 0.01)
		for j, tgt := range []*graph.Node{p, m, v} {
			outs = append(outs, graph.Output(u, j))
			argIndex[tgt] = len(outs) - 1
		}
	}
	for i := 1; i < len(outs); i++ {
		donate = append(donate, -1)
	}
	for ai, a := range g.Args() {
		if o, ok := argIndex[a]; ok {
			donate[o] = ai
		}
	}
	exe, err := New(Options{}).CompileDonating(g, outs, donate)
	if err != nil {
		t.Fatal(err)
	}
	x2 := exe.(*executable)
	var sum int64
	for i, b := range x2.internal {
		sum += int64(b.size * 4)
		lo, hi := span(b.data)
		if b.size > 0 && hi-lo != uintptr(4*b.size) {
			t.Fatalf("buffer %d: %d bytes of memory for %d elements", i, hi-lo, b.size)
		}
		for _, c := range x2.internal[:i] {
			if b.from <= c.to && c.from <= b.to && overlaps(b.data, c.data) {
				t.Fatalf("buffers live at steps %d..%d and %d..%d share memory", b.from, b.to, c.from, c.to)
			}
		}
	}
	planned, live := x2.PlannedBytes(), x2.PeakLiveBytes()
	if planned < live || planned >= sum {
		t.Errorf("arena %d bytes: want at least the peak live %d and less than all buffers apart, %d", planned, live, sum)
	}
	// The step runs and updates in place (its values are checked by the trainer's golden tests).
	rng := rand.New(rand.NewPCG(1, 2))
	vals := map[*graph.Node]*graph.Tensor{x: randomTensor(rng, graph.F32, x.Shape()), y: randomTensor(rng, graph.F32, y.Shape()),
		lr: tensorOf(graph.F32, nil, 1e-3), step: tensorOf(graph.F32, nil, 1)}
	for _, a := range g.Args() {
		if vals[a] == nil {
			vals[a] = randomTensor(rng, graph.F32, a.Shape())
		}
	}
	before := vals[w1].Clone()
	runArgs(t, exe, vals)
	if maxRelDiff(before, vals[w1]) == 0 {
		t.Error("w1 was not updated in place")
	}
}
