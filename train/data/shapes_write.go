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
	want := map[string]bool{}
	for _, t := range o.Types {
		if typeAnswers(t) == nil || !contains(ShapeTypes, t) {
			return fmt.Errorf("data: shapes: unknown question type %q (want %v)", t, ShapeTypes)
		}
		want[t] = true
	}
	o.Types = nil
	for _, t := range ShapeTypes { // canonical order, no repeats
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
