package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/progress"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// This file: the options, the report and the driver that runs the selected cases in order.

// Case kinds, the values of --only.
const (
	KindForward    = "forward"
	KindTrain      = "train"
	KindTokenize   = "tokenize"
	KindPreprocess = "preprocess"
)

// Kinds are the case kinds in the order they run.
var Kinds = []string{KindForward, KindTrain, KindTokenize, KindPreprocess}

// Options selects what Run measures.
type Options struct {
	Preset string // model.Presets: "tiny" or "base"; the report's name of Config when set
	// Config and WeightsFile, when set, replace the preset's random weights: the checkpoint is
	// opened (memory-mapped where possible) and heads it lacks are drawn (model.LoadForTask).
	Config       *model.Config
	WeightsFile  string
	Runs, Warmup int // timed runs and untimed warm-up runs per case
	Only         map[string]bool
	Batches      []int // forward batch sizes (default 1 and 8)
	TrainBatch   int   // training-step batch size (default 4)
	TextLen      int   // tokens per text row (default 40)
	Seed         uint64
	Backend      graph.Backend
	Device       string // the --device name, for the report
	// Tokenizer and Corpus are the tokenize case's tokenizer and fixed texts (one per element).
	Tokenizer     *tokenizer.Tokenizer
	TokenizerNote string // what the tokenizer is, for the report
	Corpus        []string
	// Vocab is the text vocabulary of the tiny preset's config (its tokenizer's size).
	Vocab int
	// Progress is where a spinner shows the running case (only when it is a terminal).
	Progress io.Writer
}

// Case is the measurement of one case. Times are in milliseconds.
type Case struct {
	Name      string  `json:"name"` // e.g. forward_b1
	Kind      string  `json:"kind"`
	Batch     int     `json:"batch,omitempty"`
	TextLen   int     `json:"text_len,omitempty"`
	ImageSize int     `json:"image_size,omitempty"`
	LoadMS    float64 `json:"load_ms,omitempty"` // random weights drawn (forward) / copied into the trainer (train)
	// CompileMS is build + bind + compile for forward; for train it is the first step's time
	// minus the median step (the trainer compiles inside its first step).
	CompileMS float64 `json:"compile_ms,omitempty"`
	FirstMS   float64 `json:"first_ms"` // the first (cold) run, before the timed runs
	Timing
	GFLOP      float64 `json:"gemm_gflop,omitempty"`  // GEMM FLOPs of one run (GEMMFlops) / 1e9
	GFLOPS     float64 `json:"gemm_gflops,omitempty"` // GFLOP / median seconds
	Throughput float64 `json:"throughput"`            // Unit per second at the median
	Unit       string  `json:"unit"`                  // samples/s, tokens/s, images/s
	PeakRSSMB  float64 `json:"peak_rss_mb"`           // VmHWM while the case ran (Linux; reset before it), else 0
	Note       string  `json:"note,omitempty"`
}

// Report is everything Run measured.
type Report struct {
	Preset   string `json:"preset"`
	Device   string `json:"device"`
	Threads  int    `json:"gomaxprocs"`
	CPUs     int    `json:"num_cpu"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
	Runs     int    `json:"runs"`
	Warmup   int    `json:"warmup"`
	Cases    []Case `json:"cases"`
	// PeakRSSMB is the process's peak RSS: the largest of getrusage's ru_maxrss and every VmHWM
	// read before a per-case reset (on Linux the reset lowers ru_maxrss too).
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	MaxRSSMB   float64 `json:"max_rss_mb"` // getrusage ru_maxrss at the end
	VmHWMMB    float64 `json:"vmhwm_mb"`   // /proc/self/status VmHWM at the end (since the last reset)
	TotalMS    float64 `json:"total_ms"`
	PeakResets bool    `json:"peak_rss_per_case"` // whether per-case peaks could be measured
}

// Run measures the selected cases.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	start := time.Now()
	processPeak = 0
	if o.Backend != nil && (o.Device == "" || o.Device == "auto") {
		o.Device = o.Backend.Name()
	}
	r := &Report{Preset: o.Preset, Device: o.Device, Threads: runtime.GOMAXPROCS(0), CPUs: runtime.NumCPU(),
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, Runs: o.Runs, Warmup: o.Warmup}
	var cfg *model.Config
	if o.Only[KindForward] || o.Only[KindTrain] {
		cfg = o.Config
		if cfg == nil {
			var err error
			if cfg, err = model.PresetConfig(o.Preset, o.Vocab); err != nil {
				return nil, fmt.Errorf("bench: %w", err)
			}
		}
	}
	if o.Only[KindForward] {
		cs, err := o.forward(ctx, cfg, &r.PeakResets)
		if err != nil {
			return nil, err
		}
		r.Cases = append(r.Cases, cs...)
	}
	if o.Only[KindTrain] {
		c, err := o.train(ctx, cfg, &r.PeakResets)
		if err != nil {
			return nil, err
		}
		r.Cases = append(r.Cases, c)
	}
	if o.Only[KindTokenize] {
		c, err := o.tokenize(ctx, &r.PeakResets)
		if err != nil {
			return nil, err
		}
		r.Cases = append(r.Cases, c)
	}
	if o.Only[KindPreprocess] {
		c, err := o.preprocess(ctx, &r.PeakResets)
		if err != nil {
			return nil, err
		}
		r.Cases = append(r.Cases, c)
	}
	r.MaxRSSMB, r.VmHWMMB = MaxRSSMB(), VmHWMMB()
	r.PeakRSSMB = max(processPeak, r.MaxRSSMB, r.VmHWMMB)
	r.TotalMS = float64(time.Since(start).Nanoseconds()) / 1e6
	return r, nil
}

func (o *Options) defaults() error {
	if o.Runs < 1 {
		return fmt.Errorf("bench: runs %d must be at least 1", o.Runs)
	}
	if o.Warmup < 0 {
		return fmt.Errorf("bench: warmup %d must be >= 0", o.Warmup)
	}
	if len(o.Only) == 0 {
		o.Only = map[string]bool{}
		for _, k := range Kinds {
			o.Only[k] = true
		}
	}
	if len(o.Batches) == 0 {
		o.Batches = []int{1, 8}
	}
	if o.TrainBatch == 0 {
		o.TrainBatch = 4
	}
	if o.TextLen == 0 {
		o.TextLen = 40
	}
	if (o.Only[KindForward] || o.Only[KindTrain]) && o.Backend == nil {
		return fmt.Errorf("bench: no backend")
	}
	if o.Only[KindTokenize] && (o.Tokenizer == nil || len(o.Corpus) == 0) {
		return fmt.Errorf("bench: the tokenize case needs a tokenizer and a corpus")
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return nil
}

// timeRuns runs f Warmup times (the first run's time is returned as first), then Runs timed
// times; with no warm-up the first timed run is also the first. A spinner names the run.
func (o *Options) timeRuns(ctx context.Context, name string, f func() error) (first time.Duration, runs, cpu []time.Duration, err error) {
	total := o.Warmup + o.Runs
	for i := 0; i < total; i++ {
		if err := ctx.Err(); err != nil {
			return 0, nil, nil, err
		}
		label := fmt.Sprintf("bench: %s warm-up %d/%d", name, i+1, o.Warmup)
		if i >= o.Warmup {
			label = fmt.Sprintf("bench: %s run %d/%d", name, i-o.Warmup+1, o.Runs)
		}
		sp := progress.Start(o.Progress, label)
		t0, c0 := time.Now(), CPUTime()
		err := f()
		d, c := time.Since(t0), CPUTime()-c0
		sp.Stop()
		if err != nil {
			return 0, nil, nil, fmt.Errorf("bench: %s: %w", name, err)
		}
		if i == 0 {
			first = d
		}
		if i >= o.Warmup {
			runs = append(runs, d)
			cpu = append(cpu, c)
		}
	}
	return first, runs, cpu, nil
}

// processPeak is the largest peak RSS seen before a reset (MiB).
var processPeak float64

// startCase frees what the earlier cases left and resets the peak RSS (keeping the process's
// peak in processPeak).
func startCase(resets *bool) {
	processPeak = max(processPeak, MaxRSSMB(), VmHWMMB())
	runtime.GC()
	debug.FreeOSMemory()
	*resets = ResetPeakRSS()
}

// finish fills the timing, the peak RSS and the rates of c.
func finish(c *Case, first time.Duration, runs, cpu []time.Duration, perRun float64, resets bool) {
	c.FirstMS = float64(first.Nanoseconds()) / 1e6
	c.Timing = Summarize(runs)
	c.CPUMedian = Summarize(cpu).Median
	if c.Median > 0 {
		c.Throughput = perRun / (c.Median / 1e3)
		if c.GFLOP > 0 {
			c.GFLOPS = c.GFLOP / (c.Median / 1e3)
		}
	}
	if resets {
		c.PeakRSSMB = VmHWMMB()
	}
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
