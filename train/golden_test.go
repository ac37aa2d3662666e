package train

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// repeatBatches gives the same batch every time; its state is the number of batches given.
type repeatBatches struct {
	batch map[string]*graph.Tensor
	n     int
}

func (r *repeatBatches) Next(context.Context) (map[string]*graph.Tensor, error) {
	r.n++
	return r.batch, nil
}
func (r *repeatBatches) State() []byte { return []byte(strconv.Itoa(r.n)) }
func (r *repeatBatches) Restore(b []byte) error {
	n, err := strconv.Atoi(string(b))
	r.n = n
	return err
}

// The AdamW trajectories of torch (t01: warm-up then decay, no clipping; t02: decay only, global
// norm clipping 0.5, other learning rates and decay) are reproduced in float64: per-step losses,
// gradient norms and lr factors, final weights and moments, and the final loss; weights the loss
// never reaches are left bit-identical and get no optimizer state.
func TestGoldenTrajectories(t *testing.T) {
	for _, name := range []string{"t01_m03_adamw_4steps", "t02_m03_adamw_clip"} {
		t.Run(name, func(t *testing.T) { checkTrajectory(t, name) })
	}
}

// trajectoryCase is a golden trajectory with its model, weights, inputs and the trainer settings
// of its metadata (in compute dtype dt).
type trajectoryCase struct {
	traj *safetensors.File
	dir  string
	mcfg *model.Config
	w    *model.Weights
	cfg  Config
}

func loadTrajectory(t *testing.T, name, dt string) *trajectoryCase {
	traj := golden.File(t, golden.Path("train", name, "trajectory.safetensors"))
	meta := traj.Metadata()
	num := func(k string) float64 {
		v, err := strconv.ParseFloat(meta[k], 64)
		if err != nil {
			t.Fatalf("metadata %s: %v", k, err)
		}
		return v
	}
	if meta["betas"] != "0.9,0.98" || meta["eps"] != "1e-08" || meta["loss"] != "itm.loss + mlm.loss" {
		t.Fatalf("unexpected reference settings %v", meta)
	}
	tc := &trajectoryCase{traj: traj, dir: golden.ModelCase(meta["source_case"])}
	var err error
	if tc.mcfg, err = model.LoadConfig(tc.dir + "/config.json"); err != nil {
		t.Fatal(err)
	}
	if tc.w, err = model.OpenWeights(tc.dir + "/model.safetensors"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.w.Close() })
	tc.cfg = Config{
		DType: dt, Heads: []model.Head{model.HeadITM, model.HeadMLM},
		AdamW: AdamW{LR: num("lr"), WeightDecay: num("wd"), LRMultCrossModal: num("mult_cross"), LRMultHead: num("mult_head")},
		Steps: int(num("steps")), Warmup: int(num("warmup")), Clip: num("clip"),
	}
	return tc
}

func checkTrajectory(t *testing.T, name string) {
	tc := loadTrajectory(t, name, "f64")
	traj, dir, w, cfg := tc.traj, tc.dir, tc.w, tc.cfg
	tr, err := New(cpu.New(cpu.Options{}), tc.mcfg, w, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	inputs := golden.Tensors(t, dir+"/inputs.safetensors")
	data := &repeatBatches{batch: inputs}
	ctx := context.Background()
	scalar := func(k string) float64 { return golden.Tensor(t, traj, k).Float64s()[0] }
	for s := 0; s < cfg.Steps; s++ {
		r, err := tr.Step(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		pre := "step." + strconv.Itoa(s) + "."
		relCheck(t, pre+"loss", r.Loss, scalar(pre+"loss"), 1e-10)
		relCheck(t, pre+"grad_norm", r.GradNorm, scalar(pre+"grad_norm"), 1e-10)
		relCheck(t, pre+"lr_factor", r.LRFactor, scalar(pre+"lr_factor"), 1e-15)
		if r.Skipped || r.Step != s {
			t.Fatalf("step %d: %+v", s, r)
		}
	}
	if !tr.steps[shapeKey{batch: 3, textLen: 9}].inPlace {
		t.Error("the cpu step did not update the weights and moments in place")
	}
	tol := golden.Tolerance{Rtol: 1e-9}
	scale := map[string]float64{} // largest |value| of all reference exp_avg / exp_avg_sq tensors
	for _, ref := range traj.Names() {
		kind, _, _ := strings.Cut(ref, ".")
		for _, x := range golden.Tensor(t, traj, ref).Float64s() {
			scale[kind] = max(scale[kind], math.Abs(x))
		}
	}
	checked := 0
	for _, ref := range traj.Names() {
		kind, hf, ok := strings.Cut(ref, ".")
		if !ok || (kind != "param" && kind != "exp_avg" && kind != "exp_avg_sq") {
			continue
		}
		canon := strings.TrimPrefix(hf, model.BackbonePrefix)
		want := golden.Tensor(t, traj, ref)
		var got *graph.Tensor
		m, v := tr.Moments(canon)
		switch kind {
		case "param":
			got = tr.Weight(canon)
			if !has(traj, "exp_avg."+hf) {
				// Never reached by the loss: bit-identical to the initial weight, and no state.
				if init := w.Tensor(canon); !sameValues(got, init) || m != nil {
					t.Errorf("%s: an unreached weight changed or got optimizer state", canon)
				}
			}
		case "exp_avg":
			got = m
		case "exp_avg_sq":
			got = v
		}
		if got == nil {
			t.Errorf("%s: no tensor", ref)
			continue
		}
		tol := tol
		if strings.HasSuffix(ref, ".key.bias") && kind != "param" {
			// The gradient of an attention key bias is zero mathematically (softmax is invariant
			// to it) and rounding noise in both computations (~1e-21 here); the golden README
			// compares such values with an absolute tolerance: 1e-12 of the largest moment of
			// any tensor of that kind.
			tol = golden.Tolerance{Atol: 1e-12 * scale[kind]}
		}
		if err := golden.Compare(ref, got, want, tol); err != nil {
			t.Error(err)
		}
		checked++
	}
	for _, n := range w.Names() {
		if m, _ := tr.Moments(n); m != nil && !has(traj, "exp_avg."+prefixed(tr, n)) {
			t.Errorf("%s has optimizer state, torch has none", n)
		}
	}
	t.Logf("%d reference tensors checked", checked)
	tw, err := tr.Weights()
	if err != nil {
		t.Fatal(err)
	}
	out, err := model.Forward(ctx, cpu.New(cpu.Options{}), tc.mcfg, tw, inputs, model.BuildOptions{DType: graph.F64, Heads: cfg.Heads, Losses: cfg.Heads})
	if err != nil {
		t.Fatal(err)
	}
	relCheck(t, "final.loss", out["itm.loss"].Float64s()[0]+out["mlm.loss"].Float64s()[0], scalar("final.loss"), 1e-10)
}

func sameValues(a, b *graph.Tensor) bool {
	x, y := a.Float64s(), b.Float64s()
	if a.DType != b.DType || len(x) != len(y) {
		return false
	}
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return false
		}
	}
	return true
}

func has(f *safetensors.File, name string) bool {
	_, _, ok := f.Info(name)
	return ok
}

func prefixed(tr *Trainer, name string) string { return hfName(tr.groups[name], name) }

func relCheck(t *testing.T, name string, got, want, rtol float64) {
	t.Helper()
	if d := math.Abs(got - want); !(d <= rtol*math.Abs(want)) {
		t.Errorf("%s = %.17g, want %.17g (rel %.3g > %g)", name, got, want, d/math.Abs(want), rtol)
	}
}
