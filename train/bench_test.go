package train

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/procstat"
	"github.com/bridgetower-go/bt/model"
)

// The training-step memory benchmarks: the peak RSS (VmHWM, reset after loading with
// /proc/self/clear_refs) while the step is compiled and run, next to the bytes of the resident
// state (weights + AdamW moments, float32) — the floor any trainer holding them needs.
// Run: go test -run '^$' -bench TrainStep -benchtime 2x ./train (base size: add BT_TRAIN_BASE=1).

// BenchmarkTrainStepTiny is a float32 step of the m01 golden model at batch 2.
func BenchmarkTrainStepTiny(b *testing.B) {
	dir := "../testdata/golden/models/m01_add_b1_nopad"
	mcfg, err := model.LoadConfig(dir + "/config.json")
	if err != nil {
		b.Fatal(err)
	}
	w, err := model.OpenWeights(dir + "/model.safetensors")
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	benchStep(b, mcfg, w, tinyData(1))
}

// BenchmarkTrainStepBase is a float32 step of the base-size BridgeTower (RoBERTa-base, ViT-B/16
// at 288 px, 6 cross layers) with random weights, ITM + MLM, batch 4, 40 tokens.
func BenchmarkTrainStepBase(b *testing.B) {
	if os.Getenv("BT_TRAIN_BASE") == "" {
		b.Skip("set BT_TRAIN_BASE=1 (needs about 8 GB)")
	}
	mcfg := model.DefaultConfig()
	specs, err := model.ParamInfos(mcfg)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 42))
	tensors := map[string]*graph.Tensor{}
	for _, p := range specs {
		if p.Group == model.GroupITC || p.Group == model.GroupVQA || p.Group == model.GroupClassifier {
			continue
		}
		d := make([]float32, p.Shape.Size())
		for i := range d {
			d[i] = float32(rng.NormFloat64() * 0.02)
		}
		if strings.HasSuffix(p.Name, "weight") && p.Shape.Rank() == 1 {
			for i := range d {
				d[i] += 1 // LayerNorm gains
			}
		}
		tensors[p.Name] = graph.FromFloat32(p.Shape, d)
	}
	w, err := model.NewWeights(tensors)
	if err != nil {
		b.Fatal(err)
	}
	tensors = nil
	data := &randomBatches{seed: 1, b: 4, t: 40, s: mcfg.Vision.ImageSize, v: mcfg.Text.VocabSize}
	benchStep(b, mcfg, w, data)
}

func benchStep(b *testing.B, mcfg *model.Config, w *model.Weights, data Batches) {
	cfg := Config{Heads: []model.Head{model.HeadITM, model.HeadMLM}, AdamW: AdamW{LR: 1e-5, WeightDecay: 0.01},
		Steps: 1000, Warmup: 1, Clip: 1}
	tr, err := New(cpu.New(cpu.Options{}), mcfg, w, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	w = nil // the trainer holds its own copy
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM (Linux >= 4.0)
	rssLoaded := procstat.KB("VmRSS")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := tr.Step(ctx, data)
		if err != nil || r.Skipped {
			b.Fatalf("step: %+v %v", r, err)
		}
	}
	b.StopTimer()
	var state int64
	for name, p := range tr.params {
		n := int64(p.Len() * p.DType.Size())
		state += n
		if m, _ := tr.Moments(name); m != nil {
			state += 2 * n
		}
	}
	var planned, live int64
	for _, c := range tr.steps {
		if !c.inPlace {
			b.Error("the step is not updated in place")
		}
		if pb, ok := c.exe.(interface{ PlannedBytes() int64 }); ok {
			planned += pb.PlannedBytes()
		}
		if pl, ok := c.exe.(interface{ PeakLiveBytes() int64 }); ok {
			live += pl.PeakLiveBytes()
		}
	}
	b.ReportMetric(float64(planned)/(1<<20), "planned-MB")
	b.ReportMetric(float64(live)/(1<<20), "peak-live-MB")
	b.ReportMetric(float64(state)/(1<<20), "state-MB")
	b.ReportMetric(float64(rssLoaded)/1024, "rss-loaded-MB")
	b.ReportMetric(float64(procstat.KB("VmHWM"))/1024, "peakRSS-steps-MB")
}
