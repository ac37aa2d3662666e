package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDataShapesAndCheck(t *testing.T) {
	out := filepath.Join(t.TempDir(), "shapes")
	msg, err := runBT(t, "data", "shapes", "--out", out, "--n", "150", "--seed", "4")
	if err != nil {
		t.Fatal(err, msg)
	}
	var nTrain, iTrain, nVal, iVal int
	if _, err := fmt.Sscanf(msg[strings.Index(msg, ": ")+2:], "%d train questions on %d images, %d val questions on %d images",
		&nTrain, &iTrain, &nVal, &iVal); err != nil || nTrain+nVal != 150 || iVal != 5 {
		t.Fatalf("output %q (%v)", msg, err)
	}
	countLines := func(f string) int {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(b), "\n")
	}
	if countLines("train.jsonl") != nTrain || countLines("val.jsonl") != nVal {
		t.Errorf("files have %d and %d lines, the summary says %d and %d", countLines("train.jsonl"), countLines("val.jsonl"), nTrain, nVal)
	}
	for _, f := range []string{"train.jsonl", "val.jsonl", "answers.json", "README.md", "images/000049.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := runBT(t, "data", "shapes", "--out", out, "--n", "150"); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second run into the same directory: %v", err)
	}
	vocab := filepath.Join(t.TempDir(), "answers.json")
	msg, err = runBT(t, "data", "check", "--task", "vqa", "--train", filepath.Join(out, "train.jsonl"),
		"--val", filepath.Join(out, "val.jsonl"), "--vocab-out", vocab)
	if err != nil {
		t.Fatal(err, msg)
	}
	for _, want := range []string{fmt.Sprintf("train.jsonl: %d rows, 0 skipped", nTrain), "vocabulary: 12 entries", fmt.Sprintf("val.jsonl: %d rows, 0 skipped", nVal), "majority baseline", "  position: "} {
		if !strings.Contains(msg, want) {
			t.Errorf("check output lacks %q:\n%s", want, msg)
		}
	}
	// a broken line is reported with its file and line, or skipped and counted
	bad := filepath.Join(out, "bad.jsonl")
	b, _ := os.ReadFile(filepath.Join(out, "val.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	lines[2] = `{"image": "images/nope.png", "question": "q", "answers": []}`
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runBT(t, "data", "check", "--task", "vqa", "--train", bad); err == nil || !strings.Contains(err.Error(), "bad.jsonl:3: image") {
		t.Errorf("bad row: %v", err)
	}
	msg, err = runBT(t, "data", "check", "--task", "vqa", "--train", bad, "--skip-bad")
	if err != nil || !strings.Contains(msg, fmt.Sprintf("bad.jsonl: %d rows, 1 skipped", nVal-1)) {
		t.Errorf("skip-bad: %v %q", err, msg)
	}
}
