package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/internal/golden"
)

// TestFlagsAnywhere: flags after positional arguments are parsed (urfave/cli v2 alone ignores
// them), values that look like flags after -- stay positional.
func TestFlagsAnywhere(t *testing.T) {
	app := NewApp()
	for _, c := range []struct{ in, want string }{
		{"bt preprocess a.png -o out.st", "bt preprocess -o out.st a.png"},
		{"bt preprocess a.png b.png --size 64 --no-crop -o x", "bt preprocess --size 64 --no-crop -o x a.png b.png"},
		{"bt preprocess --size=64 a.png -o x", "bt preprocess --size=64 -o x a.png"},
		{"bt convert in out --dtype f16", "bt convert --dtype f16 in out"},
		{"bt convert in -- -out", "bt convert -- in -out"},
		{"bt tokenize --max-length 8 --jsonl", "bt tokenize --max-length 8 --jsonl"},
		{"bt --help", "bt --help"},
		{"bt nosuch a -b", "bt nosuch a -b"},
		{"bt convert in out --quiet", "bt --quiet convert in out"},
		{"bt -q convert -q in out", "bt -q -q convert in out"},
		{"bt forward --model m --precision f16 -o x", "bt --precision f16 forward --model m -o x"},
	} {
		got := strings.Join(reorderArgs(app, strings.Fields(c.in)), " ")
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	// Through Main, on real files: the output flag after the image is honoured.
	dir := t.TempDir()
	out := filepath.Join(dir, "p.safetensors")
	img := filepath.Join(golden.ImageCase("img03_64x64_rgb_png"), "image.png")
	if _, stderr, code := runMain(t, "preprocess", img, "--size", "32", "-o", out); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

// TestExitCodesAndMessages: usage mistakes exit 2 with one line naming the problem; failures exit 1.
func TestExitCodesAndMessages(t *testing.T) {
	dir := t.TempDir()
	m01 := golden.ModelCase("m01_add_b1_nopad")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frwd"}, ExitUsage, `unknown command "frwd"; did you mean "forward"?`},
		{[]string{"tokenise"}, ExitUsage, `did you mean "tokenize"?`},
		{[]string{"forward", "--model", m01}, ExitUsage, "forward: missing --inputs, --output"},
		{[]string{"forward", "--bogus"}, ExitUsage, "flag provided but not defined: -bogus"},
		{[]string{"convert", m01}, ExitUsage, "want IN and OUTDIR"},
		{[]string{"forward", "--model", m01, "--inputs", filepath.Join(dir, "none.st"), "-o", filepath.Join(dir, "o.st")}, ExitUsage, "--inputs " + filepath.Join(dir, "none.st") + ": no such file"},
		{[]string{"forward", "--model", filepath.Join(dir, "nomodel"), "--inputs", filepath.Join(m01, "inputs.safetensors"), "-o", filepath.Join(dir, "o.st")}, ExitUsage, "--model " + filepath.Join(dir, "nomodel") + ": no such file or directory"},
	} {
		stdout, stderr, code := runMain(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stdout != "" {
			t.Errorf("%v: want one line on stderr and nothing on stdout, got %q / %q", c.args, stdout, stderr)
		}
	}
}

// TestVersionOneString: bt version and bt --version print the same line.
func TestVersionOneString(t *testing.T) {
	a, _, _ := runMain(t, "version")
	b, _, _ := runMain(t, "--version")
	if a != b || !strings.HasPrefix(a, "bt "+Version+" (") {
		t.Errorf("version %q, --version %q", a, b)
	}
}

// TestOutputCheckedBeforeCompute: a missing output directory, an output that is an input, or a
// directory given as the output file are refused before the model runs, naming the flag.
func TestOutputCheckedBeforeCompute(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m01")
	copyDir(t, golden.ModelCase("m01_add_b1_nopad"), m)
	in := filepath.Join(m, "inputs.safetensors")
	before, _ := os.ReadFile(filepath.Join(m, "model.safetensors"))
	for _, c := range []struct{ out, want string }{
		{filepath.Join(dir, "nodir", "o.st"), "directory " + filepath.Join(dir, "nodir") + " does not exist"},
		{filepath.Join(m, "model.safetensors"), "would overwrite the input"},
		{in, "would overwrite the input"},
		{dir, "is a directory"},
	} {
		_, stderr, code := runMain(t, "forward", "--model", m, "--inputs", in, "--output", c.out)
		if code != ExitUsage || !strings.Contains(stderr, "--output") || !strings.Contains(stderr, c.want) {
			t.Errorf("--output %s: exit %d, %q; want %q", c.out, code, stderr, c.want)
		}
	}
	after, _ := os.ReadFile(filepath.Join(m, "model.safetensors"))
	if string(before) != string(after) {
		t.Fatal("the checkpoint was modified")
	}
	// bt convert into the checkpoint's own directory would overwrite it.
	if _, stderr, code := runMain(t, "convert", m, m); code != ExitUsage || !strings.Contains(stderr, "would overwrite the input") {
		t.Errorf("convert into itself: exit %d, %q", code, stderr)
	}
}

// TestSizesBoundedBeforeAllocating: absurd sizes are usage errors, not out-of-memory crashes.
func TestSizesBoundedBeforeAllocating(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(golden.ImageCase("img03_64x64_rgb_png"), "image.png")
	m01 := golden.ModelCase("m01_add_b1_nopad")
	out := filepath.Join(dir, "o.st")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"preprocess", "--size", "100000", "-o", out, img}, "over the decoder's limit"},
		{[]string{"preprocess", "--model", m01, "--size", "100", "-o", out, img}, "takes 32×32 images"},
		{[]string{"preprocess", "--model", m01, "--no-crop", "-o", out, img}, "--no-crop"},
		{[]string{"preprocess", "--tokenizer", robertaDir(t), "--text", "hi", "--max-length", "1000000000", "-o", out, img}, "--max-length 1000000000 is too long"},
	} {
		_, stderr, code := runMain(t, c.args...)
		if code != ExitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an output was written")
	}
	// With --model, the model's own image size is used (m01: 32 px, not the default 288).
	if _, stderr, code := runMain(t, "preprocess", "--model", m01, "-o", out, img); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := golden.Tensors(t, out)["pixel_values"].Shape.String(); got != "[1 3 32 32]" {
		t.Errorf("pixel_values %s, want [1 3 32 32]", got)
	}
}

// TestConfigErrorsNameTheFile: a bad field or a foreign model_type names config.json's path.
func TestConfigErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m")
	copyDir(t, golden.ModelCase("m01_add_b1_nopad"), m)
	cfgPath := filepath.Join(m, "config.json")
	orig, _ := os.ReadFile(cfgPath)
	for _, c := range []struct{ from, to, want string }{
		{`"link_tower_type": "add"`, `"link_tower_type": "foo"`, `link_tower_type "foo" is unknown`},
		{`"model_type": "bridgetower"`, `"model_type": "bert"`, `model_type is "bert", want "bridgetower"`},
	} {
		bad := strings.Replace(string(orig), c.from, c.to, 1)
		if bad == string(orig) {
			t.Fatalf("%s not in config.json", c.from)
		}
		if err := os.WriteFile(cfgPath, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runMain(t, "forward", "--model", m, "--inputs", filepath.Join(m, "inputs.safetensors"), "-o", filepath.Join(dir, "o.st"))
		if code != ExitFailure || !strings.Contains(stderr, cfgPath) || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, %q; want the path and %q", c.to, code, stderr, c.want)
		}
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTokenizeEmptyAndBadJSON: an empty text gives "ids": [] (not null); a JSONL line of the wrong
// type is described in JSON's terms, without Go type names.
func TestTokenizeEmptyAndBadJSON(t *testing.T) {
	dir := robertaDir(t)
	out, err := runTokenizeCmd(t, "{\"text\": \"\"}\n", "--tokenizer", dir, "--jsonl", "--no-special")
	if err != nil || !strings.Contains(out, `"ids":[]`) || !strings.Contains(out, `"tokens":[]`) {
		t.Errorf("empty text: %q, %v", out, err)
	}
	_, err = runTokenizeCmd(t, "{\"text\": 5}\n", "--tokenizer", dir, "--jsonl")
	if err == nil || !strings.Contains(err.Error(), `line 1: field "text": want a string, got a JSON number`) || strings.Contains(err.Error(), "Go ") {
		t.Errorf("bad JSONL: %v", err)
	}
}

// TestCompletion: the scripts parse in their shell, and the candidates they ask bt for are the
// commands and, after a command, its flags.
func TestCompletion(t *testing.T) {
	script, _, code := runMain(t, "completion", "bash")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		cmd := exec.Command(bash, "-n")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v: %s", err, out)
		}
	}
	// urfave/cli reads the line being completed from os.Args, as it is in the bt binary.
	defer func(a []string) { os.Args = a }(os.Args)
	os.Args = []string{"bt", "--generate-bash-completion"}
	cmds, _, _ := runMain(t, "--generate-bash-completion")
	for _, want := range []string{"forward\n", "convert\n", "completion\n"} {
		if !strings.Contains(cmds, want) {
			t.Errorf("command candidates %q lack %q", cmds, want)
		}
	}
	os.Args = []string{"bt", "forward", "--mo", "--generate-bash-completion"}
	flags, _, _ := runMain(t, "forward", "--mo", "--generate-bash-completion")
	if !strings.Contains(flags, "--model") {
		t.Errorf("flag candidates %q lack --model", flags)
	}
	if _, stderr, code := runMain(t, "completion", "tcsh"); code != ExitUsage || !strings.Contains(stderr, `unknown shell "tcsh"`) {
		t.Errorf("tcsh: exit %d, %q", code, stderr)
	}
}

// TestJSONSummaries: --json prints one JSON object with the summary, and forward's reference
// comparison as rows.
func TestJSONSummaries(t *testing.T) {
	dir := t.TempDir()
	m := golden.ModelCase("m01_add_b1_nopad")
	out := filepath.Join(dir, "o.safetensors")
	stdout, stderr, code := runMain(t, "forward", "--model", m, "--inputs", filepath.Join(m, "inputs.safetensors"), "-o", out,
		"--reference", filepath.Join(m, "outputs.safetensors"), "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var f struct {
		Output    string
		Tensors   int
		Heads     []string
		Reference []refRow
	}
	if err := json.Unmarshal([]byte(stdout), &f); err != nil || f.Output != out || len(f.Reference) == 0 {
		t.Fatalf("%q: %v", stdout, err)
	}
	for _, r := range f.Reference {
		if !r.OK || r.MaxAbs > r.Limit {
			t.Errorf("row %+v", r)
		}
	}
	var in struct {
		Parameters int
		ImageSize  int `json:"image_size"`
	}
	stdout, _, code = runMain(t, "init", "--preset", "tiny", filepath.Join(dir, "tiny"), "--json")
	if code != ExitOK || json.Unmarshal([]byte(stdout), &in) != nil || in.ImageSize != 64 {
		t.Errorf("init --json: exit %d, %q", code, stdout)
	}
	// The count init reports equals bt info's count of the tensors in the written file.
	var info struct{ Parameters map[string]int }
	stdout, _, _ = runMain(t, "info", "--json", filepath.Join(dir, "tiny"))
	total := 0
	if err := json.Unmarshal([]byte(stdout), &info); err == nil {
		for _, n := range info.Parameters {
			total += n
		}
	}
	if in.Parameters == 0 || in.Parameters != total {
		t.Errorf("init --json reports %d parameters, bt info counts %d", in.Parameters, total)
	}
	var ds struct {
		TrainQuestions int `json:"train_questions"`
		ValQuestions   int `json:"val_questions"`
	}
	stdout, _, code = runMain(t, "data", "shapes", "--out", filepath.Join(dir, "shapes"), "--n", "30", "--json")
	if code != ExitOK || json.Unmarshal([]byte(stdout), &ds) != nil || ds.TrainQuestions+ds.ValQuestions != 30 {
		t.Errorf("data shapes --json: exit %d, %q", code, stdout)
	}
	stdout, _, code = runMain(t, "convert", "--json", m, filepath.Join(dir, "conv"))
	var cv struct {
		Tensors int
		Dropped []string
	}
	if code != ExitOK || json.Unmarshal([]byte(stdout), &cv) != nil || cv.Tensors == 0 || cv.Dropped == nil {
		t.Errorf("convert --json: exit %d, %q", code, stdout)
	}
}
