package model

import (
	"context"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
)

// BenchmarkTinyTrainStep times the forward and backward pass (no optimizer) of one training step
// of the tiny preset with dropout on: "vqa" is batch 32 × 16 tokens with a 14-answer VQA loss;
// "mlm50k" is batch 8 × 16 tokens of MLM loss over RoBERTa's 50,265-word vocabulary. It reports
// the heap in use after the step (the executor's preallocated buffers, the weights and the
// gradients; MB), the process CPU time per step (user + system, all threads: less sensitive to a
// shared machine's load than ns/op) and the node count of the graph with its backward pass.
func BenchmarkTinyTrainStep(b *testing.B) {
	for _, c := range []struct {
		name       string
		vocab, bsz int
		head       Head
	}{{"vqa", 650, 32, HeadVQA}, {"mlm50k", 50265, 8, HeadMLM}} {
		b.Run(c.name, func(b *testing.B) {
			cfg, err := PresetConfig("tiny", c.vocab)
			if err != nil {
				b.Fatal(err)
			}
			cfg.ID2Label = defaultLabels(14)
			const tl = 16
			w, err := InitWeights(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			m, err := Build(cfg, BuildOptions{Batch: c.bsz, TextLen: tl, Heads: []Head{c.head}, Losses: []Head{c.head}, Training: true, DropoutSeed: 1})
			if err != nil {
				b.Fatal(err)
			}
			names := m.ParamNames()
			params := make([]*graph.Node, len(names))
			for i, n := range names {
				params[i] = m.Params[n]
			}
			loss := m.Outputs[string(c.head)+".loss"]
			grads := graph.Gradient(loss, params...)
			outs := []string{string(c.head) + ".loss"}
			for i, n := range names {
				m.Outputs["grad."+n] = grads[i]
				outs = append(outs, "grad."+n)
			}
			bound, err := m.Bind(w)
			if err != nil {
				b.Fatal(err)
			}
			r, err := m.Compile(cpu.New(cpu.Options{}), bound, outs...)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			ids := make([]int64, c.bsz*tl)
			labels := make([]int64, c.bsz*tl)
			for i := range ids {
				ids[i] = 4 + rng.Int64N(int64(c.vocab-5))
				labels[i] = -100
				if i%6 == 1 {
					labels[i] = ids[i]
				}
			}
			pix := make([]float32, c.bsz*3*64*64)
			for i := range pix {
				pix[i] = float32(rng.NormFloat64())
			}
			in := map[string]*graph.Tensor{
				InputIDs: graph.FromInt64(graph.Shape{c.bsz, tl}, ids), InputPixels: graph.FromFloat32(graph.Shape{c.bsz, 3, 64, 64}, pix),
				InputStep: graph.FromInt64(graph.Shape{}, []int64{1}), InputMLMLabels: graph.FromInt64(graph.Shape{c.bsz, tl}, labels),
				InputVQATargets: graph.NewTensor(graph.F32, graph.Shape{c.bsz, 14}),
			}
			if _, err := r.Run(context.Background(), in); err != nil {
				b.Fatal(err)
			}
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := r.Run(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpuNs := (ru1.Utime.Nano() + ru1.Stime.Nano()) - (ru0.Utime.Nano() + ru0.Stime.Nano())
			b.ReportMetric(float64(cpuNs)/1e6/float64(b.N), "cpu-ms/op")
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/1e6, "heap-MB")
			b.ReportMetric(float64(len(m.Graph.Nodes())), "nodes")
			runtime.KeepAlive(r)
		})
	}
}
