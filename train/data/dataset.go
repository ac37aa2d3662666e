package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Task is what a dataset's rows train: VQA, image-text retrieval (ITM) or classification.
type Task string

// The tasks.
const (
	TaskVQA            Task = "vqa"            // question + soft-scored answers → vqa_targets
	TaskRetrieval      Task = "retrieval"      // image + caption → itm_labels (with sampled negatives)
	TaskClassification Task = "classification" // image + text + label → class_labels (SNLI-VE style)
)

// ParseTask accepts the task names above, and "classify" (bt's --task spelling) for
// classification.
func ParseTask(s string) (Task, error) {
	switch t := Task(strings.ToLower(s)); t {
	case TaskVQA, TaskRetrieval, TaskClassification:
		return t, nil
	case "classify":
		return TaskClassification, nil
	}
	return "", fmt.Errorf("data: unknown task %q (want vqa, retrieval or classify)", s)
}

// Answer is one candidate answer with its soft score in [0, 1].
type Answer struct {
	Answer string  `json:"answer"`
	Score  float64 `json:"score"`
}

// Example is one row of a dataset.
type Example struct {
	Image   string   // image path, resolved against the data file's directory
	Text    string   // question (VQA), caption (retrieval) or text/hypothesis (classification)
	Answers []Answer // VQA: normalised answers, one entry per answer, highest score first
	Major   string   // VQA: the answer counted when building a vocabulary (see ReadJSONL)
	Label   string   // classification: the class name
	Type    string   // optional question type ("type" or "question_type"), for per-type metrics
	Source  string   // "file:line" (or "file:question_id") for messages
}

// Dataset is the rows of one split.
type Dataset struct {
	Task     Task
	Path     string
	Examples []Example
	// Skipped lists the rows dropped by ReadOptions.SkipBad, each error naming file and line.
	Skipped []error
}

// ReadOptions control reading.
type ReadOptions struct {
	SkipBad      bool // skip rows with bad JSON, missing fields or a missing image, and list them in Skipped
	NoImageCheck bool // do not stat every image while reading (errors then come from the loader)
}

// jsonRow is the union of the fields of the three formats; unknown fields are ignored.
type jsonRow struct {
	Image        *string           `json:"image"`
	Question     *string           `json:"question"`
	Caption      *string           `json:"caption"`
	Text         *string           `json:"text"`
	Label        json.RawMessage   `json:"label"`
	Answers      []json.RawMessage `json:"answers"`
	Type         string            `json:"type"`
	QuestionType string            `json:"question_type"`
}

// ReadJSONL reads a JSON-lines file of one task (blank lines are skipped):
//
//	vqa:            {"image": "images/1.png", "question": "...", "answers": [{"answer": "red", "score": 1.0}]}
//	retrieval:      {"image": "...", "caption": "..."}
//	classification: {"image": "...", "text": "...", "label": "entailment"}
//
// VQA answers are normalised (NormalizeAnswer); an answer given twice keeps its highest score.
// Answers without a "score" (or plain strings) are annotator answers, as in VQAv2's annotations:
// each distinct answer then gets SoftScore(number of annotators who gave it). Major, the answer
// counted for the vocabulary, is the highest-scored one (ties: first given).
func ReadJSONL(path string, task Task, opt ReadOptions) (*Dataset, error) {
	if _, err := ParseTask(string(task)); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	ds := &Dataset{Task: task, Path: path}
	dir := filepath.Dir(path)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		src := fmt.Sprintf("%s:%d", path, line)
		ex, err := parseRow(b, task, dir, src, opt)
		if err != nil {
			if !opt.SkipBad {
				return nil, err
			}
			ds.Skipped = append(ds.Skipped, err)
			continue
		}
		ds.Examples = append(ds.Examples, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	if len(ds.Examples) == 0 {
		return nil, fmt.Errorf("data: %s: no usable rows (%d skipped)", path, len(ds.Skipped))
	}
	return ds, nil
}

func parseRow(b []byte, task Task, dir, src string, opt ReadOptions) (Example, error) {
	var r jsonRow
	if err := json.Unmarshal(b, &r); err != nil {
		return Example{}, fmt.Errorf("data: %s: bad JSON: %v", src, err)
	}
	if r.Image == nil || *r.Image == "" {
		return Example{}, fmt.Errorf("data: %s: missing \"image\"", src)
	}
	ex := Example{Image: *r.Image, Type: r.Type, Source: src}
	if ex.Type == "" {
		ex.Type = r.QuestionType
	}
	if !filepath.IsAbs(ex.Image) {
		ex.Image = filepath.Join(dir, filepath.FromSlash(ex.Image))
	}
	text := func(field string, p *string) error {
		if p == nil {
			return fmt.Errorf("data: %s: missing %q (task %s)", src, field, task)
		}
		ex.Text = *p
		return nil
	}
	var err error
	switch task {
	case TaskVQA:
		if err = text("question", r.Question); err == nil {
			ex.Answers, ex.Major, err = parseAnswers(r.Answers, src)
		}
	case TaskRetrieval:
		err = text("caption", r.Caption)
	case TaskClassification:
		if err = text("text", r.Text); err == nil {
			ex.Label, err = parseLabel(r.Label, src)
		}
	}
	if err != nil {
		return Example{}, err
	}
	if !opt.NoImageCheck {
		if _, err := os.Stat(ex.Image); err != nil {
			return Example{}, fmt.Errorf("data: %s: image: %v", src, err)
		}
	}
	return ex, nil
}

// parseLabel accepts a string label (or a number, kept as its text).
func parseLabel(raw json.RawMessage, src string) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", fmt.Errorf("data: %s: missing \"label\"", src)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return "", fmt.Errorf("data: %s: empty \"label\"", src)
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("data: %s: \"label\" must be a string or a number, got %s", src, raw)
}

// parseAnswers reads scored answers or annotator answers (see ReadJSONL).
func parseAnswers(raws []json.RawMessage, src string) ([]Answer, string, error) {
	type item struct {
		Answer *string  `json:"answer"`
		Score  *float64 `json:"score"`
	}
	var scored, counted []string
	var scores []float64
	for i, raw := range raws {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			counted = append(counted, s)
			continue
		}
		var it item
		if err := json.Unmarshal(raw, &it); err != nil || it.Answer == nil {
			return nil, "", fmt.Errorf("data: %s: answers[%d]: want {\"answer\": ..., \"score\": ...} or a string, got %s", src, i, raw)
		}
		if it.Score == nil {
			counted = append(counted, *it.Answer)
			continue
		}
		if sc := *it.Score; math.IsNaN(sc) || sc < 0 || sc > 1 {
			return nil, "", fmt.Errorf("data: %s: answers[%d]: score %v outside [0, 1]", src, i, sc)
		}
		scored = append(scored, *it.Answer)
		scores = append(scores, *it.Score)
	}
	if len(scored) > 0 && len(counted) > 0 {
		return nil, "", fmt.Errorf("data: %s: answers mix scored and unscored entries", src)
	}
	if len(counted) > 0 {
		ans, major := AnnotatorAnswers(counted)
		return ans, major, nil
	}
	return mergeScored(scored, scores), "", nil
}

// mergeScored normalises answers, keeps each answer's highest score and orders by score
// (descending, stable).
func mergeScored(answers []string, scores []float64) []Answer {
	var out []Answer
	at := map[string]int{}
	for i, a := range answers {
		n := NormalizeAnswer(a)
		if j, ok := at[n]; ok {
			out[j].Score = max(out[j].Score, scores[i])
			continue
		}
		at[n] = len(out)
		out = append(out, Answer{Answer: n, Score: scores[i]})
	}
	sortAnswers(out)
	return out
}

// AnnotatorAnswers turns raw annotator answers (VQAv2 has ten per question) into normalised
// answers with SoftScore(count), highest first; major is the most frequent normalised answer
// (ties: the one given first).
func AnnotatorAnswers(raw []string) (ans []Answer, major string) {
	count := map[string]int{}
	var order []string
	for _, a := range raw {
		n := NormalizeAnswer(a)
		if count[n] == 0 {
			order = append(order, n)
		}
		count[n]++
	}
	best := 0
	for _, n := range order {
		ans = append(ans, Answer{Answer: n, Score: SoftScore(count[n])})
		if count[n] > best {
			best, major = count[n], n
		}
	}
	sortAnswers(ans)
	return ans, major
}

func sortAnswers(a []Answer) {
	// insertion sort: stable, lists are short
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Score > a[j-1].Score; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// MajorAnswer is the answer counted for the vocabulary: Major when set, else the top answer.
func (e *Example) MajorAnswer() string {
	if e.Major != "" {
		return e.Major
	}
	if len(e.Answers) > 0 {
		return e.Answers[0].Answer
	}
	return ""
}
