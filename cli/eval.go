package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/train"
	"github.com/bridgetower-go/bt/train/data"
)

func init() {
	register(&cli.Command{
		Name:      "eval",
		Usage:     "evaluate a model on a dataset: the task's metrics next to the majority baseline",
		ArgsUsage: "--model DIR --data FILE [--task vqa|retrieval|classify] [--train FILE] [--json] [--predictions FILE]",
		Description: "VQA: VQA score (mean soft score of the top answer) overall and per question type, accuracy, loss;\n" +
			"classification: accuracy; retrieval: ITM accuracy on the pairs with half the captions swapped for\n" +
			"another image's, and recall@1/5/10 both ways over every image-caption pair of the first\n" +
			"--recall-texts captions. The majority-answer baseline (answers counted on --train, else on\n" +
			"--data itself) is printed next to them. The task defaults to vqa when the model has a VQA head and\n" +
			"answers.json, classify when it has a classifier head. --json prints one JSON object on the last\n" +
			"line of stdout; --predictions writes one JSON line per row.",
		Flags: []cli.Flag{
			modelFlag,
			&cli.PathFlag{Name: "data", Usage: "the split to evaluate (JSON lines, see bt data)", Required: true},
			&cli.StringFlag{Name: "task", Usage: "vqa, retrieval or classify (default: from the model's heads)"},
			&cli.PathFlag{Name: "train", Usage: "training split whose majority answers make the baseline (default: --data)"},
			&cli.BoolFlag{Name: "json", Usage: "one JSON object with every metric on the last line of stdout"},
			&cli.PathFlag{Name: "predictions", Usage: "write the predictions here, one JSON object per row"},
			&cli.IntFlag{Name: "batch-size", Value: 64, Usage: "rows per forward pass"},
			&cli.IntFlag{Name: "text-len", Usage: "tokens per text (default: the longest text of --data)"},
			&cli.IntFlag{Name: "recall-texts", Value: 100, Usage: "retrieval: captions ranked for recall@K (every pair is scored)"},
			&cli.BoolFlag{Name: "skip-bad", Usage: "skip bad rows instead of failing"},
			&cli.IntFlag{Name: "workers", Usage: "data loader goroutines (0: min(4, cores))"},
			deviceFlag(),
		},
		Action: runEval,
	})
}

func runEval(c *cli.Context) error {
	if c.NArg() != 0 {
		return usagef("eval: unexpected arguments %v (every input is a flag)", c.Args().Slice())
	}
	if err := checkInputFile("--data", c.Path("data")); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if p := c.Path("train"); p != "" {
		if err := checkInputFile("--train", p); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	if p := c.Path("predictions"); p != "" {
		if err := checkOutput("--predictions", p, c.Path("data"), c.String("model")); err != nil {
			return err
		}
	}
	if c.Int("batch-size") <= 0 {
		return usagef("eval: --batch-size %d must be positive", c.Int("batch-size"))
	}
	s, err := openSession(c, "eval")
	if err != nil {
		return err
	}
	defer s.Close()
	task, err := evalTask(c.String("task"), s)
	if err != nil {
		return err
	}
	var vocab *data.Vocab
	if task != data.TaskRetrieval {
		if vocab, err = modelVocab(s); err != nil {
			return err
		}
	}
	ds, err := data.ReadJSONL(c.Path("data"), task, data.ReadOptions{SkipBad: c.Bool("skip-bad")})
	if err != nil {
		return fmt.Errorf("eval: --data: %w", err)
	}
	trainDS := ds
	if p := c.Path("train"); p != "" {
		if trainDS, err = data.ReadJSONL(p, task, data.ReadOptions{SkipBad: c.Bool("skip-bad")}); err != nil {
			return fmt.Errorf("eval: --train: %w", err)
		}
	}
	if task == data.TaskClassification {
		if err := ds.CheckLabels(vocab, c.Bool("skip-bad")); err != nil {
			return fmt.Errorf("eval: --data: %w", err)
		}
	}
	textLen := c.Int("text-len")
	if maxLen := s.cfg.Text.MaxPositionEmbeddings - 2; textLen == 0 {
		if textLen, err = train.TextLen(s.tok, maxLen, ds); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	} else if textLen > maxLen {
		return usagef("eval: --text-len %d: the model takes at most %d tokens", textLen, maxLen)
	}
	res, err := train.Evaluate(c.Context, s.backend, s.cfg, s.weights, ds, s.tok, s.img, train.EvalOptions{
		BatchSize: c.Int("batch-size"), TextLen: textLen, Workers: c.Int("workers"), Labels: vocab, RecallTexts: c.Int("recall-texts")})
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	m := res.Metrics
	addBaseline(m, trainDS, ds)
	if p := c.Path("predictions"); p != "" {
		if err := writePredictions(p, res.Predictions); err != nil {
			return err
		}
	}
	w := c.App.Writer
	fmt.Fprintf(w, "%s on %s (%d rows, %s)\n", s.dir, ds.Path, int(m["n"]), task)
	printMetrics(c, m)
	if c.Bool("json") {
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		fmt.Fprintln(w, string(b))
	}
	return nil
}

// evalTask is --task, or the task of the model's head.
func evalTask(flag string, s *session) (data.Task, error) {
	if flag != "" {
		t, err := data.ParseTask(flag)
		if err != nil {
			return "", usagef("eval: --task %q: want vqa, retrieval or classify", flag)
		}
		return t, nil
	}
	switch {
	case s.has("vqa"):
		return data.TaskVQA, nil
	case s.has("classifier"):
		return data.TaskClassification, nil
	case s.has("itm"):
		return data.TaskRetrieval, nil
	}
	return "", fmt.Errorf("eval: the model in %s has no VQA, classifier or ITM head", s.dir)
}

// modelVocab is the model's answers.json, which must agree with its id2label; without the file,
// id2label itself.
func modelVocab(s *session) (*data.Vocab, error) {
	if hasFile(s.dir, data.AnswersFile) {
		v, err := data.LoadVocab(filepath.Join(s.dir, data.AnswersFile))
		if err != nil {
			return nil, fmt.Errorf("eval: --model: %w", err)
		}
		if err := train.CheckLabels(s.cfg, v); err != nil {
			return nil, fmt.Errorf("eval: --model %s: %s and config.json disagree: %w", s.dir, data.AnswersFile, err)
		}
		return v, nil
	}
	labels := make([]string, s.cfg.NumLabels())
	for i := range labels {
		labels[i] = s.cfg.ID2Label[i]
	}
	v, err := data.NewVocab(labels)
	if err != nil {
		return nil, fmt.Errorf("eval: --model %s: id2label: %w", s.dir, err)
	}
	return v, nil
}

// addBaseline adds the majority baseline (answers or labels counted on trainDS) to metrics.
func addBaseline(m map[string]float64, trainDS, ds *data.Dataset) {
	switch ds.Task {
	case data.TaskVQA:
		b := data.MajorityBaseline(trainDS, ds)
		m["baseline"] = b.Overall
		m["baseline_per_type"] = b.ByType
		for t, tb := range b.PerType {
			m["baseline."+t] = tb.Score
		}
	case data.TaskClassification:
		_, share := majorityLabel(trainDS, ds)
		m["baseline"] = share
	case data.TaskRetrieval:
		p := m["itm_positive_share"] // the better constant answer's ITM accuracy
		m["baseline"] = max(p, 1-p)
	}
}

// printMetrics prints one metric per line, each task metric next to its baseline.
func printMetrics(c *cli.Context, m map[string]float64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w := c.App.Writer
	for _, k := range keys {
		if len(k) >= 8 && k[:8] == "baseline" {
			continue
		}
		line := fmt.Sprintf("  %-24s %.4f", k, m[k])
		if k == "n" || k == "recall_texts" {
			line = fmt.Sprintf("  %-24s %d", k, int(m[k]))
		}
		if b, ok := m[baselineKey(k)]; ok {
			line += fmt.Sprintf("   (majority baseline %.4f)", b)
		}
		fmt.Fprintln(w, line)
	}
	if b, ok := m["baseline_per_type"]; ok {
		fmt.Fprintf(w, "  %-24s %.4f   (each type's majority answer)\n", "baseline (per type)", b)
	}
}

// baselineKey is the baseline metric of a task metric ("" when none).
func baselineKey(k string) string {
	switch {
	case k == "vqa_score" || k == "accuracy" || k == "itm_accuracy":
		return "baseline"
	case len(k) > 10 && k[:10] == "vqa_score.":
		return "baseline." + k[10:]
	}
	return ""
}

// writePredictions writes JSON lines through a temporary file renamed into place.
func writePredictions(path string, preds []train.Prediction) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("eval: --predictions: %w", err)
	}
	defer os.Remove(f.Name())
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	for _, p := range preds {
		if err := enc.Encode(p); err != nil {
			f.Close()
			return fmt.Errorf("eval: --predictions: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("eval: --predictions: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("eval: --predictions: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("eval: --predictions: %w", err)
	}
	return nil
}
