package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// smallModelDir copies the golden m02 checkpoint (32 px images, 256-token vocabulary, ITM, MLM
// and ITC heads) and gives it a byte-level tokenizer that fits its vocabulary: <s> <pad> </s>
// <unk> <mask> at 0..4, then GPT-2's byte symbols in GPT-2's order (printable ASCII and the
// space symbol get ids below 256), no merges. With vqa, it also gets a VQA head of three answers
// with seeded random weights.
func smallModelDir(t *testing.T, vqa bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "m02")
	src := golden.ModelCase("m02_scaled_add_b3_pad_h64_eps")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var gpt2 map[string]int
	if err := json.Unmarshal(gunzipFile(t, filepath.Join("..", "model", "tokenizer", "testdata", "gpt2", "encoder.json.gz")), &gpt2); err != nil {
		t.Fatal(err)
	}
	vocab := map[string]int{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4}
	for k, v := range gpt2 {
		if v < 256 {
			vocab[k] = v + 5
		}
	}
	vj, _ := json.Marshal(vocab)
	cfgData, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	weights := golden.Tensors(t, filepath.Join(src, "model.safetensors"))
	if vqa {
		cfg, err := model.ParseConfig(cfgData)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ID2Label = map[int]string{0: "red", 1: "blue", 2: "two"}
		cfg.Label2ID = map[string]int{"red": 0, "blue": 1, "two": 2}
		if cfgData, err = cfg.Marshal(); err != nil {
			t.Fatal(err)
		}
		specs, err := model.ParamInfos(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range specs {
			if p.Group != model.GroupVQA {
				continue
			}
			x := graph.NewTensor(graph.F32, p.Shape)
			d := x.Data.([]float32)
			for i := range d {
				d[i] = float32(graph.RandomFloat64(7, uint64(len(p.Name)), uint64(i))-0.5) * 0.5
			}
			weights[p.Name] = x
		}
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), weights, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"config.json": cfgData, "vocab.json": vj, "merges.txt": []byte("#version: 0.2\n"),
		"tokenizer_config.json": []byte(`{"model_max_length": 22}`),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var askImages = []string{
	filepath.Join(golden.ImageCase("img01_640x480_rgb_png"), "image.png"),
	filepath.Join(golden.ImageCase("img03_64x64_rgb_png"), "image.png"),
}

// referenceOutputs runs the verified path (bt preprocess --text, then bt forward) on the same
// images and texts and returns the outputs: what ask, score and embed must agree with.
func referenceOutputs(t *testing.T, dir string, heads string, images []string, texts ...string) map[string]*graph.Tensor {
	t.Helper()
	tmp := t.TempDir()
	in, out := filepath.Join(tmp, "in.safetensors"), filepath.Join(tmp, "out.safetensors")
	args := []string{"preprocess", "--model", dir, "-o", in}
	for _, x := range texts {
		args = append(args, "--text", x)
	}
	if _, err := runBT(t, append(args, images...)...); err != nil {
		t.Fatal(err)
	}
	if _, err := runBT(t, "forward", "--model", dir, "--inputs", in, "--output", out, "--heads", heads); err != nil {
		t.Fatal(err)
	}
	return golden.Tensors(t, out)
}

func TestAskVQAHead(t *testing.T) {
	dir := smallModelDir(t, true)
	q := "what color?"
	stdout, stderr, code := runMain(t, "ask", askImages[0], askImages[1], q, "--model", dir, "--json", "--top-k", "3")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ref := referenceOutputs(t, dir, "vqa", askImages, q)["vqa.logits"].Float64s()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", stdout)
	}
	labels := []string{"red", "blue", "two"}
	for b, line := range lines {
		var r askResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Mode != "vqa" || len(r.Answers) != 3 || r.Image != askImages[b] {
			t.Fatalf("result %+v", r)
		}
		for i, a := range r.Answers {
			j := indexOf(labels, a.Answer)
			want := 1 / (1 + math.Exp(-ref[b*3+j]))
			if math.Abs(a.Score-want) > 1e-6 {
				t.Errorf("image %d answer %q: %.7f, want sigmoid(logit) %.7f", b, a.Answer, a.Score, want)
			}
			if i > 0 && a.Score > r.Answers[i-1].Score {
				t.Errorf("answers not sorted: %+v", r.Answers)
			}
		}
	}
	// The text form names the mode.
	text, _, _ := runMain(t, "ask", "--model", dir, askImages[1], q)
	if !strings.Contains(text, "[VQA head]") || !strings.Contains(text, "1. ") {
		t.Errorf("text output %q", text)
	}
}

func TestAskChoicesAndScore(t *testing.T) {
	dir := smallModelDir(t, false)
	stdout, stderr, code := runMain(t, "ask", "--model", dir, askImages[0], "is it", "--choices", "red,blue", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r askResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	img := askImages[:1]
	ref := referenceOutputs(t, dir, "itm,itc", []string{img[0], img[0]}, "is it red", "is it blue")
	l := ref["itm.logits"].Float64s()
	want := map[string]float64{"red": softmax(l[0:2])[1], "blue": softmax(l[2:4])[1]}
	if r.Mode != "itm-choices" || len(r.Answers) != 2 {
		t.Fatalf("result %+v", r)
	}
	for _, a := range r.Answers {
		if math.Abs(a.Score-want[a.Answer]) > 1e-6 {
			t.Errorf("choice %q: %.7f, want %.7f", a.Answer, a.Score, want[a.Answer])
		}
	}
	// bt score gives the same ITM probabilities, and the contrastive cosine of the embeddings.
	stdout, stderr, code = runMain(t, "score", img[0], "is it red", "is it blue", "--model", dir, "--json")
	if code != ExitOK {
		t.Fatalf("score: exit %d: %s", code, stderr)
	}
	te, ie := ref["contrastive.text_embeds"].Float64s(), ref["contrastive.image_embeds"].Float64s()
	c := ref["contrastive.text_embeds"].Shape[1]
	for i, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var s scoreResult
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatal(err)
		}
		if s.ITM == nil || math.Abs(*s.ITM-softmax(l[2*i : 2*i+2])[1]) > 1e-6 {
			t.Errorf("score %d: itm %v", i, s.ITM)
		}
		cos := dot(te[i*c:(i+1)*c], ie[i*c:(i+1)*c])
		if s.ITCCosine == nil || math.Abs(*s.ITCCosine-cos) > 1e-5 {
			t.Errorf("score %d: itc cosine %v, want %.6f", i, s.ITCCosine, cos)
		}
	}
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// TestAskZeroShotMLM: without a VQA head the answer fills <mask>: the top tokens and their
// probabilities are the softmax of mlm.logits at the mask position of the verified forward.
func TestAskZeroShotMLM(t *testing.T) {
	dir := smallModelDir(t, false)
	q := "a <mask> cat"
	stdout, stderr, code := runMain(t, "ask", "--model", dir, askImages[1], q, "--json", "-k", "2")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r askResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	ref := referenceOutputs(t, dir, "mlm", askImages[1:], q)["mlm.logits"]
	tl, v := ref.Shape[1], ref.Shape[2]
	// Tokens: <s> a Ġ <mask> Ġ c a t </s>? The mask sits right after "a" and the space it strips.
	pos := 2
	p := softmax(ref.Float64s()[pos*v : (pos+1)*v])
	best := topK(p, make([]string, v), 2)
	if r.Mode != "mlm" || len(r.Answers) != 2 || tl < 3 {
		t.Fatalf("result %+v", r)
	}
	for i := range best {
		if math.Abs(r.Answers[i].Score-best[i].Score) > 1e-6 {
			t.Errorf("answer %d: %.7f, want %.7f", i, r.Answers[i].Score, best[i].Score)
		}
	}
}

// TestEmbedStandalone: a text embedded alone equals the text embedding of the full model run
// with an image (it comes from the text tower only); likewise an image; and the cross-modal
// embedding of a pair equals the full run's.
func TestEmbedStandalone(t *testing.T) {
	dir := smallModelDir(t, false)
	out := filepath.Join(t.TempDir(), "e.safetensors")
	if _, stderr, code := runMain(t, "embed", "--model", dir, "--text", "a red cat", "--text", "blue", "--image", askImages[0], "--image", askImages[1], "--cross", "-o", out); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := golden.Tensors(t, out)
	ref := referenceOutputs(t, dir, "itc", askImages, "a red cat", "blue")
	for _, name := range []string{"text", "image", "cross"} {
		g, w := got[name+"_embeds"], ref["contrastive."+name+"_embeds"]
		if g == nil || !g.Shape.Equal(w.Shape) {
			t.Fatalf("%s_embeds %v, want shape %v", name, g, w.Shape)
		}
		gd, wd := g.Float64s(), w.Float64s()
		for i := range wd {
			if math.Abs(gd[i]-wd[i]) > 1e-5 {
				t.Fatalf("%s_embeds[%d] = %g, want %g", name, i, gd[i], wd[i])
			}
		}
	}
	// JSON lines: one per input, unit vectors.
	stdout, _, code := runMain(t, "embed", "--model", dir, "--text", "hi")
	var line struct {
		Kind      string
		Embedding []float64
	}
	if code != ExitOK || json.Unmarshal([]byte(stdout), &line) != nil || line.Kind != "text" {
		t.Fatalf("exit %d, %q", code, stdout)
	}
	if n := math.Sqrt(dot(line.Embedding, line.Embedding)); math.Abs(n-1) > 1e-5 {
		t.Errorf("norm %g", n)
	}
}

// TestAskScoreEmbedErrors: wrong input is refused before the model is loaded, naming what is wrong.
func TestAskScoreEmbedErrors(t *testing.T) {
	dir := smallModelDir(t, false)
	m01 := golden.ModelCase("m01_add_b1_nopad")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ask", "--model", dir, "q"}, ExitUsage, "want IMAGE... QUESTION"},
		{[]string{"ask", "--model", dir, "nope.png", "q"}, ExitUsage, "image nope.png: no such file"},
		{[]string{"ask", "--model", dir, askImages[0], "q", "--choices", "x"}, ExitUsage, "want at least two"},
		{[]string{"ask", "--model", dir, askImages[0], "q", "-k", "0"}, ExitUsage, "--top-k 0"},
		{[]string{"ask", askImages[0], "q", "--model", m01}, ExitFailure, "has no usable tokenizer"},
		{[]string{"ask", askImages[0], "this question is far too long for it", "--model", dir}, ExitFailure, "the model takes at most 22"},
		{[]string{"score", "--model", dir, askImages[0]}, ExitUsage, "want IMAGE TEXT..."},
		{[]string{"embed", "--model", dir}, ExitUsage, "nothing to embed"},
		{[]string{"embed", "--model", dir, "--image", askImages[0], "--text", "a", "--text", "b", "--text", "c", "--cross"}, ExitUsage, "--cross needs"},
		{[]string{"embed", "--model", dir, "--text", "a", "-o", filepath.Join(t.TempDir(), "x.png")}, ExitUsage, "want a .safetensors file name"},
		{[]string{"embed", "--model", dir, "--image", askImages[0], "-o", filepath.Join(dir, "model.safetensors")}, ExitUsage, "would overwrite the input"},
	} {
		_, stderr, code := runMain(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
