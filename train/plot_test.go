package train

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The curves keep the scores on their own scale: counts are dropped, the val loss goes with the
// training loss, skipped steps are not drawn (a run of 3 steps with one skipped and 2 evaluations,
// written out by hand).
func TestCurvesSeparateScalesAndDropCounts(t *testing.T) {
	h := []Record{
		{Kind: "step", Step: 1, Loss: 4},
		{Kind: "step", Step: 2, Loss: 3, Skipped: true},
		{Kind: "eval", Step: 2, Metrics: map[string]float64{"n": 1000, "loss": 2.5, "vqa_score": 0.4, "vqa_score.color": 0.5}},
		{Kind: "step", Step: 3, Loss: 2},
		{Kind: "eval", Step: 3, Metrics: map[string]float64{"n": 1000, "loss": 1.5, "vqa_score": 0.6, "vqa_score.color": 0.7, "x.n": 3}},
	}
	loss, valLoss, metrics := curves(h)
	if len(loss) != 2 || loss[0].X != 1 || loss[0].Y != 4 || loss[1].X != 3 || loss[1].Y != 2 {
		t.Errorf("training loss %v, want (1,4) (3,2)", loss)
	}
	if len(valLoss) != 2 || valLoss[0].Y != 2.5 || valLoss[1].Y != 1.5 {
		t.Errorf("val loss %v, want 2.5, 1.5", valLoss)
	}
	if len(metrics) != 2 {
		t.Errorf("metric curves %v, want vqa_score and vqa_score.color only", metrics)
	}
	if c := metrics["vqa_score.color"]; len(c) != 2 || c[1].X != 3 || c[1].Y != 0.7 {
		t.Errorf("vqa_score.color %v, want (2,0.5) (3,0.7)", c)
	}
	// and Plot draws them into a PNG (decodable, the size of two panels)
	tr := &Trainer{history: h}
	path := filepath.Join(t.TempDir(), "curves.png")
	if err := tr.Plot(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width == 0 || cfg.Height < cfg.Width {
		t.Errorf("curves.png is %d×%d, want two 8×4 in panels stacked", cfg.Width, cfg.Height)
	}
}

// A run killed after step 5 with its last checkpoint at step 3 logged steps 4 and 5 and half a
// line; resuming from step 3 keeps steps 1–3 and the eval at 3 (once each) in the history and
// in the rewritten file.
func TestReplayMetricsAfterKill(t *testing.T) {
	dir := t.TempDir()
	log := `{"kind":"step","step":1,"loss":3}
{"kind":"step","step":2,"loss":2.5}
{"kind":"step","step":3,"loss":2}
{"kind":"eval","step":3,"metrics":{"vqa_score":0.4}}
{"kind":"step","step":4,"loss":1.5}
{"kind":"step","step":5,"loss":1.2}
{"kind":"st`
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := replayMetrics(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 4 || h[2].Loss != 2 || h[3].Kind != "eval" || h[3].Metrics["vqa_score"] != 0.4 {
		t.Fatalf("history %+v, want steps 1–3 and the eval at 3", h)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	want := strings.Join(strings.Split(log, "\n")[:4], "\n") + "\n"
	if string(got) != want {
		t.Errorf("metrics.jsonl rewritten as\n%s\nwant\n%s", got, want)
	}
	// a bad line in the middle is an error naming the file and line
	bad := "{\"kind\":\"step\",\"step\":1}\nnot json\n{\"kind\":\"step\",\"step\":2}\n"
	os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(bad), 0o644)
	if _, err := replayMetrics(dir, 3); err == nil || !strings.Contains(err.Error(), "metrics.jsonl line 2") {
		t.Errorf("bad line: %v, want an error naming metrics.jsonl line 2", err)
	}
	// no file: no history, no error
	if h, err := replayMetrics(t.TempDir(), 3); h != nil || err != nil {
		t.Errorf("missing file: %v, %v", h, err)
	}
}

// PlotMetrics redraws a run's curves from its metrics.jsonl; a bad line is an error naming it.
func TestPlotMetrics(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "metrics.jsonl")
	os.WriteFile(m, []byte("{\"kind\":\"step\",\"step\":1,\"loss\":3}\n{\"kind\":\"step\",\"step\":2,\"loss\":2}\n{\"kind\":\"eval\",\"step\":2,\"metrics\":{\"n\":10,\"loss\":2.2,\"accuracy\":0.5}}\n"), 0o644)
	out := filepath.Join(dir, "curves.png")
	if err := PlotMetrics(m, out); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Fatalf("curves.png: %v", err)
	}
	os.WriteFile(m, []byte("{\"kind\":\"step\",\"step\":1,\"loss\":3}\n{oops\n"), 0o644)
	if err := PlotMetrics(m, out); err == nil || !strings.Contains(err.Error(), "metrics.jsonl line 2") {
		t.Errorf("bad line: %v, want an error naming metrics.jsonl line 2", err)
	}
}
