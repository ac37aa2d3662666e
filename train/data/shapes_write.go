package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// ShapesOptions configure GenerateShapes.
type ShapesOptions struct {
	N           int     // questions over both splits; 0 = DefaultShapesN
	Seed        uint64  // the set is a function of (Seed, N, Size, PerImage, ValFraction)
	Size        int     // image side in pixels; 0 = 64 (minimum 32)
	PerImage    int     // questions per image (fewer when a scene cannot answer enough types); 0 = 3 (at most 5)
	ValFraction float64 // share of images in val.jsonl; 0 = 0.1
	Workers     int     // goroutines rendering and writing images; 0 = GOMAXPROCS
	// Types restricts the question types (a subset of ShapeTypes, e.g. for a curriculum);
	// nil = all five.
	Types []string
}

// DefaultShapesN is the default number of questions: 30,000 on about 10,000 images (≈ 50 MB).
const DefaultShapesN = 30000

// ShapesSummary describes a generated set.
type ShapesSummary struct {
	Images, TrainImages, ValImages int
	TrainQuestions, ValQuestions   int
	// Answers counts questions per split ("train", "val"), type and answer.
	Answers map[string]map[string]map[string]int
}

// shapesRow is one line of train.jsonl / val.jsonl.
type shapesRow struct {
	Image      string   `json:"image"`
	Question   string   `json:"question"`
	Answers    []Answer `json:"answers"`
	Type       string   `json:"type"`
	QuestionID int      `json:"question_id"`
	ImageID    int      `json:"image_id"`
}

func (o *ShapesOptions) defaults() error {
	if o.N == 0 {
		o.N = DefaultShapesN
	}
	if o.Size == 0 {
		o.Size = 64
	}
	if o.PerImage == 0 {
		o.PerImage = 3
	}
	if o.ValFraction == 0 {
		o.ValFraction = 0.1
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if len(o.Types) == 0 {
		o.Types = ShapeTypes
	}
	all := append(append([]string(nil), ShapeTypes...), CurriculumTypes...)
	want := map[string]bool{}
	for _, t := range o.Types {
		if typeAnswers(t) == nil || !contains(all, t) {
			return fmt.Errorf("data: shapes: unknown question type %q (want %v)", t, all)
		}
		want[t] = true
	}
	o.Types = nil
	for _, t := range all { // canonical order, no repeats
		if want[t] {
			o.Types = append(o.Types, t)
		}
	}
	switch {
	case o.N < 10:
		return fmt.Errorf("data: shapes: --n %d: want at least 10 questions", o.N)
	case o.Size < 32 || o.Size > 1024:
		return fmt.Errorf("data: shapes: --size %d: want 32 to 1024 pixels", o.Size)
	case o.PerImage < 1 || o.PerImage > len(o.Types):
		return fmt.Errorf("data: shapes: %d questions per image: want 1 to %d (the number of question types)", o.PerImage, len(o.Types))
	case o.ValFraction <= 0 || o.ValFraction >= 1:
		return fmt.Errorf("data: shapes: validation fraction %v: want (0, 1)", o.ValFraction)
	}
	return nil
}

// GenerateShapes writes a synthetic VQA set to dir, which must not exist or be empty:
// train.jsonl and val.jsonl (the VQA JSON-lines format with "type", "question_id" and
// "image_id"), images/NNNNNN.png, answers.json (the vocabulary of the training split) and
// README.md. Every file is written to a temporary name and renamed. Scenes and questions come
// from one PCG stream seeded by opt.Seed, so the output depends only on the options.
func GenerateShapes(dir string, opt ShapesOptions) (*ShapesSummary, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	if err := ensureEmptyDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		return nil, fmt.Errorf("data: shapes: %w", err)
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0x5a9e5))
	bal := newBalancer(opt.Types)
	var scenes []scene
	var qs [][]question
	total := 0
	for total < opt.N {
		// Redraw the scene (up to 50 times) until it can answer the (type, answer) cell that is
		// furthest behind: position questions need two objects of unique colours far enough
		// apart, count 1 a single object.
		needT, needA := bal.neediest()
		var s scene
		var cands map[string][]question
		for try := 0; try < 50; try++ {
			s = sampleScene(r, opt.Size)
			if cands = s.candidates(opt.Size); offers(cands, needT, needA) {
				break
			}
		}
		q := bal.pick(r, cands, min(opt.PerImage, opt.N-total))
		scenes, qs = append(scenes, s), append(qs, q)
		total += len(q)
	}
	nVal := max(1, int(float64(len(scenes))*opt.ValFraction+0.5))
	if nVal >= len(scenes) {
		return nil, fmt.Errorf("data: shapes: %d images leave none for training", len(scenes))
	}
	if err := writeImages(dir, scenes, opt); err != nil {
		return nil, err
	}
	sum := &ShapesSummary{Images: len(scenes), ValImages: nVal, TrainImages: len(scenes) - nVal,
		Answers: map[string]map[string]map[string]int{"train": {}, "val": {}}}
	var train, val bytes.Buffer
	qid := 0
	for i, q := range qs {
		split, buf := "train", &train
		if i >= len(scenes)-nVal {
			split, buf = "val", &val
		}
		for _, x := range q {
			row := shapesRow{Image: imageName(i), Question: x.Text, Answers: []Answer{{Answer: x.Answer, Score: 1}},
				Type: x.Type, QuestionID: qid, ImageID: i}
			b, err := json.Marshal(row)
			if err != nil {
				return nil, fmt.Errorf("data: shapes: %w", err)
			}
			buf.Write(append(b, '\n'))
			qid++
			m := sum.Answers[split]
			if m[x.Type] == nil {
				m[x.Type] = map[string]int{}
			}
			m[x.Type][x.Answer]++
			if split == "train" {
				sum.TrainQuestions++
			} else {
				sum.ValQuestions++
			}
		}
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"train.jsonl", train.Bytes()}, {"val.jsonl", val.Bytes()}} {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return nil, err
		}
	}
	trainDS, err := ReadJSONL(filepath.Join(dir, "train.jsonl"), TaskVQA, ReadOptions{})
	if err != nil {
		return nil, err
	}
	vocab, err := BuildAnswerVocab(trainDS, 1)
	if err != nil {
		return nil, err
	}
	if err := vocab.Save(filepath.Join(dir, AnswersFile)); err != nil {
		return nil, err
	}
	valDS, err := ReadJSONL(filepath.Join(dir, "val.jsonl"), TaskVQA, ReadOptions{})
	if err != nil {
		return nil, err
	}
	readme := shapesReadme(opt, sum, vocab, MajorityBaseline(trainDS, valDS))
	if err := writeFileAtomic(filepath.Join(dir, "README.md"), []byte(readme)); err != nil {
		return nil, err
	}
	return sum, nil
}

func imageName(i int) string { return fmt.Sprintf("images/%06d.png", i) }

// ensureEmptyDir accepts a missing or empty directory and refuses anything else.
func ensureEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data: shapes: output %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("data: shapes: output directory %s is not empty; refusing to overwrite", dir)
	}
	return nil
}

// writeImages renders and writes the scenes' PNGs with opt.Workers goroutines.
func writeImages(dir string, scenes []scene, opt ShapesOptions) error {
	jobs := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for w := 0; w < opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				b, err := encodePNG(scenes[i].render(opt.Size))
				if err == nil {
					err = writeFileAtomic(filepath.Join(dir, filepath.FromSlash(imageName(i))), b)
				}
				if err != nil {
					once.Do(func() { first = fmt.Errorf("data: shapes: image %d: %w", i, err) })
				}
			}
		}()
	}
	for i := range scenes {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return first
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// shapesReadme is the README.md written next to a generated set.
func shapesReadme(opt ShapesOptions, s *ShapesSummary, vocab *Vocab, base Baseline) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Synthetic shapes VQA set\n\n")
	p("Generated by `bt data shapes --n %d --seed %d --size %d` (%d questions per image, %.0f%% of the images in val).\n",
		opt.N, opt.Seed, opt.Size, opt.PerImage, 100*opt.ValFraction)
	p("Question types: %s. The same options give the same files.\n\n", strings.Join(opt.Types, ", "))
	p("| split | images | questions |\n|---|---|---|\n")
	p("| train | %d | %d |\n| val | %d | %d |\n\n", s.TrainImages, s.TrainQuestions, s.ValImages, s.ValQuestions)
	p("Files: `train.jsonl`, `val.jsonl` (one question per line: `image` relative to this directory, `question`,\n")
	p("`answers` as `[{\"answer\", \"score\"}]` with score 1 for the single correct answer, `type`, `question_id`,\n")
	p("`image_id`), `images/NNNNNN.png` (%d×%d RGB), `answers.json` (the answer vocabulary of train, most\n", opt.Size, opt.Size)
	p("frequent first: %s).\n\n", strings.Join(vocab.Labels, ", "))
	p("Questions have at most 9 words (27 distinct words; each one RoBERTa token), i.e. at most 12 tokens\n")
	p("with <s>, \"?\" and </s> in RoBERTa's vocabulary: a text length of 16 holds every question.\n\n")
	p("## Scenes\n\n")
	p("- 1–3 shapes (circle, square, upright triangle) of side %d–%d px (¼ to ⅜ of the image: at least two\n", opt.Size/4, opt.Size*3/8)
	p("  8-px patches across at 64 px), non-overlapping, at least %d px apart, anywhere in the image.\n", max(2, opt.Size/32))
	p("- Four saturated, well-separated colours (red, green, blue, yellow), each object jittered by ±%d\n", colourJitter)
	p("  per channel; edges anti-aliased with 4×4 supersampling.\n")
	p("- Backgrounds vary per image but never look like a shape colour: grey 60–200 with a tint of at most\n")
	p("  ±14 per channel, a gradient of at most ±30 levels and ±%d of pixel noise (chroma ≤ ~40 against\n", bgNoise)
	p("  ≥ 100 for the shapes).\n\n")
	p("## Questions (type: templates → answers)\n\n")
	p("- `color`: \"what color is the circle?\", \"what is the color of the circle?\" (asked only when the shape\n")
	p("  is unique in the image) → red, green, blue, yellow.\n")
	p("- `shape`: \"what shape is the red object?\", \"which shape is red?\" (the colour is unique) → circle,\n")
	p("  square, triangle.\n")
	p("- `count`: \"how many shapes are there?\", \"how many objects are in the image?\" → 1, 2, 3.\n")
	p("- `exist`: \"is there a red circle?\" → yes/no; absent pairs that share the colour or the shape with an\n")
	p("  object are drawn twice as often, so that the colour alone does not give the answer.\n")
	p("- `position`: \"is the red shape left of the blue shape?\", \"... right of ...\" → yes/no; asked only\n")
	p("  for two objects of unique colours whose horizontal extents are at least %d px apart.\n", max(2, opt.Size/16))
	if contains(opt.Types, TypeSide) {
		p("- `side` (a curriculum type, asked only when named): \"is the red shape on the left?\" → yes/no (its\n")
		p("  centre in the left half); asked for objects of unique colours centred at least %d px from the middle.\n", max(2, opt.Size/16))
	}
	p("\n")
	p("Each image gets up to %d questions of distinct types (fewer when its scene cannot answer that many\n", opt.PerImage)
	p("types, e.g. two identical shapes). A balancer picks, among the questions an image\n")
	p("can answer, the (type, answer) cells with the fewest questions so far (relative to their share),\n")
	p("and a scene is redrawn (up to 50 times) until it can answer the cell furthest behind, so types\n")
	p("and answers within a type are near-uniform:\n\n")
	p("| split | type | answers |\n|---|---|---|\n")
	for _, split := range []string{"train", "val"} {
		for _, t := range opt.Types {
			m := s.Answers[split][t]
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
			}
			p("| %s | %s | %s |\n", split, t, strings.Join(parts, ", "))
		}
	}
	p("\n## Majority-answer baseline on val (answers counted on train)\n\n")
	p("- one answer for all (%q): %.3f\n", base.Answer, base.Overall)
	p("- blind (the majority answer of each exact question text): %.3f\n", base.ByQuestion)
	p("- the majority answer of each type: %.3f overall\n", base.ByType)
	var ts []string
	for t := range base.PerType {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	for _, t := range ts {
		tb := base.PerType[t]
		p("  - %s: %q %.3f (%d questions)\n", t, tb.Answer, tb.Score, tb.N)
	}
	return b.String()
}
