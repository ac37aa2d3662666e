package cli

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// bt init --preset tiny writes a directory that bt preprocess and bt forward use as it is: the
// config is the tiny preset with the learned tokenizer's vocabulary, the processor makes 64 px
// images, and the tokenizer keeps the words of the visual questions whole.
func TestInitTinyThenForward(t *testing.T) {
	work := t.TempDir()
	dir := filepath.Join(work, "tiny")
	msg, err := runBT(t, "init", "--preset", "tiny", "--seed", "5", dir)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, msg)
	}
	cfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := tk.VocabSize(); n != cfg.Text.VocabSize || n > 2000 {
		t.Errorf("tokenizer has %d tokens, config vocab_size %d (want equal, at most 2000)", n, cfg.Text.VocabSize)
	}
	if c := cfg; c.HiddenSize != 128 || c.Text.NumHiddenLayers != 3 || c.Vision.NumHiddenLayers != 3 || c.NumHiddenLayers != 2 ||
		c.Text.IntermediateSize != 512 || c.Text.NumAttentionHeads != 4 || c.Vision.PatchSize != 8 || c.Vision.ImageSize != 64 {
		t.Errorf("tiny config: %+v", c)
	}
	pre, err := imageproc.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if pre.ShortestEdge != 64 || pre.CropHeight != 64 || pre.CropWidth != 64 || !pre.DoCenterCrop {
		t.Errorf("preprocessor: shortest edge %d, crop %dx%d", pre.ShortestEdge, pre.CropHeight, pre.CropWidth)
	}
	for text, want := range map[string]string{
		"what color is the circle?":                "<s> what Ġcolor Ġis Ġthe Ġcircle ? </s>",
		"is the red shape left of the blue shape?": "<s> is Ġthe Ġred Ġshape Ġleft Ġof Ġthe Ġblue Ġshape ? </s>",
		"how many objects are there? yes no":       "<s> how Ġmany Ġobjects Ġare Ġthere ? Ġyes Ġno </s>",
	} {
		enc, err := tk.Encode(text, tokenizer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(enc.Tokens, " "); got != want {
			t.Errorf("%q: tokens %s, want %s", text, got, want)
		}
	}

	in := filepath.Join(work, "in.safetensors")
	args := append([]string{"preprocess", "--model", dir, "--text", "what color is the circle?", "--output", in}, goldenBatchFiles[:2]...)
	if msg, err := runBT(t, args...); err != nil || !strings.Contains(msg, "pixel_values [2 3 64 64]") {
		t.Fatalf("preprocess: %v\n%s", err, msg)
	}
	out := filepath.Join(work, "out.safetensors")
	if msg, err := runBT(t, "forward", "--model", dir, "--inputs", in, "--output", out); err != nil || !strings.Contains(msg, "heads: itm,mlm") {
		t.Fatalf("forward: %v\n%s", err, msg)
	}
	res := golden.Tensors(t, out)
	if s := res["model.pooler_output"].Shape; !s.Equal(graph.Shape{2, 256}) {
		t.Errorf("pooler_output %v", s)
	}

	if msg, err := runBT(t, "init", "--preset", "tiny", dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second init into %s: %v\n%s", dir, err, msg)
	}
	// The same seed gives the same weights; an empty existing directory is accepted.
	again := filepath.Join(work, "again")
	if err := os.Mkdir(again, 0o755); err != nil {
		t.Fatal(err)
	}
	if msg, err := runBT(t, "init", "--preset", "tiny", "--seed", "5", again); err != nil {
		t.Fatalf("init into an empty directory: %v\n%s", err, msg)
	}
	a, b := golden.Tensors(t, filepath.Join(dir, "model.safetensors")), golden.Tensors(t, filepath.Join(again, "model.safetensors"))
	for name, x := range a {
		if !x.Identical(b[name]) {
			t.Errorf("%s differs between two inits with seed 5", name)
		}
	}
}

// The base preset checks a --tokenizer against RoBERTa's vocabulary size before drawing 365 M
// parameters, and refuses to mix --tokenizer with tiny.
func TestInitRefusals(t *testing.T) {
	work := t.TempDir()
	msg, err := runBT(t, "init", "--preset", "base", "--tokenizer", robertaDir(t), filepath.Join(work, "b"))
	if err == nil || !strings.Contains(err.Error(), "the base preset's text_config.vocab_size is 50265") {
		t.Errorf("base with a 50,262-token tokenizer: %v\n%s", err, msg)
	}
	if _, err := os.Stat(filepath.Join(work, "b")); !os.IsNotExist(err) {
		t.Errorf("a refused init left %s behind", filepath.Join(work, "b"))
	}
	if _, err := runBT(t, "init", "--preset", "tiny", "--tokenizer", work, filepath.Join(work, "c")); err == nil {
		t.Error("tiny with --tokenizer accepted")
	}
	if _, err := runBT(t, "init", "--preset", "huge", filepath.Join(work, "d")); err == nil || !strings.Contains(err.Error(), "want tiny or base") {
		t.Errorf("unknown preset: %v", err)
	}
}

// The tiny model from bt init, loaded for VQA with 14 answers (a new head, initialised and
// reported), runs a training step's forward and backward: dropout on, a padding row masked; the
// loss and every gradient are finite, the step replays bit for bit, and every parameter the loss
// reaches gets a non-zero gradient.
func TestInitTinyTrainStep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny")
	if msg, err := runBT(t, "init", "--preset", "tiny", dir); err != nil {
		t.Fatalf("init: %v\n%s", err, msg)
	}
	cfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[int]string{}
	for i := 0; i < 14; i++ {
		labels[i] = "a" + string(rune('a'+i))
	}
	cfg.ID2Label = labels
	ckpt, err := model.OpenWeights(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ckpt.Close()
	w, rep, err := model.LoadForTask(cfg, ckpt, []model.Head{model.HeadVQA}, 11)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Initialized) != 6 {
		t.Errorf("initialised %d tensors, want the 6 of vqa_classifier:\n%v", len(rep.Initialized), rep)
	}
	const bsz, tl = 4, 12
	m, err := model.Build(cfg, model.BuildOptions{Batch: bsz, TextLen: tl, Heads: []model.Head{model.HeadVQA}, Losses: []model.Head{model.HeadVQA},
		Training: true, DropoutSeed: 3, RowMask: true})
	if err != nil {
		t.Fatal(err)
	}
	names := m.ParamNames()
	params := make([]*graph.Node, len(names))
	for i, n := range names {
		params[i] = m.Params[n]
	}
	grads := graph.Gradient(m.Outputs["vqa.loss"], params...)
	outs := []string{"vqa.loss"}
	for i, n := range names {
		m.Outputs["grad."+n] = grads[i]
		outs = append(outs, "grad."+n)
	}
	bound, err := m.Bind(w)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Compile(cpu.New(cpu.Options{}), bound, outs...)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, bsz*tl)
	pix := make([]float32, bsz*3*64*64)
	targets := make([]float32, bsz*14)
	for i := range ids {
		ids[i] = int64(4 + (i*37)%(cfg.Text.VocabSize-5))
	}
	for i := range pix {
		pix[i] = float32(math.Sin(float64(i) * 0.01))
	}
	for b := 0; b < bsz; b++ {
		targets[b*14+b%14] = 1
	}
	inputs := map[string]*graph.Tensor{
		model.InputIDs: graph.FromInt64(graph.Shape{bsz, tl}, ids), model.InputPixels: graph.FromFloat32(graph.Shape{bsz, 3, 64, 64}, pix),
		model.InputVQATargets: graph.FromFloat32(graph.Shape{bsz, 14}, targets), model.InputStep: graph.FromInt64(graph.Shape{}, []int64{1}),
		model.InputRowMask: graph.FromFloat32(graph.Shape{bsz}, []float32{1, 1, 1, 0}),
	}
	run := func() map[string]*graph.Tensor {
		res, err := r.Run(context.Background(), inputs)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*graph.Tensor{}
		for k, v := range res {
			out[k] = v.Clone()
		}
		return out
	}
	first, second := run(), run()
	loss := first["vqa.loss"].Float64s()[0]
	if math.IsNaN(loss) || math.IsInf(loss, 0) || loss <= 0 {
		t.Fatalf("loss %g", loss)
	}
	zero := 0
	for _, n := range names {
		g := first["grad."+n]
		if !g.Identical(second["grad."+n]) {
			t.Errorf("grad of %s differs between two runs of the same step", n)
		}
		nonzero := false
		for _, v := range g.Float64s() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("grad of %s has %g", n, v)
			}
			nonzero = nonzero || v != 0
		}
		if !nonzero {
			zero++
			t.Errorf("grad of %s is all zero", n)
		}
	}
	t.Logf("loss %.4f, %d parameter tensors, %d with zero gradient", loss, len(names), zero)
}
