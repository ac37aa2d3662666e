package data

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadJSONLTasksAndErrors(t *testing.T) {
	dir := t.TempDir()
	writeSolidPNG(t, filepath.Join(dir, "images", "a.png"), 8, 8, color.NRGBA{255, 0, 0, 255})
	p := filepath.Join(dir, "vqa.jsonl")
	writeLines(t, p,
		`{"image": "images/a.png", "question": "what?", "answers": [{"answer": "Two", "score": 0.6}, {"answer": "2", "score": 1}, {"answer": "red", "score": 0.3}], "extra": 1, "type": "count"}`,
		``,
		`{"image": "images/a.png", "question": "q", "answers": ["yes", "yes", "no"]}`,
	)
	ds, err := ReadJSONL(p, TaskVQA, ReadOptions{})
	must(t, err)
	if len(ds.Examples) != 2 {
		t.Fatalf("%d rows", len(ds.Examples))
	}
	e := ds.Examples[0]
	if e.Image != filepath.Join(dir, "images", "a.png") || e.Type != "count" || e.Source != p+":1" {
		t.Errorf("row 1: %+v", e)
	}
	// "Two" and "2" normalise to one answer with the higher score.
	if len(e.Answers) != 2 || e.Answers[0] != (Answer{"2", 1}) || e.Answers[1] != (Answer{"red", 0.3}) || e.MajorAnswer() != "2" {
		t.Errorf("answers %v", e.Answers)
	}
	if a := ds.Examples[1].Answers; len(a) != 2 || a[0] != (Answer{"yes", 0.6}) || a[1] != (Answer{"no", 0.3}) || ds.Examples[1].Source != p+":3" {
		t.Errorf("annotator answers %v", a)
	}

	bad := filepath.Join(dir, "bad.jsonl")
	writeLines(t, bad,
		`{"image": "images/a.png", "text": "t", "label": "entailment"}`,
		`{"image": "images/a.png", "text": "t", "label": `,
		`{"image": "images/missing.png", "text": "t", "label": "neutral"}`,
		`{"image": "images/a.png", "label": "neutral"}`,
		`{"image": "images/a.png", "text": "u", "label": "contradiction"}`,
	)
	for _, c := range []struct {
		skip bool
		want string
	}{{false, "bad.jsonl:2: bad JSON"}} {
		_, err := ReadJSONL(bad, TaskClassification, ReadOptions{SkipBad: c.skip})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	ds, err = ReadJSONL(bad, TaskClassification, ReadOptions{SkipBad: true})
	must(t, err)
	if len(ds.Examples) != 2 || len(ds.Skipped) != 3 {
		t.Fatalf("kept %d skipped %d, want 2 and 3", len(ds.Examples), len(ds.Skipped))
	}
	for i, want := range []string{"bad.jsonl:2: bad JSON", "bad.jsonl:3: image", "bad.jsonl:4: missing \"text\""} {
		if !strings.Contains(ds.Skipped[i].Error(), want) {
			t.Errorf("skipped %d: %v, want %q", i, ds.Skipped[i], want)
		}
	}
	// unknown label against a given vocabulary
	v, _ := NewVocab([]string{"entailment", "neutral"})
	err = ds.CheckLabels(v, false)
	if err == nil || !strings.Contains(err.Error(), "bad.jsonl:5: unknown label \"contradiction\"") {
		t.Errorf("unknown label: %v", err)
	}
	must(t, ds.CheckLabels(v, true))
	if len(ds.Examples) != 1 || len(ds.Skipped) != 4 {
		t.Errorf("after CheckLabels: %d kept, %d skipped", len(ds.Examples), len(ds.Skipped))
	}
	lv, _ := BuildLabelVocab(&Dataset{Examples: []Example{{Label: "neutral"}, {Label: "contradiction"}, {Label: "neutral"}}})
	if strings.Join(lv.Labels, ",") != "contradiction,neutral" {
		t.Errorf("label vocab %v", lv.Labels)
	}
	_, err = ReadJSONL(p, TaskRetrieval, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "vqa.jsonl:1: missing \"caption\"") {
		t.Errorf("retrieval on a VQA file: %v", err)
	}
}

func TestAnswerVocabSaveLoad(t *testing.T) {
	ds := &Dataset{Examples: []Example{
		{Major: "b"}, {Major: "a"}, {Answers: []Answer{{"c", 1}}}, {Major: "b"}, {Major: "a"}, {Major: "b"},
	}}
	v, err := BuildAnswerVocab(ds, 1)
	must(t, err)
	if strings.Join(v.Labels, ",") != "b,a,c" {
		t.Errorf("vocab %v, want b,a,c (3, 2, 1 questions)", v.Labels)
	}
	v2, _ := BuildAnswerVocab(ds, 2)
	if strings.Join(v2.Labels, ",") != "b,a" {
		t.Errorf("min count 2: %v", v2.Labels)
	}
	p := filepath.Join(t.TempDir(), AnswersFile)
	must(t, v.Save(p))
	back, err := LoadVocab(p)
	must(t, err)
	if strings.Join(back.Labels, ",") != "b,a,c" {
		t.Errorf("loaded %v", back.Labels)
	}
	if id, ok := back.ID("c"); !ok || id != 2 {
		t.Errorf("ID(c) = %d %v", id, ok)
	}
	got, err := LoadOrBuildVocab(&Dataset{Task: TaskVQA, Examples: ds.Examples}, "", 2)
	must(t, err)
	if strings.Join(got.Labels, ",") != "b,a" {
		t.Errorf("built %v", got.Labels)
	}
	if got, err = LoadOrBuildVocab(&Dataset{Task: TaskVQA}, p, 2); err != nil || got.Len() != 3 {
		t.Errorf("loaded %v %v", got, err)
	}
	if _, err := NewVocab([]string{"x", "x"}); err == nil {
		t.Error("duplicate accepted")
	}
}

func TestReadVQAv2(t *testing.T) {
	dir := t.TempDir()
	writeSolidPNG(t, filepath.Join(dir, "img", VQAv2Image("val2014", 42)), 8, 8, color.NRGBA{0, 0, 255, 255})
	qs := `{"data_subtype": "val2014", "questions": [{"image_id": 42, "question": "How many?", "question_id": 420}, {"image_id": 7, "question": "Where?", "question_id": 70}]}`
	anns := `{"annotations": [{"question_id": 420, "image_id": 42, "question_type": "how many", "answer_type": "number", "multiple_choice_answer": "two",
	  "answers": [{"answer": "2", "answer_confidence": "yes", "answer_id": 1}, {"answer": "two", "answer_id": 2}, {"answer": "2", "answer_id": 3},
	  {"answer": "3", "answer_id": 4}, {"answer": "2", "answer_id": 5}, {"answer": "2.", "answer_id": 6}, {"answer": "4", "answer_id": 7},
	  {"answer": "3", "answer_id": 8}, {"answer": "two", "answer_id": 9}, {"answer": "1", "answer_id": 10}]},
	  {"question_id": 70, "image_id": 7, "question_type": "where", "multiple_choice_answer": "here", "answers": []}]}`
	qp, ap := filepath.Join(dir, "q.json"), filepath.Join(dir, "a.json")
	must(t, os.WriteFile(qp, []byte(qs), 0o644))
	must(t, os.WriteFile(ap, []byte(anns), 0o644))
	_, err := ReadVQAv2(qp, ap, filepath.Join(dir, "img"), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "question_id 70: image") {
		t.Fatalf("missing image: %v", err)
	}
	ds, err := ReadVQAv2(qp, ap, filepath.Join(dir, "img"), ReadOptions{SkipBad: true})
	must(t, err)
	if len(ds.Examples) != 1 || len(ds.Skipped) != 1 {
		t.Fatalf("%d rows, %d skipped", len(ds.Examples), len(ds.Skipped))
	}
	e := ds.Examples[0]
	// "2" ×4 + "two" ×2 + "2." ×1 = 7 → 1; "3" ×2 → 0.6; "4", "1" → 0.3
	want := map[string]float64{"2": 1, "3": 0.6, "4": 0.3, "1": 0.3}
	if len(e.Answers) != 4 || e.Major != "2" || e.Type != "how many" || e.Text != "How many?" {
		t.Fatalf("%+v", e)
	}
	for _, a := range e.Answers {
		if want[a.Answer] != a.Score {
			t.Errorf("%q: %v, want %v", a.Answer, a.Score, want[a.Answer])
		}
	}
}
