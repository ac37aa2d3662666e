package ablate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
	"github.com/bridgetower-go/bt/train"
	"github.com/bridgetower-go/bt/train/data"
)

// This file: a cell's fine-tuning with package train, for any task the trainer supports (VQA,
// retrieval, classification), evaluated with train.Evaluate as bt fine-tune does.

// ParseTask reads a task name as bt fine-tune does (data.ParseTask).
func ParseTask(name string) (data.Task, error) {
	t, err := data.ParseTask(name)
	if err != nil {
		return "", fmt.Errorf("ablate: task %q: want vqa, retrieval or classify", name)
	}
	return t, nil
}

// TaskMetrics are the metric columns of a task's table, the headline first: VQA score; ITM
// accuracy and recall@1/5/10 both ways (ir: text → image, tr: image → text); accuracy. Each
// is followed by val_loss (the head's loss on --val) and train_loss (mean of the last tenth of
// the steps). results.jsonl keeps every metric of the evaluation (e.g. vqa_score.<type>).
func TaskMetrics(task data.Task) []string {
	var m []string
	switch task {
	case data.TaskVQA:
		m = []string{"vqa_score", "accuracy"}
	case data.TaskRetrieval:
		m = []string{"itm_accuracy", "ir_r1", "ir_r5", "ir_r10", "tr_r1", "tr_r5", "tr_r10"}
	case data.TaskClassification:
		m = []string{"accuracy"}
	default:
		return nil
	}
	return append(m, "val_loss", "train_loss")
}

// CellJob is what a CellTrainer gets for one cell.
type CellJob struct {
	Cell     Cell
	Config   *model.Config // the starting model's config with the variant's keys set
	Settings Settings      // the grid's train settings with the variant's over them
	Start    string        // the starting model directory (config, weights, tokenizer, preprocessor config)
	Dir      string        // the cell's own directory: checkpoints go there; a checkpoint there is resumed
}

// TaskTrainer trains a cell on a task's splits with package train, as bt fine-tune does: the
// variant starts from the start directory's weights (model.LoadForTask: shared parts loaded, new
// parameters by their variant's rule, the task's head drawn with the cell's seed), AdamW with
// the settings' learning-rate multipliers, warm-up and clipping, the val split evaluated every
// EvalEvery steps and at the end (metrics.jsonl, curves.png in the cell directory). The final
// evaluation's metrics are the cell's, loss renamed val_loss, plus train_loss.
type TaskTrainer struct {
	Task       data.Task
	Train, Val string
	Backend    graph.Backend
	Progress   io.Writer // the trainer's progress line (nil: none)
	Log        io.Writer // one line per evaluation (nil: none)
}

// hasCheckpoint reports whether a cell directory holds a trainer checkpoint.
func hasCheckpoint(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "checkpoint-*", "trainer.json"))
	return len(m) > 0
}

// taskVocab is the output vocabulary of the task: VQA answers (major answer of ≥ minCount
// training questions), classification labels, none for retrieval (the ITM head's no/yes).
func taskVocab(ds *data.Dataset, minCount int) (*data.Vocab, error) {
	if ds.Task == data.TaskVQA {
		return data.BuildAnswerVocab(ds, minCount)
	}
	return train.TaskVocab(ds)
}

// tools loads the tokenizer and image preprocessing of a model directory and checks that the
// images it makes are the model's.
func tools(dir string, cfg *model.Config) (*tokenizer.Tokenizer, imageproc.Config, error) {
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, imageproc.Config{}, fmt.Errorf("ablate: tokenizer: %w", err)
	}
	img, err := imageproc.LoadConfig(dir)
	if err != nil {
		return nil, imageproc.Config{}, fmt.Errorf("ablate: image processor: %w", err)
	}
	if h, w := img.CropSize(); !img.DoCenterCrop || h != cfg.Vision.ImageSize || w != cfg.Vision.ImageSize {
		return nil, imageproc.Config{}, fmt.Errorf("ablate: %s gives %d×%d images but the model takes %d×%d", filepath.Join(dir, imageproc.PreprocessorConfigFile), h, w, cfg.Vision.ImageSize, cfg.Vision.ImageSize)
	}
	return tok, img, nil
}

// TrainCell implements CellTrainer.
func (v *TaskTrainer) TrainCell(ctx context.Context, job CellJob) (Outcome, error) {
	s, cfg, dir := job.Settings, job.Config, job.Dir
	s.defaults()
	trainDS, err := data.ReadJSONL(v.Train, v.Task, data.ReadOptions{})
	if err != nil {
		return Outcome{}, err
	}
	valDS, err := data.ReadJSONL(v.Val, v.Task, data.ReadOptions{})
	if err != nil {
		return Outcome{}, err
	}
	vocab, err := taskVocab(trainDS, s.MinCount)
	if err != nil {
		return Outcome{}, err
	}
	if err := valDS.CheckLabels(vocab, false); err != nil {
		return Outcome{}, err
	}
	tok, img, err := tools(job.Start, cfg)
	if err != nil {
		return Outcome{}, err
	}
	textLen := s.TextLen
	if textLen == 0 {
		if textLen, err = train.TextLen(tok, cfg.Text.MaxPositionEmbeddings-2, trainDS, valDS); err != nil {
			return Outcome{}, err
		}
	}
	train.SetLabels(cfg, vocab)
	head, err := train.TaskHead(v.Task)
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	var t *train.Trainer
	if hasCheckpoint(dir) {
		if t, err = train.Resume(v.Backend, dir); err != nil {
			return Outcome{}, err
		}
		out.Resumed = true
	} else if t, out.NewParams, err = v.newTrainer(job, head, vocab); err != nil {
		return Outcome{}, err
	}
	t.Progress = v.Progress
	float := graph.F32
	if s.DType == "f64" {
		float = graph.F64
	}
	lopt := data.LoaderOptions{BatchSize: s.BatchSize, TextLen: textLen, Shuffle: true, Seed: job.Cell.Seed, Repeat: true,
		Workers: s.Workers, Labels: vocab, FloatDType: float, ImageSize: cfg.Vision.ImageSize}
	if v.Task == data.TaskRetrieval {
		lopt.ITMNegatives = 0.5
	}
	loader, err := data.NewLoader(trainDS, tok, img, lopt)
	if err != nil {
		return Outcome{}, err
	}
	defer loader.Close()
	eopt := train.EvalOptions{BatchSize: s.EvalBatchSize, TextLen: textLen, Workers: s.Workers, Labels: vocab, DType: float,
		RecallTexts: s.RecallTexts, Seed: job.Cell.Seed}
	t.Eval = func(ctx context.Context, t *train.Trainer) (map[string]float64, error) {
		w, err := t.Weights()
		if err != nil {
			return nil, err
		}
		res, err := train.Evaluate(ctx, v.Backend, t.ModelConfig(), w, valDS, tok, img, eopt)
		if err != nil {
			return nil, err
		}
		if v.Log != nil {
			fmt.Fprintf(v.Log, "cell %d %s: step %d/%d: val %s\n", job.Cell.Index, job.Cell.Name(), t.StepCount(), s.Steps, evalSummary(res.Metrics, TaskMetrics(v.Task)))
		}
		return res.Metrics, nil
	}
	sum, err := t.Run(ctx, loader)
	if err != nil {
		return Outcome{}, err
	}
	out.Steps = sum.Steps
	out.Metrics, out.StepTime = finalMetrics(t.History())
	if out.Metrics == nil {
		return Outcome{}, fmt.Errorf("ablate: cell %s: the run recorded no evaluation", job.Cell.Name())
	}
	return out, nil
}

// newTrainer starts a cell's run from its start directory: the task's weights by
// model.LoadForTask (its load report written to load_report.txt), the trainer configured
// by the settings. It returns the names of the parameters the start lacked.
func (v *TaskTrainer) newTrainer(job CellJob, head model.Head, vocab *data.Vocab) (*train.Trainer, []string, error) {
	s, cfg := job.Settings, job.Config
	w, err := model.OpenWeights(job.Start)
	if err != nil {
		return nil, nil, err
	}
	defer w.Close()
	heads := []model.Head{head}
	start, rep, err := model.LoadForTask(cfg, w, heads, job.Cell.Seed)
	if err != nil {
		return nil, nil, err
	}
	var newParams []string
	for _, e := range rep.Initialized {
		newParams = append(newParams, e.Name)
	}
	if err := writeFileAtomic(filepath.Join(job.Dir, "load_report.txt"), []byte(rep.String())); err != nil {
		return nil, nil, err
	}
	ext, err := cfg.Extensions()
	if err != nil {
		return nil, nil, err
	}
	files := map[string][]byte{}
	if vocab != nil {
		b, _ := json.MarshalIndent(map[string][]string{"labels": vocab.Labels}, "", " ")
		files[data.AnswersFile] = append(b, '\n')
	}
	tc := train.Config{DType: s.DType, Heads: heads, Steps: s.Steps, Warmup: s.WarmupSteps(), BatchSize: s.BatchSize,
		Accumulate: s.GradAccum, Clip: *s.Clip, Dropout: s.Dropout, RowMask: true,
		AdamW:     train.AdamW{LR: s.LR, WeightDecay: *s.WeightDecay, LRMultCrossModal: s.LRMultCross, LRMultHead: s.LRMultHead},
		EvalEvery: s.EvalEvery, CheckpointEvery: s.CheckpointEvery, Keep: 1,
		FreezeText: ext.FrozenText, FreezeVision: ext.FrozenVision, Seed: job.Cell.Seed, OutDir: job.Dir}
	t, err := train.New(v.Backend, cfg, start, tc, files)
	if err != nil {
		return nil, nil, err
	}
	return t, newParams, nil
}

// finalMetrics are the metrics of the last evaluation in a run's history (loss renamed
// val_loss; n, recall_texts and itm_positive_share, which describe the split, dropped) with
// train_loss, the mean loss of the last tenth of the steps, and the mean step time in seconds.
func finalMetrics(h []train.Record) (map[string]float64, float64) {
	var secs, losses []float64
	var last map[string]float64
	for _, r := range h {
		switch {
		case r.Kind == "step" && !r.Skipped:
			secs = append(secs, r.Seconds)
			losses = append(losses, r.Loss)
		case r.Kind == "eval":
			last = r.Metrics
		}
	}
	if last == nil {
		return nil, 0
	}
	m := map[string]float64{}
	for k, x := range last {
		switch k {
		case "n", "recall_texts", "itm_positive_share":
		case "loss":
			m["val_loss"] = x
		default:
			m[k] = x
		}
	}
	if n := len(losses); n > 0 {
		m["train_loss"] = NewStat(losses[n-max(1, n/10):]).Mean
	}
	return m, NewStat(secs).Mean
}

// evalSummary formats the named metrics that m has, in order.
func evalSummary(m map[string]float64, names []string) string {
	if names == nil {
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
	}
	out := ""
	for _, k := range names {
		if k == "val_loss" {
			k = "loss"
		}
		if x, ok := m[k]; ok {
			if out != "" {
				out += ", "
			}
			out += fmt.Sprintf("%s %.4f", k, x)
		}
	}
	return out
}
