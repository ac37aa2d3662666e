package model

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/procstat"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// benchModelEnv makes TestWriteBenchmarkModel write the base-size random model into the directory
// it names; BenchmarkBaseForward runs that test in a child process so that generating the
// weights does not count in the benchmark process's peak RSS.
const benchModelEnv = "BT_BENCH_MODEL_DIR"

// benchGroups are the parameter groups of the benchmark checkpoint: the backbone (text pooler
// included, as published) and the ITM and MLM heads.
var benchGroups = map[string]bool{GroupText: true, GroupVision: true, GroupCross: true, GroupITM: true, GroupMLM: true}

func TestWriteBenchmarkModel(t *testing.T) {
	dir := os.Getenv(benchModelEnv)
	if dir == "" {
		t.Skip("helper of BenchmarkBaseForward (set " + benchModelEnv + ")")
	}
	cfg := DefaultConfig() // RoBERTa-base 12x768, ViT-B/16 at 288 px, 6 cross layers, vocab 50265
	specs, err := ParamInfos(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 42))
	tensors := map[string]*graph.Tensor{}
	for _, p := range specs {
		if !benchGroups[p.Group] {
			continue
		}
		d := make([]float32, p.Shape.Size())
		for i := range d {
			d[i] = float32(rng.NormFloat64() * 0.02)
		}
		if strings.HasSuffix(p.Name, "LayerNorm.weight") || strings.HasSuffix(p.Name, "layernorm.weight") ||
			strings.Contains(p.Name, ".ln_") && strings.HasSuffix(p.Name, ".weight") {
			for i := range d {
				d[i] += 1
			}
		}
		tensors[BackbonePrefix+p.Name] = graph.FromFloat32(p.Shape, d)
		if p.Group == GroupITM || p.Group == GroupMLM {
			delete(tensors, BackbonePrefix+p.Name)
			tensors[p.Name] = graph.FromFloat32(p.Shape, d)
		}
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), tensors, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.SaveConfig(filepath.Join(dir, "config.json")); err != nil {
		t.Fatal(err)
	}
}

// benchState is the loaded base model, shared by the benchmark's repeated invocations.
var benchState struct {
	once      sync.Once
	err       error
	runner    *Runner
	inputs    map[string]*graph.Tensor
	fileMB    float64
	loadS     float64
	hwmLoadMB float64
}

// BenchmarkBaseForward loads a base-size BridgeTower with random weights (written to a temporary
// safetensors file by a child process) and runs the forward pass with the ITM and MLM heads at
// batch 1 with 40 tokens. It reports the load time (open + build + bind + compile), the peak RSS
// after loading and after the forward (VmHWM), and the checkpoint size; the peak must stay below
// 1.5x the checkpoint, i.e. the weights are not held twice. Run with -benchtime=1x.
func BenchmarkBaseForward(b *testing.B) {
	if testing.Short() {
		b.Skip("base-size model: skipped under -short")
	}
	s := &benchState
	s.once.Do(func() { s.err = loadBenchModel() })
	if s.err != nil {
		b.Fatal(s.err)
	}
	b.ResetTimer()
	cpu0 := procstat.CPUSeconds()
	for i := 0; i < b.N; i++ {
		if _, err := s.runner.Run(context.Background(), s.inputs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((procstat.CPUSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	hwm := float64(procstat.KB("VmHWM")) / 1024
	b.ReportMetric(s.loadS, "load-s")
	b.ReportMetric(s.fileMB, "checkpoint-MB")
	b.ReportMetric(s.hwmLoadMB, "peakRSS-after-load-MB")
	b.ReportMetric(hwm, "peakRSS-MB")
	if hwm > 1.5*s.fileMB {
		b.Errorf("peak RSS %.0f MB exceeds 1.5x the %.0f MB checkpoint: weights held twice?", hwm, s.fileMB)
	}
}

func loadBenchModel() error {
	dir, err := os.MkdirTemp("", "bt-bench-*")
	if err != nil {
		return err
	}
	// The mapping stays valid after the file is removed.
	defer os.RemoveAll(dir)
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteBenchmarkModel$", "-test.count=1")
	cmd.Env = append(os.Environ(), benchModelEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("writing the benchmark model: %v\n%s", err, out)
	}
	st, err := os.Stat(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	s := &benchState
	s.fileMB = float64(st.Size()) / (1 << 20)

	start := time.Now()
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return err
	}
	w, err := OpenWeights(dir)
	if err != nil {
		return err
	}
	m, err := Build(cfg, BuildOptions{Batch: 1, TextLen: 40, Heads: []Head{HeadITM, HeadMLM}})
	if err != nil {
		return err
	}
	bound, err := m.Bind(w)
	if err != nil {
		return err
	}
	if s.runner, err = m.Compile(cpu.New(cpu.Options{}), bound); err != nil {
		return err
	}
	s.loadS = time.Since(start).Seconds()
	s.hwmLoadMB = float64(procstat.KB("VmHWM")) / 1024

	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]int64, 40)
	ids[0], ids[39] = 0, 2
	for i := 1; i < 39; i++ {
		ids[i] = 3 + rng.Int64N(50000)
	}
	pix := make([]float32, 3*288*288)
	for i := range pix {
		pix[i] = float32(rng.NormFloat64())
	}
	s.inputs = map[string]*graph.Tensor{
		InputIDs:    graph.FromInt64(graph.Shape{1, 40}, ids),
		InputPixels: graph.FromFloat32(graph.Shape{1, 3, 288, 288}, pix),
	}
	return nil
}
