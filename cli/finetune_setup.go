package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
	"github.com/bridgetower-go/bt/train"
	"github.com/bridgetower-go/bt/train/data"
)

// runFile is fine_tune.json, saved in every checkpoint: what a resumed run needs besides the
// trainer's state to rebuild the same batches.
type runFile struct {
	Task      data.Task `json:"task"`
	Train     string    `json:"train"`
	Val       string    `json:"val"`
	TextLen   int       `json:"text_len"`
	BatchSize int       `json:"batch_size"`
	EvalBatch int       `json:"eval_batch_size"`
	Seed      uint64    `json:"seed"`
	SkipBad   bool      `json:"skip_bad"`
	From      string    `json:"from"` // --model or preset:<name>
	// VisionPosSinCos is --vision-pos-sincos: the norm of the sine-cosine vision positions the
	// start weights were given (0: none).
	VisionPosSinCos float64 `json:"vision_pos_sincos,omitempty"`
}

const runFileName = "fine_tune.json"

// ftRun is a prepared fine-tuning run.
type ftRun struct {
	trainer  *train.Trainer
	loader   *data.Loader
	baseline string // the majority baseline line ("" when none)
}

// startModel is the model a new run starts from.
type startModel struct {
	cfg   *model.Config
	w     *model.Weights
	files map[string][]byte // tokenizer files and preprocessor_config.json
	vocab *data.Vocab       // the directory's answers.json, if any
	close func()
}

// loadStart loads --model or makes --preset's random weights.
func loadStart(c *cli.Context, f *ftFlags) (*startModel, error) {
	if f.preset != "" {
		cfg, files, w, note, err := presetModel(f.preset, c.Uint64("seed"), "", f.out, func(cfg *model.Config) error {
			if p := c.Int("patch-size"); p > 0 {
				cfg.Vision.PatchSize = p
			}
			if s := c.Int("image-size"); s > 0 {
				cfg.Vision.ImageSize = s
			}
			if err := cfg.Validate(); err != nil {
				return usagef("fine-tune: --patch-size/--image-size: %v", err)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fine-tune: --preset: %w", err)
		}
		delete(files, "config.json")
		fmt.Fprintf(errWriter(c), "fine-tune: preset %s (images %d px, patch %d), seed %d; %s\n", f.preset, cfg.Vision.ImageSize, cfg.Vision.PatchSize, c.Uint64("seed"), note)
		return &startModel{cfg: cfg, w: w, files: files, close: func() {}}, nil
	}
	m, err := resolveModel(c, f.model)
	if err != nil {
		return nil, fmt.Errorf("fine-tune: %w", err)
	}
	cfg, err := loadModelConfig("--model", m.Dir)
	if err != nil {
		return nil, fmt.Errorf("fine-tune: %w", err)
	}
	s := &startModel{cfg: cfg, files: map[string][]byte{}}
	for _, name := range append(append([]string(nil), tokenizerFiles...), imageproc.PreprocessorConfigFile) {
		b, err := os.ReadFile(filepath.Join(m.Dir, name))
		if err == nil {
			s.files[name] = b
		}
	}
	if _, ok := s.files[imageproc.PreprocessorConfigFile]; !ok {
		if s.files[imageproc.PreprocessorConfigFile], err = preprocessorConfig(cfg.Vision.ImageSize); err != nil {
			return nil, fmt.Errorf("fine-tune: --model %s has no %s: %w", m.Dir, imageproc.PreprocessorConfigFile, err)
		}
	}
	if p := filepath.Join(m.Dir, data.AnswersFile); hasFile(m.Dir, data.AnswersFile) {
		if s.vocab, err = data.LoadVocab(p); err != nil {
			return nil, fmt.Errorf("fine-tune: --model: %w", err)
		}
	}
	if s.w, err = model.OpenWeights(m.Weights); err != nil {
		return nil, fmt.Errorf("fine-tune: --model: %w", err)
	}
	s.close = func() { s.w.Close() }
	return s, nil
}

// modelTools loads the tokenizer and image preprocessing from model files (written to a
// temporary directory: the loaders read directories).
func modelTools(files map[string][]byte, cfg *model.Config) (*tokenizer.Tokenizer, imageproc.Config, error) {
	tmp, err := os.MkdirTemp("", "bt-fine-tune-*")
	if err != nil {
		return nil, imageproc.Config{}, fmt.Errorf("fine-tune: %w", err)
	}
	defer os.RemoveAll(tmp)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return nil, imageproc.Config{}, fmt.Errorf("fine-tune: %w", err)
		}
	}
	tok, err := tokenizer.Load(tmp)
	if err != nil {
		return nil, imageproc.Config{}, fmt.Errorf("fine-tune: the model has no usable tokenizer: %w", err)
	}
	img, err := imageproc.LoadConfig(tmp)
	if err != nil {
		return nil, imageproc.Config{}, fmt.Errorf("fine-tune: %w", err)
	}
	if h, w := img.CropSize(); !img.DoCenterCrop || h != cfg.Vision.ImageSize || w != cfg.Vision.ImageSize {
		return nil, imageproc.Config{}, fmt.Errorf("fine-tune: %s gives %d×%d images but the model takes %d×%d", imageproc.PreprocessorConfigFile, h, w, cfg.Vision.ImageSize, cfg.Vision.ImageSize)
	}
	return tok, img, nil
}

// readSplits reads --train and --val (errors name file and line).
func readSplits(c *cli.Context, task data.Task, trainPath, valPath string, skipBad bool) (*data.Dataset, *data.Dataset, error) {
	opt := data.ReadOptions{SkipBad: skipBad}
	tr, err := data.ReadJSONL(trainPath, task, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("fine-tune: --train: %w", err)
	}
	val, err := data.ReadJSONL(valPath, task, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("fine-tune: --val: %w", err)
	}
	for _, ds := range []*data.Dataset{tr, val} {
		if len(ds.Skipped) > 0 {
			fmt.Fprintf(errWriter(c), "fine-tune: %s: skipped %d bad rows (first: %v)\n", ds.Path, len(ds.Skipped), ds.Skipped[0])
		}
		if len(ds.Examples) == 0 {
			return nil, nil, fmt.Errorf("fine-tune: %s has no usable rows", ds.Path)
		}
	}
	return tr, val, nil
}

func setupFineTune(ctx context.Context, c *cli.Context, f *ftFlags, backend graph.Backend) (*ftRun, error) {
	errw := errWriter(c)
	var (
		rf    runFile
		tr    *train.Trainer
		vocab *data.Vocab
		files map[string][]byte
		cfg   *model.Config
	)
	if c.Bool("resume") {
		ck, err := train.LatestCheckpoint(f.out)
		if err != nil {
			return nil, fmt.Errorf("fine-tune: --resume: %w", err)
		}
		raw, err := os.ReadFile(filepath.Join(ck, runFileName))
		if err == nil {
			err = json.Unmarshal(raw, &rf)
		}
		if err != nil {
			return nil, fmt.Errorf("fine-tune: --resume: %s: %w", filepath.Join(ck, runFileName), err)
		}
		if rf.Task != f.task {
			return nil, usagef("fine-tune: --resume: the run in %s is a %s run, not --task %s", f.out, rf.Task, c.String("task"))
		}
		if tr, err = train.Resume(backend, f.out); err != nil {
			return nil, fmt.Errorf("fine-tune: %w", err)
		}
		cfg = tr.ModelConfig()
		if f.task != data.TaskRetrieval {
			if vocab, err = data.LoadVocab(filepath.Join(ck, data.AnswersFile)); err != nil {
				return nil, fmt.Errorf("fine-tune: --resume: %w", err)
			}
		}
		files = map[string][]byte{}
		for _, name := range append(append([]string(nil), tokenizerFiles...), imageproc.PreprocessorConfigFile) {
			if b, err := os.ReadFile(filepath.Join(ck, name)); err == nil {
				files[name] = b
			}
		}
		fmt.Fprintf(errw, "fine-tune: resuming %s at step %d of %d\n", ck, tr.StepCount(), tr.Config().Steps)
	}
	trainDS, valDS, err := readSplits(c, f.task, f.train, f.val, c.Bool("skip-bad") || rf.SkipBad)
	if err != nil {
		return nil, err
	}
	var start *startModel
	if tr == nil {
		if start, err = loadStart(c, f); err != nil {
			return nil, err
		}
		defer start.close()
		cfg, files = start.cfg, start.files
		if vocab = start.vocab; vocab == nil || f.task == data.TaskRetrieval {
			if vocab, err = train.TaskVocab(trainDS); err != nil {
				return nil, fmt.Errorf("fine-tune: --train: %w", err)
			}
		}
		train.SetLabels(cfg, vocab)
	}
	if f.task == data.TaskClassification {
		if err := valDS.CheckLabels(vocab, c.Bool("skip-bad")); err != nil {
			return nil, fmt.Errorf("fine-tune: --val: %w", err)
		}
	}
	tok, img, err := modelTools(files, cfg)
	if err != nil {
		return nil, err
	}
	if rf.TextLen == 0 {
		rf = runFile{Task: f.task, Train: f.train, Val: f.val, TextLen: c.Int("text-len"), BatchSize: f.batch,
			EvalBatch: c.Int("eval-batch-size"), Seed: c.Uint64("seed"), SkipBad: c.Bool("skip-bad"), From: f.model,
			VisionPosSinCos: c.Float64("vision-pos-sincos")}
		if f.preset != "" {
			rf.From = "preset:" + f.preset
		}
		maxLen := cfg.Text.MaxPositionEmbeddings - 2
		if rf.TextLen > maxLen {
			return nil, usagef("fine-tune: --text-len %d: the model takes at most %d tokens", rf.TextLen, maxLen)
		}
		if rf.TextLen == 0 {
			if rf.TextLen, err = train.TextLen(tok, maxLen, trainDS, valDS); err != nil {
				return nil, fmt.Errorf("fine-tune: %w", err)
			}
		}
	}
	lopt := data.LoaderOptions{BatchSize: rf.BatchSize, TextLen: rf.TextLen, Shuffle: true, Seed: rf.Seed, Repeat: true,
		Workers: c.Int("workers"), SkipBad: rf.SkipBad, Labels: vocab, ImageSize: cfg.Vision.ImageSize}
	if f.task == data.TaskRetrieval {
		lopt.ITMNegatives = 0.5
	}
	loader, err := data.NewLoader(trainDS, tok, img, lopt)
	if err != nil {
		return nil, fmt.Errorf("fine-tune: --train: %w", err)
	}
	if tr == nil {
		if tr, err = newTrainer(c, f, backend, start, vocab, rf, files, loader.BatchesPerEpoch()); err != nil {
			loader.Close()
			return nil, err
		}
	} else if c.Bool("keep-best") && tr.Config().KeepBest == "" { // a resumed run started without it
		metric, err := train.TaskMetric(f.task)
		if err == nil {
			err = tr.KeepBestBy(metric)
		}
		if err != nil {
			loader.Close()
			return nil, fmt.Errorf("fine-tune: --keep-best: %w", err)
		}
	}
	run := &ftRun{trainer: tr, loader: loader, baseline: baselineLine(trainDS, valDS)}
	if run.baseline != "" {
		fmt.Fprintln(errw, "fine-tune: "+run.baseline)
	}
	eopt := train.EvalOptions{BatchSize: rf.EvalBatch, TextLen: rf.TextLen, Workers: c.Int("workers"), Labels: vocab, Seed: rf.Seed}
	tr.Eval = func(ctx context.Context, t *train.Trainer) (map[string]float64, error) {
		w, err := t.Weights()
		if err != nil {
			return nil, err
		}
		res, err := train.Evaluate(ctx, backend, t.ModelConfig(), w, valDS, tok, img, eopt)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(errw, "fine-tune: step %d: val %s\n", t.StepCount(), evalLine(res.Metrics))
		return res.Metrics, nil
	}
	fmt.Fprintf(errw, "fine-tune: %s, %d train / %d val rows, text length %d, batch %d, %d steps (%d batches per epoch)\n",
		f.task, len(trainDS.Examples), len(valDS.Examples), rf.TextLen, rf.BatchSize, tr.Config().Steps, loader.BatchesPerEpoch())
	return run, nil
}

// newTrainer prepares a new run: the task's head loaded or initialised (the load report is
// printed), the schedule from --epochs/--steps, and the files every checkpoint carries.
func newTrainer(c *cli.Context, f *ftFlags, backend graph.Backend, start *startModel, vocab *data.Vocab, rf runFile, files map[string][]byte, perEpoch int) (*train.Trainer, error) {
	head, err := train.TaskHead(f.task)
	if err != nil {
		return nil, err
	}
	w, rep, err := model.LoadForTask(start.cfg, start.w, []model.Head{head}, c.Uint64("seed"))
	if err != nil {
		return nil, fmt.Errorf("fine-tune: --model: %w", err)
	}
	fmt.Fprint(errWriter(c), "fine-tune: "+rep.String())
	if norm := rf.VisionPosSinCos; norm > 0 {
		if w, err = model.WithSinCosVisionPositions(start.cfg, w, norm); err != nil {
			return nil, fmt.Errorf("fine-tune: --vision-pos-sincos: %w", err)
		}
		fmt.Fprintf(errWriter(c), "fine-tune: vision position embeddings: 2-D sine-cosine table, norm %g per patch row (class row kept)\n", norm)
	}
	stepsPerEpoch := (perEpoch + f.accum - 1) / f.accum
	steps := f.steps
	if steps == 0 {
		steps = f.epochs * stepsPerEpoch
	}
	cfg := train.Config{Heads: []model.Head{head}, AdamW: train.AdamW{LR: f.lr, WeightDecay: c.Float64("weight-decay"),
		LRMultCrossModal: c.Float64("lr-mult-cross"), LRMultHead: c.Float64("lr-mult-head")},
		Steps: steps, Warmup: int(f.warmup * float64(steps)), BatchSize: rf.BatchSize, Accumulate: f.accum, Clip: f.clip,
		FreezeVision: c.Bool("freeze-vision"), FreezeText: c.Bool("freeze-text"), Dropout: c.Bool("dropout"), RowMask: true,
		CheckpointEvery: f.ckEvery, Keep: c.Int("keep"), EvalEvery: f.evalEvery, Seed: rf.Seed, OutDir: f.out}
	if c.Bool("keep-best") {
		if cfg.KeepBest, err = train.TaskMetric(f.task); err != nil {
			return nil, err
		}
	}
	if cfg.CheckpointEvery == 0 {
		cfg.CheckpointEvery = stepsPerEpoch
	}
	if cfg.EvalEvery == 0 {
		cfg.EvalEvery = stepsPerEpoch
	}
	all := map[string][]byte{}
	for k, v := range files {
		all[k] = v
	}
	if vocab != nil {
		b, err := json.MarshalIndent(map[string][]string{"labels": vocab.Labels}, "", " ")
		if err != nil {
			return nil, fmt.Errorf("fine-tune: %w", err)
		}
		all[data.AnswersFile] = append(b, '\n')
	}
	rj, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("fine-tune: %w", err)
	}
	all[runFileName] = append(rj, '\n')
	tr, err := train.New(backend, start.cfg, w, cfg, all)
	if err != nil {
		return nil, fmt.Errorf("fine-tune: %w", err)
	}
	return tr, nil
}

// baselineLine describes the majority-answer baseline of a VQA val split (answers counted on
// train) or the majority label of a classification split; "" for retrieval.
func baselineLine(trainDS, valDS *data.Dataset) string {
	switch trainDS.Task {
	case data.TaskVQA:
		b := data.MajorityBaseline(trainDS, valDS)
		types := make([]string, 0, len(b.PerType))
		for t := range b.PerType {
			types = append(types, t)
		}
		sort.Strings(types)
		parts := make([]string, len(types))
		for i, t := range types {
			parts[i] = fmt.Sprintf("%s %.4f", t, b.PerType[t].Score)
		}
		return fmt.Sprintf("majority baseline on val: %.4f (%q for all), %.4f (per type majority: %s)", b.Overall, b.Answer, b.ByType, strings.Join(parts, ", "))
	case data.TaskClassification:
		label, share := majorityLabel(trainDS, valDS)
		return fmt.Sprintf("majority baseline on val: accuracy %.4f (%q for all)", share, label)
	}
	return ""
}

// majorityLabel is the most frequent label of train and its share of eval's rows.
func majorityLabel(trainDS, eval *data.Dataset) (string, float64) {
	count := map[string]int{}
	for _, e := range trainDS.Examples {
		count[e.Label]++
	}
	best := ""
	for l, n := range count {
		if best == "" || n > count[best] || (n == count[best] && l < best) {
			best = l
		}
	}
	hit := 0
	for _, e := range eval.Examples {
		if e.Label == best {
			hit++
		}
	}
	return best, float64(hit) / float64(max(1, len(eval.Examples)))
}
