package data

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// VQAScore is the score of a predicted answer under soft-score targets: the (normalised)
// prediction's score in answers, 0 when absent. With VQAv2 targets (SoftScore of the annotator
// count) this is the min(1, count/3)-style score used by BridgeTower's VQA validation.
func VQAScore(pred string, answers []Answer) float64 {
	p := NormalizeAnswer(pred)
	for _, a := range answers {
		if a.Answer == p {
			return a.Score
		}
	}
	return 0
}

// VQAAccuracy is the official VQA evaluation's accuracy of one prediction against the raw human
// answers (ten in VQAv2): for each human answer, min(1, matches among the other answers / 3),
// averaged. As in vqaEval.py: newlines and tabs become spaces and ends are trimmed; only when
// the humans disagree are their answers passed through ProcessPunctuation and the prediction
// through ProcessPunctuation and ProcessDigitArticle.
func VQAAccuracy(pred string, human []string) float64 {
	if len(human) == 0 {
		return 0
	}
	clean := func(s string) string {
		return strings.TrimSpace(strings.NewReplacer("\n", " ", "\t", " ").Replace(s))
	}
	res := clean(pred)
	gts := make([]string, len(human))
	distinct := map[string]bool{}
	for i, h := range human {
		gts[i] = clean(h)
		distinct[gts[i]] = true
	}
	if len(distinct) > 1 {
		for i := range gts {
			gts[i] = ProcessPunctuation(gts[i])
		}
		res = ProcessDigitArticle(ProcessPunctuation(res))
	}
	sum := 0.0
	for i := range gts {
		matches := 0
		for j := range gts {
			if j != i && gts[j] == res {
				matches++
			}
		}
		sum += math.Min(1, float64(matches)/3)
	}
	return sum / float64(len(gts))
}

// Argmax returns per row the index of the largest value of a [B, C] tensor (first on ties).
func Argmax(logits *graph.Tensor) ([]int, error) {
	if len(logits.Shape) != 2 || logits.Shape[1] == 0 {
		return nil, fmt.Errorf("data: argmax wants logits [B, C], got %v", logits.Shape)
	}
	B, C := logits.Shape[0], logits.Shape[1]
	v := logits.Float64s()
	out := make([]int, B)
	for r := 0; r < B; r++ {
		row := v[r*C : (r+1)*C]
		best := 0
		for c := 1; c < C; c++ {
			if row[c] > row[best] {
				best = c
			}
		}
		out[r] = best
	}
	return out, nil
}

// VQARowScores gives per row the target score of the arg-max answer: logits and targets are
// [B, A] (vqa.logits and vqa_targets). Rows with row_mask 0 get NaN (rowMask may be nil).
func VQARowScores(logits, targets, rowMask *graph.Tensor) ([]float64, error) {
	if !sameShape(logits.Shape, targets.Shape) {
		return nil, fmt.Errorf("data: VQA logits %v and targets %v differ in shape", logits.Shape, targets.Shape)
	}
	pred, err := Argmax(logits)
	if err != nil {
		return nil, err
	}
	keep, err := rowsKept(rowMask, len(pred))
	if err != nil {
		return nil, err
	}
	A := targets.Shape[1]
	t := targets.Float64s()
	out := make([]float64, len(pred))
	for r, p := range pred {
		out[r] = math.NaN()
		if keep[r] {
			out[r] = t[r*A+p]
		}
	}
	return out, nil
}

// Correct counts the rows whose arg-max class equals the label, among rows with row_mask 1:
// classification accuracy (classifier.logits [B, C], class_labels [B]) and ITM accuracy
// (itm.logits [B, 2], itm_labels [B]) are correct/total.
func Correct(logits, labels, rowMask *graph.Tensor) (correct, total int, err error) {
	pred, err := Argmax(logits)
	if err != nil {
		return 0, 0, err
	}
	if labels.Len() != len(pred) {
		return 0, 0, fmt.Errorf("data: %d labels for %d logit rows", labels.Len(), len(pred))
	}
	keep, err := rowsKept(rowMask, len(pred))
	if err != nil {
		return 0, 0, err
	}
	lab := labels.Float64s()
	for r, p := range pred {
		if keep[r] {
			total++
			if float64(p) == lab[r] {
				correct++
			}
		}
	}
	return correct, total, nil
}

func rowsKept(rowMask *graph.Tensor, B int) ([]bool, error) {
	keep := make([]bool, B)
	if rowMask == nil {
		for i := range keep {
			keep[i] = true
		}
		return keep, nil
	}
	if rowMask.Len() != B {
		return nil, fmt.Errorf("data: row_mask has %d entries for %d rows", rowMask.Len(), B)
	}
	for i, v := range rowMask.Float64s() {
		keep[i] = v != 0
	}
	return keep, nil
}

func sameShape(a, b graph.Shape) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Meter averages per-row scores overall and per question type.
type Meter struct {
	sum   map[string]float64
	n     map[string]int
	total float64
	count int
}

// Add records one row's score under a type ("" counts only overall). NaN (a masked row) is ignored.
func (m *Meter) Add(typ string, v float64) {
	if math.IsNaN(v) {
		return
	}
	if m.sum == nil {
		m.sum, m.n = map[string]float64{}, map[string]int{}
	}
	m.total += v
	m.count++
	if typ != "" {
		m.sum[typ] += v
		m.n[typ]++
	}
}

// AddBatch records per-row scores of a batch (VQARowScores or similar), typed by the dataset's
// rows; padding and skipped rows (Examples -1) are ignored.
func (m *Meter) AddBatch(scores []float64, b *Batch, ds *Dataset) {
	for r, idx := range b.Examples {
		if idx >= 0 && r < len(scores) {
			m.Add(ds.Examples[idx].Type, scores[r])
		}
	}
}

// Count is the number of rows recorded.
func (m *Meter) Count() int { return m.count }

// Mean is the overall average (NaN when empty).
func (m *Meter) Mean() float64 { return m.total / float64(m.count) }

// Types lists the types seen, sorted.
func (m *Meter) Types() []string {
	var ts []string
	for t := range m.n {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// TypeMean is the average of one type and its row count.
func (m *Meter) TypeMean(typ string) (mean float64, n int) {
	return m.sum[typ] / float64(m.n[typ]), m.n[typ]
}
