package model

import (
	"math"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
)

// variantConfig is tinyConfig with a link_tower_type (2 cross-modal layers: one link tower per
// side; cross layers = 3 gives two).
func variantConfig(t testing.TB, variant string, cross int) *Config {
	t.Helper()
	cfg := tinyConfig(t, `, "link_tower_type": "`+variant+`"`)
	cfg.NumHiddenLayers = cross
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// itmInputs is tinyInputs with ITM labels.
func itmInputs(cfg *Config) map[string]*graph.Tensor {
	in := tinyInputs(cfg, 5)
	in[InputITMLabels] = graph.FromInt64(graph.Shape{2}, []int64{1, 0})
	return in
}

// gradRunner compiles the ITM loss of cfg in F64 with the gradients of the named parameters
// (outputs "itm.loss" and "grad.NAME") and returns the runner and the bound weights.
func gradRunner(t testing.TB, cfg *Config, w *Weights, names []string) (*Runner, *Binding) {
	t.Helper()
	heads := []Head{HeadITM}
	m, err := Build(cfg, BuildOptions{DType: graph.F64, Batch: 2, TextLen: 6, Heads: heads, Losses: heads})
	if err != nil {
		t.Fatal(err)
	}
	params := make([]*graph.Node, len(names))
	for i, n := range names {
		if params[i] = m.Params[n]; params[i] == nil {
			t.Fatalf("%s: graph has no parameter %s", cfg.LinkTowerType, n)
		}
	}
	outs := []string{"itm.loss"}
	for i, g := range graph.Gradient(m.Outputs["itm.loss"], params...) {
		m.Outputs["grad."+names[i]] = g
		outs = append(outs, "grad."+names[i])
	}
	bound, err := m.Bind(w)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Compile(cpu.New(cpu.Options{}), bound, outs...)
	if err != nil {
		t.Fatal(err)
	}
	return r, bound
}

// linkParamNames are the full names of a variant's parameters in link tower 0 of both sides.
func linkParamNames(cfg *Config) []string {
	v, _ := LinkTowerFor(cfg.LinkTowerType)
	var out []string
	for _, side := range []string{"text", "image"} {
		for _, p := range v.params(cfg.HiddenSize) {
			out = append(out, cfg.linkPrefix(side, 0)+"."+p.Name)
		}
	}
	return out
}

// Every registered variant's gradient (ITM loss, F64) against central finite differences: all
// of the variant's parameters on both sides, the bridge transform and a text-encoder weight
// below the bridge, three elements each (the largest gradient and two fixed positions).
func TestLinkTowerGradients(t *testing.T) {
	for _, name := range LinkTowerNames() {
		t.Run(name, func(t *testing.T) {
			cfg := variantConfig(t, name, 2)
			w := mustWeights(t, randomWeights(t, cfg, 31))
			check := append(linkParamNames(cfg), "cross_modal_text_transform.weight", "cross_modal_image_layers.1.output.dense.weight",
				"text_model.encoder.layer.1.output.dense.weight")
			r, bound := gradRunner(t, cfg, w, check)
			in := itmInputs(cfg)
			loss := func() (float64, map[string]*graph.Tensor) {
				res, err := r.Run(t.Context(), in)
				if err != nil {
					t.Fatal(err)
				}
				res = cloneAll(res)
				return res["itm.loss"].Float64s()[0], res
			}
			_, base := loss()
			for _, n := range check {
				p := bound.Tensor(n).Data.([]float64)
				g := base["grad."+n].Float64s()
				big := 0
				for i := range g {
					if math.Abs(g[i]) > math.Abs(g[big]) {
						big = i
					}
				}
				if g[big] == 0 && !strings.HasPrefix(n, "text_model") {
					t.Errorf("%s: gradient is all zero", n)
				}
				for _, e := range []int{big, len(p) / 3, len(p) - 1} {
					orig := p[e]
					h := 1e-6 * math.Max(1, math.Abs(orig))
					p[e] = orig + h
					lp, _ := loss()
					p[e] = orig - h
					lm, _ := loss()
					p[e] = orig
					fd := (lp - lm) / (2 * h)
					if math.Abs(fd-g[e]) > 1e-6*math.Max(1, math.Abs(g[big])) {
						t.Errorf("%s[%d]: gradient %.10g, finite difference %.10g", n, e, g[e], fd)
					}
				}
			}
		})
	}
}

// Every variant trains on the CPU: from InitWeights, 12 plain gradient-descent steps on one batch
// (ITM loss, every parameter updated) lower the loss.
func TestLinkTowerTrains(t *testing.T) {
	for _, name := range LinkTowerNames() {
		t.Run(name, func(t *testing.T) {
			cfg := variantConfig(t, name, 3)
			w, err := InitWeights(cfg, 3)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Build(cfg, BuildOptions{DType: graph.F64, Batch: 1, TextLen: 1})
			if err != nil {
				t.Fatal(err)
			}
			names := m.ParamNames()
			r, bound := gradRunner(t, cfg, w, names)
			in := itmInputs(cfg)
			var first, last float64
			const lr = 0.02
			for step := 0; step < 12; step++ {
				res, err := r.Run(t.Context(), in)
				if err != nil {
					t.Fatal(err)
				}
				last = res["itm.loss"].Float64s()[0]
				if step == 0 {
					first = last
				}
				for _, n := range names {
					p, g := bound.Tensor(n).Data.([]float64), res["grad."+n].Float64s()
					for i := range p {
						p[i] -= lr * g[i]
					}
				}
			}
			if !(last < first-1e-3) {
				t.Errorf("loss %.6f -> %.6f after 12 steps: not trained", first, last)
			}
		})
	}
}

// backbone runs the pooled output and text features of cfg in F64.
func backbone(t testing.TB, cfg *Config, w *Weights) map[string]*graph.Tensor {
	t.Helper()
	return runModel(t, cfg, w, tinyInputs(cfg, 9), BuildOptions{DType: graph.F64})
}

// A variant started from an add checkpoint loads the shared parts, draws its new parameters by
// its declared rule and lists them in the load report; where the variant declares StartsAs
// (identity-like initialisation) its step-0 outputs equal that variant's (add: the checkpoint
// itself; interpolate: β = 0.5), and a variant without it differs (the test can tell).
func TestLinkTowerIdentityInit(t *testing.T) {
	addCfg := variantConfig(t, "add", 3)
	ckpt := mustWeights(t, randomWeights(t, addCfg, 17))
	start := func(name string) (*Config, *Weights, *LoadReport) {
		cfg := variantConfig(t, name, 3)
		w, rep, err := LoadForTask(cfg, ckpt, nil, 4)
		if err != nil {
			t.Fatal(err)
		}
		return cfg, w, rep
	}
	want := map[string]map[string]*graph.Tensor{"add": backbone(t, addCfg, ckpt)}
	icfg, iw, _ := start("interpolate")
	want["interpolate"] = backbone(t, icfg, iw)
	identity := 0
	for _, name := range LinkTowerNames() {
		v, _ := LinkTowerFor(name)
		if v.NoBridge || name == "add" {
			continue
		}
		cfg, w, rep := start(name)
		// The report lists exactly the variant's parameters the add checkpoint lacks.
		newNames := map[string]bool{}
		for _, e := range rep.Initialized {
			newNames[e.Name] = true
		}
		for _, n := range linkParamNames(cfg) {
			if had := ckpt.Tensor(n) != nil; had == newNames[n] {
				t.Errorf("%s: %s in checkpoint %v, reported new %v", name, n, had, newNames[n])
			}
		}
		got := backbone(t, cfg, w)
		ref := want[v.StartsAs]
		if v.StartsAs == "" {
			ref = want["add"]
		}
		var errs []string
		for _, out := range []string{"model.pooler_output", "model.text_features", "model.image_features"} {
			if err := golden.Compare(name+" "+out, got[out], ref[out], golden.F64); err != nil {
				errs = append(errs, err.Error())
			}
		}
		switch {
		case v.StartsAs != "" && len(errs) > 0:
			t.Errorf("%s starts as %s: %s", name, v.StartsAs, strings.Join(errs, "; "))
		case v.StartsAs == "" && len(errs) == 0:
			t.Errorf("%s declares no identity-like start but computes add at step 0", name)
		}
		if v.StartsAs != "" {
			identity++
		}
	}
	if identity < 8 {
		t.Errorf("%d variants start identity-like, want at least 8", identity)
	}
}

// The other direction: a checkpoint of one variant starts another; the first one's own link
// tower tensors are reported unused, not refused.
func TestLinkTowerSwitchReportsUnused(t *testing.T) {
	from := variantConfig(t, "scaled_add", 2)
	ckpt := mustWeights(t, randomWeights(t, from, 2))
	to := variantConfig(t, "linear_add", 2)
	_, rep, err := LoadForTask(to, ckpt, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.String()
	for _, want := range []string{"unused cross_modal_text_link_tower.0.scaled_factor", "initialised cross_modal_image_link_tower.0.linear.weight [32 32]: identity blocks [1]"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}
