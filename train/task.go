package train

import (
	"fmt"
	"strings"

	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/tokenizer"
	"github.com/bridgetower-go/bt/train/data"
)

// This file: the glue between a fine-tuning task (train/data's datasets and vocabularies) and
// the model: which head a task trains, the labels of its classifier, and the text length its
// batches need.

// TaskHead is the head a task trains and is evaluated with: VQA → the VQA classifier over the
// answer vocabulary, classification → the SNLI-VE-style classifier over the labels, retrieval →
// the image-text matching head (binary, with sampled negatives).
func TaskHead(task data.Task) (model.Head, error) {
	switch task {
	case data.TaskVQA:
		return model.HeadVQA, nil
	case data.TaskClassification:
		return model.HeadClassifier, nil
	case data.TaskRetrieval:
		return model.HeadITM, nil
	}
	return "", fmt.Errorf("train: unknown task %q (known: vqa, retrieval, classification)", task)
}

// TaskMetric is the headline validation metric of a task (the one --keep-best compares):
// vqa_score for VQA, accuracy for classification, itm_accuracy for retrieval.
func TaskMetric(task data.Task) (string, error) {
	switch task {
	case data.TaskVQA:
		return "vqa_score", nil
	case data.TaskClassification:
		return "accuracy", nil
	case data.TaskRetrieval:
		return "itm_accuracy", nil
	}
	return "", fmt.Errorf("train: unknown task %q (known: vqa, retrieval, classification)", task)
}

// TaskVocab builds the output vocabulary of a task from its training split: the answers of a VQA
// set (every major answer, most frequent first), the labels of a classification set, nil for
// retrieval (the ITM head has the fixed classes no/yes).
func TaskVocab(train *data.Dataset) (*data.Vocab, error) {
	switch train.Task {
	case data.TaskVQA:
		return data.BuildAnswerVocab(train, 1)
	case data.TaskClassification:
		return data.BuildLabelVocab(train)
	}
	return nil, nil
}

// SetLabels makes the config's id2label/label2id the vocabulary (the VQA head's answers or the
// classifier's classes; HF's num_labels). A nil vocabulary leaves the config as it is.
func SetLabels(cfg *model.Config, v *data.Vocab) {
	if v == nil {
		return
	}
	cfg.ID2Label = v.ID2Label()
	cfg.Label2ID = make(map[string]int, v.Len())
	for i, l := range v.Labels {
		cfg.Label2ID[l] = i
	}
}

// CheckLabels verifies that the config's id2label is the vocabulary, entry by entry (a model
// fine-tuned with an answers.json must keep its order).
func CheckLabels(cfg *model.Config, v *data.Vocab) error {
	if v == nil {
		return nil
	}
	if cfg.NumLabels() != v.Len() {
		return fmt.Errorf("train: the config has %d labels (id2label), the vocabulary %d", cfg.NumLabels(), v.Len())
	}
	for i, l := range v.Labels {
		if cfg.ID2Label[i] != l {
			return fmt.Errorf("train: id2label[%d] is %q, the vocabulary's entry %d is %q", i, cfg.ID2Label[i], i, l)
		}
	}
	return nil
}

// TextLen is the text length T of a task's batches: the token count (special tokens included)
// of the longest text of the datasets, at most maxLen (the model's positions).
func TextLen(tok *tokenizer.Tokenizer, maxLen int, sets ...*data.Dataset) (int, error) {
	longest := 2
	seen := map[string]bool{}
	for _, ds := range sets {
		if ds == nil {
			continue
		}
		for _, e := range ds.Examples {
			if seen[e.Text] {
				continue
			}
			seen[e.Text] = true
			enc, err := tok.Encode(e.Text, tokenizer.Options{})
			if err != nil {
				return 0, fmt.Errorf("train: %s: %w", e.Source, err)
			}
			longest = max(longest, len(enc.IDs))
		}
	}
	return min(longest, maxLen), nil
}

// metricKey joins a metric name and a question type ("vqa_score.color").
func metricKey(name, typ string) string {
	return name + "." + strings.ReplaceAll(typ, " ", "_")
}

// LatestCheckpoint returns the newest checkpoint-<step> directory of an output directory.
func LatestCheckpoint(out string) (string, error) {
	dirs, err := checkpoints(out)
	if err != nil {
		return "", err
	}
	if len(dirs) == 0 {
		return "", fmt.Errorf("train: %s holds no %s<step> directory", out, checkpointPrefix)
	}
	return dirs[len(dirs)-1], nil
}
