package train

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
)

// randomBatches makes batch i from a PCG seeded with (seed, i): input_ids [B T] (bos, random
// tokens, eos, padding), attention_mask, pixel_values [B 3 S S], itm_labels [B], mlm_labels
// [B T] (-100 except about a third of the real tokens, and always the first token of row 0). State is the next index. cancel, when
// set, is called when batch cancelAt is asked for (simulating Ctrl-C mid-run).
type randomBatches struct {
	seed          uint64
	b, t, s, v    int
	next, limit   int // limit > 0: io.EOF from batch limit on
	nanAt         map[int]bool
	cancelAt      int
	cancel        func()
	given, served int
}

func (r *randomBatches) Next(ctx context.Context) (map[string]*graph.Tensor, error) {
	if r.cancel != nil && r.next == r.cancelAt {
		r.cancel()
		return nil, ctx.Err()
	}
	if r.limit > 0 && r.next >= r.limit {
		return nil, io.EOF
	}
	i := r.next
	r.next++
	rng := rand.New(rand.NewPCG(r.seed, uint64(i)))
	ids := make([]int64, r.b*r.t)
	mask := make([]int64, r.b*r.t)
	mlm := make([]int64, r.b*r.t)
	itm := make([]int64, r.b)
	for row := 0; row < r.b; row++ {
		n := 3 + rng.IntN(r.t-2) // real tokens incl. bos and eos
		for j := 0; j < r.t; j++ {
			k := row*r.t + j
			mlm[k] = -100
			switch {
			case j == 0:
				ids[k], mask[k] = 0, 1
			case j == n-1:
				ids[k], mask[k] = 2, 1
			case j < n-1:
				ids[k], mask[k] = int64(3+rng.IntN(r.v-3)), 1
				if rng.IntN(3) == 0 || (row == 0 && j == 1) { // at least one label: else the MLM loss is NaN, as in torch
					mlm[k] = int64(3 + rng.IntN(r.v-3))
				}
			default:
				ids[k] = 1
			}
		}
		itm[row] = int64(rng.IntN(2))
	}
	px := make([]float64, r.b*3*r.s*r.s)
	for k := range px {
		px[k] = rng.NormFloat64()
	}
	if r.nanAt[i] {
		px[0] = nan()
	}
	return map[string]*graph.Tensor{
		model.InputIDs:       graph.FromInt64(graph.Shape{r.b, r.t}, ids),
		model.InputMask:      graph.FromInt64(graph.Shape{r.b, r.t}, mask),
		model.InputPixels:    graph.FromFloat64(graph.Shape{r.b, 3, r.s, r.s}, px),
		model.InputITMLabels: graph.FromInt64(graph.Shape{r.b}, itm),
		model.InputMLMLabels: graph.FromInt64(graph.Shape{r.b, r.t}, mlm),
	}, nil
}

func (r *randomBatches) State() []byte { return binary.LittleEndian.AppendUint64(nil, uint64(r.next)) }

func (r *randomBatches) Restore(b []byte) error {
	if len(b) != 8 {
		return errors.New("bad state")
	}
	r.next = int(binary.LittleEndian.Uint64(b))
	return nil
}

func nan() float64 { z := 0.0; return z / z }

// tinyData is random data for the m01 golden model (vocab 200, image 32).
func tinyData(seed uint64) *randomBatches {
	return &randomBatches{seed: seed, b: 2, t: 8, s: 32, v: 200}
}

// tinyModel opens the m01 golden model (float32 weights; closed when the test ends).
func tinyModel(t *testing.T) (*model.Config, *model.Weights) {
	t.Helper()
	dir := golden.ModelCase("m01_add_b1_nopad")
	mcfg, err := model.LoadConfig(dir + "/config.json")
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.OpenWeights(dir + "/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return mcfg, w
}

func tinyConfig(out string) Config {
	return Config{
		Heads: []model.Head{model.HeadITM, model.HeadMLM}, AdamW: AdamW{LR: 1e-3, WeightDecay: 0.01},
		Steps: 6, Warmup: 2, Accumulate: 2, Clip: 1, CheckpointEvery: 3, OutDir: out, Seed: 5,
	}
}

func newTrainer(t *testing.T, mcfg *model.Config, w *model.Weights, cfg Config, files map[string][]byte) *Trainer {
	t.Helper()
	tr, err := New(cpu.New(cpu.Options{}), mcfg, w, cfg, files)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// sameState fails unless two trainers hold bit-identical weights and moments at the same step.
func sameState(t *testing.T, what string, a, b *Trainer) {
	t.Helper()
	if a.step != b.step {
		t.Fatalf("%s: steps %d and %d", what, a.step, b.step)
	}
	for name, p := range a.params {
		if !p.Identical(b.params[name]) {
			t.Fatalf("%s: weight %s differs", what, name)
		}
		am, av := a.Moments(name)
		bm, bv := b.Moments(name)
		if (am == nil) != (bm == nil) || (am != nil && (!am.Identical(bm) || !av.Identical(bv))) {
			t.Fatalf("%s: moments of %s differ", what, name)
		}
	}
}
