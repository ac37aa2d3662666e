package shaders

import (
	"context"
	"math"
	"math/rand"
	"os"
	"regexp"
	"strings"
	"testing"
	"unsafe"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
)

// graphAdamW runs graph.AdamW (its decomposition, on the cpu backend) on one parameter.
func graphAdamW(t *testing.T, h AdamWHyper, wd float64, lr float32, step int, p, g, m, v []float32) (np, nm, nv []float32) {
	t.Helper()
	n := len(p)
	gr := graph.New()
	in := func(name string) *graph.Node { return gr.Input(name, graph.F32, graph.Shape{n}) }
	pn, gn, mn, vn := in("p"), in("g"), in("m"), in("v")
	lrn := gr.Input("lr", graph.F32, graph.Shape{})
	stepn := gr.Input("step", graph.F32, graph.Shape{})
	a := graph.AdamW(pn, gn, mn, vn, lrn, stepn, h.Beta1, h.Beta2, h.Eps, wd)
	outs := []*graph.Node{graph.Output(a, 0), graph.Output(a, 1), graph.Output(a, 2)}
	if err := gr.Err(); err != nil {
		t.Fatal(err)
	}
	exe, err := cpu.New(cpu.Options{}).Compile(gr, outs...)
	if err != nil {
		t.Fatal(err)
	}
	vals := map[*graph.Node]*graph.Tensor{
		pn: graph.FromFloat32(graph.Shape{n}, p), gn: graph.FromFloat32(graph.Shape{n}, g),
		mn: graph.FromFloat32(graph.Shape{n}, m), vn: graph.FromFloat32(graph.Shape{n}, v),
		lrn: graph.FromFloat32(graph.Shape{}, []float32{lr}), stepn: graph.FromFloat32(graph.Shape{}, []float32{float32(step)}),
	}
	args := make([]*graph.Tensor, len(exe.Args()))
	for i, a := range exe.Args() {
		args[i] = vals[a]
	}
	res, err := exe.Run(context.Background(), args)
	if err != nil {
		t.Fatal(err)
	}
	f := func(i int) []float32 { return append([]float32(nil), res[i].Data.([]float32)...) }
	return f(0), f(1), f(2)
}

// TestAdamWCPUMatchesGraph runs several steps of the twin over a flat buffer of four parameters
// (different learning rates, decayed and not) and, per parameter, graph.AdamW on the cpu
// backend: every element must agree bit for bit.
func TestAdamWCPUMatchesGraph(t *testing.T) {
	h := AdamWHyper{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	groups := []AdamWGroup{{Size: 7, LR: 1e-3, WeightDecay: 0.01}, {Size: 1, LR: 1e-3}, {Size: 33, LR: 3e-4, WeightDecay: 0.05}, {Size: 5, LR: 2e-2, WeightDecay: 0.01}}
	n := 0
	for _, g := range groups {
		n += g.Size
	}
	r := rand.New(rand.NewSource(7))
	p, m, v := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range p {
		p[i] = float32(r.NormFloat64())
	}
	for step := 1; step <= 12; step++ {
		g := make([]float32, n)
		for i := range g {
			g[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.Intn(5)-3)))
		}
		prm, segs, err := AdamWSetup(h, step, groups)
		if err != nil {
			t.Fatal(err)
		}
		wantP, wantM, wantV := make([]float32, 0, n), make([]float32, 0, n), make([]float32, 0, n)
		off := 0
		for _, gr := range groups {
			e := off + gr.Size
			np, nm, nv := graphAdamW(t, h, gr.WeightDecay, gr.LR, step, p[off:e], g[off:e], m[off:e], v[off:e])
			wantP, wantM, wantV = append(wantP, np...), append(wantM, nm...), append(wantV, nv...)
			off = e
		}
		if err := AdamWCPU(p, g, m, v, prm, segs); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if math.Float32bits(p[i]) != math.Float32bits(wantP[i]) || math.Float32bits(m[i]) != math.Float32bits(wantM[i]) ||
				math.Float32bits(v[i]) != math.Float32bits(wantV[i]) {
				t.Fatalf("step %d element %d: twin p,m,v = %v,%v,%v; graph.AdamW %v,%v,%v", step, i, p[i], m[i], v[i], wantP[i], wantM[i], wantV[i])
			}
		}
	}
}

// TestAdamWHandComputed checks two steps on two parameters against the AdamW formulas evaluated
// by hand in float64, independently of both implementations: (a) the textbook values with exact
// constants, within 1e-5 relative (float32 rounds beta2 = 0.999 to 0.99901301; the bias correction
// 1 - beta2^step cancels and magnifies that to about 1e-5), and (b) the same formulas from the
// float32-rounded constants, within 3e-7 relative (a few float32 roundings of the operations).
func TestAdamWHandComputed(t *testing.T) {
	h := AdamWHyper{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	groups := []AdamWGroup{{Size: 1, LR: 0.1, WeightDecay: 0.01}, {Size: 1, LR: 0.01}}
	lrs, wds := []float64{0.1, 0.01}, []float64{0.01, 0}
	grads := [][]float32{{0.5, 4}, {-1, 2}}
	// (a) Step 1, g = (0.5, 4): m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g², update = lr·g/(|g|+eps):
	//   p0 = 1·(1 - 0.1·0.01) - 0.1·0.5/(0.5+1e-8)  = 0.999 - 0.09999999800000004
	//   p1 = -2 - 0.01·4/(4+1e-8)                   = -2 - 0.009999999975
	// Step 2, g = (-1, 2): m = 0.9·m + 0.1·g, v = 0.999·v + 0.001·g², m̂ = m/0.19, v̂ = v/0.001999.
	textbook := func(p0, m0, v0, g, lr, wd float64) float64 {
		m := 0.9*m0 + 0.1*g
		v := 0.999*v0 + 0.001*g*g
		return p0*(1-lr*wd) - lr*(m/0.19)/(math.Sqrt(v)/math.Sqrt(0.001999)+1e-8)
	}
	want1 := []float64{0.999 - 0.09999999800000004, -2 - 0.009999999975}
	wantA := [][]float64{want1, {textbook(want1[0], 0.05, 0.00025, -1, 0.1, 0.01), textbook(want1[1], 0.4, 0.016, 2, 0.01, 0)}}
	// (b) float64 arithmetic from float32 constants.
	c := func(x float64) float64 { return float64(float32(x)) }
	b1, b2 := c(0.9), c(0.999)
	rp, rm, rv := []float64{1, -2}, []float64{0, 0}, []float64{0, 0}
	p, m, v := []float32{1, -2}, []float32{0, 0}, []float32{0, 0}
	for step, g := range grads {
		s := float64(step + 1)
		for i := range rp {
			gi, lr := float64(g[i]), c(lrs[i])
			rm[i] = b1*rm[i] + c(1-0.9)*gi
			rv[i] = b2*rv[i] + c(1-0.999)*gi*gi
			den := math.Sqrt(rv[i])/math.Sqrt(1-math.Pow(b2, s)) + c(1e-8)
			rp[i] = rp[i]*(1-lr*c(wds[i])) - lr/(1-math.Pow(b1, s))*rm[i]/den
		}
		prm, segs, err := AdamWSetup(h, step+1, groups)
		if err != nil {
			t.Fatal(err)
		}
		if err := AdamWCPU(p, g, m, v, prm, segs); err != nil {
			t.Fatal(err)
		}
		for i := range p {
			if d := math.Abs(float64(p[i]) - wantA[step][i]); d > 1e-5*math.Abs(wantA[step][i]) {
				t.Errorf("step %d param %d: got %.9g, textbook %.9g (|diff| %.2g)", step+1, i, p[i], wantA[step][i], d)
			}
			if d := math.Abs(float64(p[i]) - rp[i]); d > 3e-7*math.Abs(rp[i]) {
				t.Errorf("step %d param %d: got %.9g, float64 from float32 constants %.9g (|diff| %.2g)", step+1, i, p[i], rp[i], d)
			}
		}
	}
}

func TestAdamWSetupErrors(t *testing.T) {
	h := AdamWHyper{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for _, c := range []struct {
		step   int
		groups []AdamWGroup
		want   string
	}{
		{0, []AdamWGroup{{Size: 1}}, "step 0"},
		{1, nil, "no parameters"},
		{1, []AdamWGroup{{Size: 2}, {Size: 0}}, "parameter 1 has size 0"},
	} {
		if _, _, err := AdamWSetup(h, c.step, c.groups); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("AdamWSetup(step %d, %v) = %v, want an error with %q", c.step, c.groups, err, c.want)
		}
	}
	prm, segs, _ := AdamWSetup(h, 1, []AdamWGroup{{Size: 2}})
	if err := AdamWCPU(make([]float32, 3), make([]float32, 3), make([]float32, 3), make([]float32, 3), prm, segs); err == nil {
		t.Error("AdamWCPU accepted buffers longer than the segment table")
	}
}

// TestAdamWLayout holds the Go structs against the .metal ones: same sizes and same field order.
func TestAdamWLayout(t *testing.T) {
	if s := unsafe.Sizeof(AdamWSegment{}); s != 16 {
		t.Errorf("AdamWSegment is %d bytes, want 16", s)
	}
	if s := unsafe.Sizeof(AdamWParams{}); s != 32 {
		t.Errorf("AdamWParams is %d bytes, want 32", s)
	}
	src, err := os.ReadFile("adamw.metal")
	if err != nil {
		t.Fatal(err)
	}
	fields := func(name string) string {
		body := regexp.MustCompile(`(?s)struct ` + name + ` \{(.*?)\};`).FindSubmatch(src)
		if body == nil {
			t.Fatalf("adamw.metal has no struct %s", name)
		}
		var out []string
		for _, f := range regexp.MustCompile(`(\w+) (\w+);`).FindAllSubmatch(body[1], -1) {
			out = append(out, string(f[1])+" "+string(f[2]))
		}
		return strings.Join(out, ", ")
	}
	if got, want := fields("AdamWSegment"), "uint end, float decay, float step_size, float pad"; got != want {
		t.Errorf("struct AdamWSegment: %s, want %s (AdamWSegment's order)", got, want)
	}
	want := "float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, float sqrt_bc2, float eps, uint n, uint nsegs"
	if got := fields("AdamWParams"); got != want {
		t.Errorf("struct AdamWParams: %s, want %s (AdamWParams's order)", got, want)
	}
	if len(Names()) == 0 || !strings.Contains(Library(), "kernel void "+AdamWKernel+"(") {
		t.Errorf("the embedded library lacks kernel %s", AdamWKernel)
	}
}
