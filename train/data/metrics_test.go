package data

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// Expected values computed by hand from the evaluation's definition.
func TestVQAAccuracy(t *testing.T) {
	rep := func(s string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	humans := append(append(rep("2", 4), rep("3", 3)...), rep("4", 3)...)
	for _, c := range []struct {
		pred  string
		human []string
		want  float64
	}{
		{"2", humans, 1},   // every leave-one-out subset has ≥ 3 matches
		{"3", humans, 0.9}, // (3·2/3 + 7·1) / 10
		{"two", humans, 1}, // humans disagree: the prediction is normalised
		{"5", humans, 0},
		{"2", append([]string{"2"}, rep("x", 9)...), 0.3}, // 9·(1/3) / 10
		{"two", rep("2", 10), 0},                          // humans agree: nothing is normalised (vqaEval.py)
		{"2\n", rep("2", 10), 1},                          // newline → space, then trimmed
	} {
		if got := VQAAccuracy(c.pred, c.human); !near(got, c.want) {
			t.Errorf("VQAAccuracy(%q) = %v, want %v", c.pred, got, c.want)
		}
	}
	ans := []Answer{{"2", 1}, {"3", 0.6}}
	if VQAScore("Two", ans) != 1 || VQAScore("3", ans) != 0.6 || VQAScore("4", ans) != 0 {
		t.Error("VQAScore")
	}
}

func TestRowScoresAndCorrect(t *testing.T) {
	logits := graph.FromFloat32(graph.Shape{2, 3}, []float32{0.1, 0.9, 0.3, 2, 1, 0})
	targets := graph.FromFloat32(graph.Shape{2, 3}, []float32{0, 0.6, 1, 0.3, 0, 0})
	mask := graph.FromFloat32(graph.Shape{2}, []float32{1, 0})
	s, err := VQARowScores(logits, targets, mask)
	must(t, err)
	if math.Abs(s[0]-0.6) > 1e-7 || !math.IsNaN(s[1]) {
		t.Errorf("row scores %v, want [0.6 NaN]", s)
	}
	cl := graph.FromFloat32(graph.Shape{3, 3}, []float32{1, 2, 0, 0, 0, 5, 3, 1, 1})
	m3 := graph.FromFloat32(graph.Shape{3}, []float32{1, 1, 0})
	c, n, err := Correct(cl, graph.FromInt64(graph.Shape{3}, []int64{1, 2, 1}), m3)
	must(t, err)
	if c != 2 || n != 2 {
		t.Errorf("correct %d/%d, want 2/2", c, n)
	}
	c, n, _ = Correct(cl, graph.FromInt64(graph.Shape{3}, []int64{1, 0, 0}), m3)
	if c != 1 || n != 2 {
		t.Errorf("correct %d/%d, want 1/2 (the masked row is right but not counted)", c, n)
	}
	c, n, _ = Correct(cl, graph.FromInt64(graph.Shape{3}, []int64{1, 0, 0}), nil)
	if c != 2 || n != 3 {
		t.Errorf("no mask: correct %d/%d, want 2/3", c, n)
	}
	tie, _ := Argmax(graph.FromFloat64(graph.Shape{1, 3}, []float64{1, 3, 3}))
	if tie[0] != 1 {
		t.Errorf("argmax tie → %d, want the first (1)", tie[0])
	}
	if _, err := VQARowScores(logits, graph.FromFloat32(graph.Shape{2, 2}, make([]float32, 4)), nil); err == nil {
		t.Error("shape mismatch accepted")
	}
}

func TestRetrievalRecall(t *testing.T) {
	sim := []float64{
		0.9, 0.1, 0.5, 0.2, // image 0
		0.3, 0.8, 0.4, 0.1, // image 1
		0.2, 0.7, 0.6, 0.0, // image 2
	}
	r, err := RetrievalRecall(sim, 3, 4, []int{0, 0, 1, 2}, 1, 2, 3, 4)
	must(t, err)
	// text ranks 0, 2, 2, 2; image ranks 0, 1, 3 (worked out by hand)
	wantIR := map[int]float64{1: 0.25, 2: 0.25, 3: 1, 4: 1}
	wantTR := map[int]float64{1: 1.0 / 3, 2: 2.0 / 3, 3: 2.0 / 3, 4: 1}
	for k := range wantIR {
		if !near(r.TextToImage[k], wantIR[k]) || !near(r.ImageToText[k], wantTR[k]) {
			t.Errorf("K=%d: IR %v TR %v, want %v %v", k, r.TextToImage[k], r.ImageToText[k], wantIR[k], wantTR[k])
		}
	}
	// ties rank by index: text 0 belongs to image 1, which ties with image 0.
	r, _ = RetrievalRecall([]float64{0.5, 0.5, 0.5, 0.5}, 2, 2, []int{1, 0}, 1)
	if r.TextToImage[1] != 0.5 {
		t.Errorf("tied IR@1 = %v, want 0.5", r.TextToImage[1])
	}
	if _, err := RetrievalRecall(sim, 3, 4, []int{0, 0, 1, 3}, 1); err == nil {
		t.Error("text pointing outside the images accepted")
	}
}

func TestMeterAndBaseline(t *testing.T) {
	var m Meter
	m.Add("a", 1)
	m.Add("a", 0)
	m.Add("b", 0.5)
	m.Add("", 1)
	m.Add("a", math.NaN())
	if m.Count() != 4 || !near(m.Mean(), 0.625) {
		t.Errorf("meter %d %v", m.Count(), m.Mean())
	}
	if a, n := m.TypeMean("a"); n != 2 || a != 0.5 {
		t.Errorf("type a %v %d", a, n)
	}
	ex := func(typ, q string, ans ...Answer) Example { return Example{Type: typ, Text: q, Answers: ans} }
	train := &Dataset{Examples: []Example{
		ex("color", "what color is the cat?", Answer{"red", 1}), ex("color", "what color is the dog?", Answer{"red", 1}),
		ex("color", "what color is the dog?", Answer{"red", 1}), ex("", "is it?", Answer{"yes", 1}),
		ex("color", "What color is the cat? ", Answer{"blue", 1}), ex("color", "what color is the cat?", Answer{"blue", 1}),
		ex("count", "how many?", Answer{"3", 1}), ex("count", "how many?", Answer{"2", 1}),
		ex("", "is it?", Answer{"yes", 1}), ex("", "is it?", Answer{"yes", 1}), ex("", "is it?", Answer{"yes", 1}),
	}}
	eval := &Dataset{Examples: []Example{
		ex("color", "what color is the dog?", Answer{"red", 1}), ex("color", "what color is the cat?", Answer{"blue", 1}, Answer{"red", 0.3}),
		ex("count", "how many?", Answer{"3", 1}, Answer{"2", 0.6}), ex("", "is it now?", Answer{"yes", 1}),
	}}
	b := MajorityBaseline(train, eval)
	if b.Answer != "yes" || !near(b.Overall, 0.25) || !near(b.ByType, 0.725) {
		t.Errorf("baseline %q %v %v, want yes 0.25 0.725", b.Answer, b.Overall, b.ByType)
	}
	// blind: dog → red (1), cat → blue (2 of 3) → 1, how many? → 2 (tie) → 0.6, unseen → yes (1)
	if !near(b.ByQuestion, 0.9) {
		t.Errorf("question-only baseline %v, want 0.9", b.ByQuestion)
	}
	if c := b.PerType["color"]; c.Answer != "red" || !near(c.Score, 0.65) || c.N != 2 {
		t.Errorf("color %+v", c)
	}
	if c := b.PerType["count"]; c.Answer != "2" || !near(c.Score, 0.6) || c.N != 1 {
		t.Errorf("count %+v (tie 2/3 goes to the first in byte order)", c)
	}
}

func TestRetrievalPairs(t *testing.T) {
	ds := &Dataset{Task: TaskRetrieval, Path: "r.jsonl", Examples: []Example{
		{Image: "a.png", Text: "t0", Source: "r.jsonl:1"}, {Image: "b.png", Text: "t1", Source: "r.jsonl:2"},
		{Image: "a.png", Text: "t2", Source: "r.jsonl:3"},
	}}
	pairs, images, textImage := RetrievalPairs(ds)
	if fmt.Sprint(images) != "[a.png b.png]" || fmt.Sprint(textImage) != "[0 1 0]" || len(pairs.Examples) != 6 {
		t.Fatalf("images %v textImage %v rows %d", images, textImage, len(pairs.Examples))
	}
	// row i·3 + j pairs image i with text j
	for r, want := range []string{"a.png t0", "a.png t1", "a.png t2", "b.png t0", "b.png t1", "b.png t2"} {
		if got := pairs.Examples[r].Image + " " + pairs.Examples[r].Text; got != want {
			t.Errorf("row %d: %s, want %s", r, got, want)
		}
	}
	if !strings.Contains(pairs.Examples[4].Source, "image of r.jsonl:2, text of r.jsonl:2") {
		t.Errorf("source %q", pairs.Examples[4].Source)
	}
}
