package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/train/data"
)

// shippedShapes is the tiny model fine-tuned on bt data shapes (testdata/shapes-tiny/README.md
// says how). shippedValScore is its VQA score on the 20,000 val questions of the run's data
// (seed 0), measured when it was made; on a fresh sample of n questions the score may fall
// short of it by sampling noise, so the bar is shippedValScore − shippedMargin (4 standard
// errors at n = 196, the -short sample: √(0.98·0.02/196) = 0.01).
const (
	shippedShapes   = "../testdata/shapes-tiny"
	shippedValScore = 0.9837
	shippedMargin   = 0.04
)

// The shipped model answers freshly generated questions (a seed it never saw) about as well as
// on its val split, far above the majority baseline, and bt ask answers a colour question about
// the example image with a colour.
func TestShippedShapesModel(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 200
	}
	sets := filepath.Join(t.TempDir(), "fresh")
	if _, err := data.GenerateShapes(sets, data.ShapesOptions{N: n, Seed: 20261202, Size: 64, ValFraction: 0.02}); err != nil {
		t.Fatal(err)
	}
	// Every question of the fresh train split is new to the model; its majority baseline is
	// counted on the same questions (an upper bound of the baseline from any training split).
	stdout, stderr, code := runMain(t, "eval", "--model", shippedShapes, "--data", filepath.Join(sets, "train.jsonl"), "--json")
	if code != ExitOK {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var m map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("eval --json: %v", err)
	}
	t.Logf("fresh questions: %s", stdout)
	if bar := shippedValScore - shippedMargin; m["vqa_score"] < bar {
		t.Errorf("VQA score %.4f on %d fresh questions, want at least %.4f (val %.4f − %.2f)", m["vqa_score"], int(m["n"]), bar, shippedValScore, shippedMargin)
	}
	if m["vqa_score"] < m["baseline_per_type"]+0.03 {
		t.Errorf("VQA score %.4f is not above the per-type majority baseline %.4f", m["vqa_score"], m["baseline_per_type"])
	}
	out, err := runBT(t, "ask", "--model", shippedShapes, "--json", filepath.Join(shippedShapes, "example.png"), "what color is the circle?")
	if err != nil {
		t.Fatalf("ask: %v\n%s", err, out)
	}
	var res struct {
		Mode    string `json:"mode"`
		Answers []struct {
			Answer string `json:"answer"`
		} `json:"answers"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
		t.Fatalf("ask --json: %v\n%s", err, out)
	}
	if res.Mode != "vqa" || len(res.Answers) == 0 || !strings.Contains(" red green blue yellow ", " "+res.Answers[0].Answer+" ") {
		t.Errorf("ask: mode %q, answers %+v; want the VQA head answering a colour", res.Mode, res.Answers)
	}
}
