package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bt eval refuses, before loading anything, a missing --data, a --predictions that would
// overwrite its input, a zero batch size and an unknown task; each message names the flag.
func TestEvalRefusals(t *testing.T) {
	work := t.TempDir()
	dataF := filepath.Join(work, "val.jsonl")
	if err := os.WriteFile(dataF, []byte(`{"image": "a.png", "question": "q?", "answers": ["x"]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"eval", "--model", shippedShapes, "--data", filepath.Join(work, "none.jsonl")}, "--data " + filepath.Join(work, "none.jsonl") + ": no such file"},
		{[]string{"eval", "--model", shippedShapes, "--data", dataF, "--predictions", dataF}, "--predictions " + dataF + " would overwrite the input"},
		{[]string{"eval", "--model", shippedShapes, "--data", dataF, "--batch-size", "0"}, "--batch-size 0 must be positive"},
		{[]string{"eval", "--model", shippedShapes, "--data", dataF, "--task", "nlvr"}, `--task "nlvr"`},
		{[]string{"eval", "--model", filepath.Join(work, "nomodel"), "--data", dataF}, "--model " + filepath.Join(work, "nomodel")},
	}
	for _, tc := range cases {
		stdout, stderr, code := runMain(t, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit %d and %q (stdout %q)", tc.args, code, stderr, ExitUsage, tc.want, stdout)
		}
	}
}

// Classification and retrieval fine-tune end to end on shapes-derived data (question → answer as
// a label; question as a caption): the head is the task's, the metrics are the task's, and
// bt eval reads the final directory with its predictions written as JSON lines.
func TestFineTuneClassifyAndRetrieval(t *testing.T) {
	work := t.TempDir()
	splits := taskSplits(t, work)
	for _, tc := range []struct {
		task, train, val string
		metrics          []string
	}{
		{"classify", splits["classify"][0], splits["classify"][1], []string{"accuracy", "loss", "baseline"}},
		{"retrieval", splits["retrieval"][0], splits["retrieval"][1], []string{"itm_accuracy", "ir_r1", "tr_r10", "baseline"}},
	} {
		out := filepath.Join(work, tc.task)
		msg, err := runBT(t, "fine-tune", "--task", tc.task, "--train", tc.train, "--val", tc.val, "--preset", "tiny", "--image-size", "32",
			"--patch-size", "16", "--out", out, "--steps", "2", "--batch-size", "4")
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.task, err, msg)
		}
		pred := filepath.Join(work, tc.task+".pred.jsonl")
		stdout, stderr, code := runMain(t, "eval", "--model", filepath.Join(out, "final"), "--task", tc.task, "--data", tc.val, "--json", "--predictions", pred)
		if code != ExitOK {
			t.Fatalf("%s eval: exit %d: %s", tc.task, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		var m map[string]float64
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
			t.Fatalf("%s eval --json: %v", tc.task, err)
		}
		for _, k := range tc.metrics {
			if _, ok := m[k]; !ok {
				t.Errorf("%s eval: no %s in %v", tc.task, k, m)
			}
		}
		n := 0
		readJSONL(t, pred, func(line []byte) {
			var p struct{ Prediction, Expected string }
			if err := json.Unmarshal(line, &p); err != nil || p.Prediction == "" || p.Expected == "" {
				t.Errorf("%s prediction line %q: %v", tc.task, line, err)
			}
			n++
		})
		if want := int(m["n"]); n != want {
			t.Errorf("%s: %d prediction lines for %d rows", tc.task, n, want)
		}
	}
}
