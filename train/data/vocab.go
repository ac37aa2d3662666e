package data

import (
	"encoding/json"
	"fmt"
	"github.com/bridgetower-go/bt/internal/atomicfile"
	"os"
	"sort"
)

// AnswersFile is the conventional name of a saved vocabulary (checkpoints carry it).
const AnswersFile = "answers.json"

// Vocab maps answers (VQA) or class labels (classification) to output indices.
type Vocab struct {
	Labels []string // index → label
	index  map[string]int
}

// NewVocab builds a vocabulary from labels in index order; empty or repeated labels are errors.
func NewVocab(labels []string) (*Vocab, error) {
	if len(labels) == 0 {
		return nil, fmt.Errorf("data: empty vocabulary")
	}
	v := &Vocab{Labels: append([]string(nil), labels...), index: make(map[string]int, len(labels))}
	for i, l := range labels {
		if l == "" {
			return nil, fmt.Errorf("data: vocabulary entry %d is empty", i)
		}
		if j, dup := v.index[l]; dup {
			return nil, fmt.Errorf("data: vocabulary entry %d %q repeats entry %d", i, l, j)
		}
		v.index[l] = i
	}
	return v, nil
}

// Len is the number of labels (A, the width of vqa_targets, or the number of classes).
func (v *Vocab) Len() int { return len(v.Labels) }

// ID returns the index of a label.
func (v *Vocab) ID(label string) (int, bool) { i, ok := v.index[label]; return i, ok }

// ID2Label is the vocabulary as a config's id2label.
func (v *Vocab) ID2Label() map[int]string {
	m := make(map[int]string, len(v.Labels))
	for i, l := range v.Labels {
		m[i] = l
	}
	return m
}

// BuildAnswerVocab is the VQA answer vocabulary of a (training) split: every Major answer
// (Example.MajorAnswer) given by at least minCount questions, most frequent first, ties in
// byte order. BridgeTower's VQAv2 vocabulary is minCount 9 over train+val (3,129 answers).
func BuildAnswerVocab(ds *Dataset, minCount int) (*Vocab, error) {
	count := map[string]int{}
	for i := range ds.Examples {
		if a := ds.Examples[i].MajorAnswer(); a != "" {
			count[a]++
		}
	}
	var labels []string
	for a, n := range count {
		if n >= max(minCount, 1) {
			labels = append(labels, a)
		}
	}
	sort.Slice(labels, func(i, j int) bool {
		if count[labels[i]] != count[labels[j]] {
			return count[labels[i]] > count[labels[j]]
		}
		return labels[i] < labels[j]
	})
	if len(labels) == 0 {
		return nil, fmt.Errorf("data: %s: no answer occurs %d times or more", ds.Path, minCount)
	}
	return NewVocab(labels)
}

// BuildLabelVocab is the sorted set of classification labels of a (training) split.
func BuildLabelVocab(ds *Dataset) (*Vocab, error) {
	seen := map[string]bool{}
	var labels []string
	for _, e := range ds.Examples {
		if e.Label != "" && !seen[e.Label] {
			seen[e.Label] = true
			labels = append(labels, e.Label)
		}
	}
	sort.Strings(labels)
	if len(labels) == 0 {
		return nil, fmt.Errorf("data: %s: no labels", ds.Path)
	}
	return NewVocab(labels)
}

// vocabFile is the on-disk form: {"labels": [...]} in index order.
type vocabFile struct {
	Labels []string `json:"labels"`
}

// Save writes the vocabulary as JSON ({"labels": [...]}) to a temporary file and renames it.
func (v *Vocab) Save(path string) error {
	b, err := json.MarshalIndent(vocabFile{Labels: v.Labels}, "", " ")
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// LoadVocab reads a file written by Save (a bare JSON array of strings is accepted too).
func LoadVocab(path string) (*Vocab, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	var f vocabFile
	if err := json.Unmarshal(b, &f); err != nil {
		if err2 := json.Unmarshal(b, &f.Labels); err2 != nil {
			return nil, fmt.Errorf("data: %s: want {\"labels\": [...]}: %v", path, err)
		}
	}
	v, err := NewVocab(f.Labels)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return v, nil
}

// writeFileAtomic is atomicfile.Write with the package's error prefix.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return nil
}

// CheckLabels verifies that every classification row's label is in v. With skipBad the rows
// with an unknown label are dropped and listed in ds.Skipped; otherwise the first is an error
// naming its file and line.
func (ds *Dataset) CheckLabels(v *Vocab, skipBad bool) error {
	if ds.Task != TaskClassification {
		return nil
	}
	kept := ds.Examples[:0]
	for _, e := range ds.Examples {
		if _, ok := v.ID(e.Label); !ok {
			err := fmt.Errorf("data: %s: unknown label %q (the label vocabulary has %d: %v)", e.Source, e.Label, v.Len(), clipList(v.Labels, 10))
			if !skipBad {
				return err
			}
			ds.Skipped = append(ds.Skipped, err)
			continue
		}
		kept = append(kept, e)
	}
	ds.Examples = kept
	if len(kept) == 0 {
		return fmt.Errorf("data: %s: no rows left after dropping unknown labels", ds.Path)
	}
	return nil
}

func clipList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(append([]string(nil), s[:n]...), "...")
}

// LoadOrBuildVocab returns the vocabulary of a run: the file at path when path is not empty
// (a fine-tuned checkpoint's answers.json), else the vocabulary of the training split — answers
// by frequency with minCount for VQA, sorted labels for classification. Retrieval has none (nil).
func LoadOrBuildVocab(train *Dataset, path string, minCount int) (*Vocab, error) {
	if path != "" {
		return LoadVocab(path)
	}
	switch train.Task {
	case TaskVQA:
		return BuildAnswerVocab(train, minCount)
	case TaskClassification:
		return BuildLabelVocab(train)
	}
	return nil, nil
}
