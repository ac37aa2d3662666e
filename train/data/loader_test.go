package data

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model/imageproc"
)

var colours = []color.NRGBA{{255, 0, 0, 255}, {0, 128, 255, 255}, {10, 200, 30, 255}}

// vqaFixture writes n VQA rows over three solid-colour 64-px images: row i asks "q<i>?" about
// image i%3 with answers "2" (1.0) and "red" (0.3) on even rows, "yes" (1.0) on odd rows.
func vqaFixture(t *testing.T, n int) (*Dataset, *Vocab) {
	dir := t.TempDir()
	for i, c := range colours {
		writeSolidPNG(t, filepath.Join(dir, "images", fmt.Sprintf("%d.png", i)), 64, 64, c)
	}
	var lines []string
	for i := 0; i < n; i++ {
		ans := `[{"answer": "2", "score": 1}, {"answer": "red", "score": 0.3}]`
		if i%2 == 1 {
			ans = `[{"answer": "yes", "score": 1}]`
		}
		lines = append(lines, fmt.Sprintf(`{"image": "images/%d.png", "question": "q%d?", "answers": %s}`, i%3, i, ans))
	}
	p := filepath.Join(dir, "train.jsonl")
	writeLines(t, p, lines...)
	ds, err := ReadJSONL(p, TaskVQA, ReadOptions{})
	must(t, err)
	v, err := NewVocab([]string{"2", "red", "yes"})
	must(t, err)
	return ds, v
}

func TestLoaderVQABatches(t *testing.T) {
	ds, v := vqaFixture(t, 5)
	l, err := NewLoader(ds, testTokenizer(t), imageConfig64(), LoaderOptions{BatchSize: 2, TextLen: 8, Labels: v})
	must(t, err)
	defer l.Close()
	ctx := context.Background()
	var batches []*Batch
	for {
		b, err := l.NextBatch(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		batches = append(batches, b)
	}
	if len(batches) != 3 || l.BatchesPerEpoch() != 3 {
		t.Fatalf("%d batches", len(batches))
	}
	last := batches[2]
	if fmt.Sprint(last.Examples) != "[4 -1]" || last.Rows != 1 {
		t.Errorf("last batch rows %v", last.Examples)
	}
	in := last.Inputs
	for name, shape := range map[string]graph.Shape{InputIDs: {2, 8}, InputMask: {2, 8}, InputPixels: {2, 3, 64, 64}, RowMask: {2}, InputVQATargets: {2, 3}} {
		if in[name] == nil || fmt.Sprint(in[name].Shape) != fmt.Sprint(shape) {
			t.Errorf("%s: %v, want %v", name, in[name], shape)
		}
	}
	// byte-level test vocabulary: id = 4 + byte; <s> 0, </s> 2, <pad> 1
	q := "q4?"
	wantIDs := []int64{0, 4 + int64(q[0]), 4 + int64(q[1]), 4 + int64(q[2]), 2, 1, 1, 1, 0, 2, 1, 1, 1, 1, 1, 1}
	wantMask := []int64{1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0}
	if fmt.Sprint(in[InputIDs].Data) != fmt.Sprint(wantIDs) || fmt.Sprint(in[InputMask].Data) != fmt.Sprint(wantMask) {
		t.Errorf("ids %v mask %v", in[InputIDs].Data, in[InputMask].Data)
	}
	if fmt.Sprint(in[RowMask].Data) != "[1 0]" || fmt.Sprint(in[InputVQATargets].Data) != "[1 0.3 0 0 0 0]" {
		t.Errorf("row mask %v targets %v", in[RowMask].Data, in[InputVQATargets].Data)
	}
	if fmt.Sprint(batches[0].Inputs[InputVQATargets].Data) != "[1 0.3 0 0 0 1]" {
		t.Errorf("batch 0 targets %v", batches[0].Inputs[InputVQATargets].Data)
	}
	// pixels: row 0 of the last batch is image 1 = (0, 128, 255); (x/255 - mean)/std per channel
	pix := in[InputPixels].Data.([]float32)
	for c, u := range []float64{0, 128, 255} {
		want := (u/255 - imageproc.ClipMean[c]) / imageproc.ClipStd[c]
		for _, at := range []int{0, 64*64 - 1} {
			if got := float64(pix[c*64*64+at]); math.Abs(got-want) > 1e-5 {
				t.Errorf("channel %d pixel %d: %v, want %v", c, at, got, want)
			}
		}
		if pix[3*64*64+c*64*64+100] != 0 {
			t.Error("padding row has pixels")
		}
	}
	// after io.EOF the next call starts epoch 1
	b, err := l.NextBatch(ctx)
	must(t, err)
	if b.Pos != (Position{Epoch: 1}) || fmt.Sprint(b.Examples) != "[0 1]" {
		t.Errorf("after EOF: %+v %v", b.Pos, b.Examples)
	}
}

// collect takes n batches from a loader.
func collect(t *testing.T, l *Loader, n int) []*Batch {
	t.Helper()
	var out []*Batch
	for len(out) < n {
		b, err := l.NextBatch(context.Background())
		must(t, err)
		out = append(out, b)
	}
	return out
}

func sameBatches(t *testing.T, what string, a, b []*Batch) {
	t.Helper()
	for i := range a {
		if fmt.Sprint(a[i].Examples) != fmt.Sprint(b[i].Examples) || a[i].Pos != b[i].Pos {
			t.Fatalf("%s: batch %d: %v at %+v vs %v at %+v", what, i, a[i].Examples, a[i].Pos, b[i].Examples, b[i].Pos)
		}
		for name, x := range a[i].Inputs {
			if !x.Identical(b[i].Inputs[name]) {
				t.Fatalf("%s: batch %d: input %s differs", what, i, name)
			}
		}
	}
}

func TestLoaderShuffleResumeAndWorkers(t *testing.T) {
	ds, v := vqaFixture(t, 7)
	tok := testTokenizer(t)
	opt := LoaderOptions{BatchSize: 3, TextLen: 6, Labels: v, Shuffle: true, Seed: 11, Repeat: true, Workers: 4, Prefetch: 3}
	l, err := NewLoader(ds, tok, imageConfig64(), opt)
	must(t, err)
	full := collect(t, l, 9) // three epochs of three batches
	l.Close()
	// each epoch is a permutation of the seven rows, padded with two masked rows
	var orders []string
	for e := 0; e < 3; e++ {
		seen := map[int]bool{}
		var order []int
		for _, b := range full[e*3 : e*3+3] {
			for _, x := range b.Examples {
				if x >= 0 {
					seen[x] = true
					order = append(order, x)
				}
			}
		}
		if len(seen) != 7 || len(order) != 7 {
			t.Fatalf("epoch %d: %v", e, order)
		}
		orders = append(orders, fmt.Sprint(order))
	}
	if orders[0] == orders[1] && orders[1] == orders[2] {
		t.Errorf("three epochs in the same order %v", orders[0])
	}
	// resume after 4 batches in a loader built with another seed and one worker
	a, _ := NewLoader(ds, tok, imageConfig64(), opt)
	first := collect(t, a, 4)
	state := a.State()
	a.Close()
	opt2 := opt
	opt2.Seed, opt2.Workers, opt2.Prefetch = 999, 1, 1
	r, _ := NewLoader(ds, tok, imageConfig64(), opt2)
	must(t, r.Restore(state))
	rest := collect(t, r, 5)
	r.Close()
	sameBatches(t, "resumed", full, append(first, rest...))
	// a cancelled call loses no batch: the next one is batch 4 of the uninterrupted run
	c, _ := NewLoader(ds, tok, imageConfig64(), opt)
	got := collect(t, c, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.NextBatch(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	got = append(got, collect(t, c, 5)...)
	c.Close()
	sameBatches(t, "after a cancelled call", full, got)
	// a state saved for another batch size is refused
	opt3 := opt
	opt3.BatchSize = 2
	o, _ := NewLoader(ds, tok, imageConfig64(), opt3)
	if err := o.Restore(state); err == nil || !strings.Contains(err.Error(), "batch size 3") {
		t.Errorf("restore with another batch size: %v", err)
	}
}

func TestLoaderBadImage(t *testing.T) {
	ds, v := vqaFixture(t, 4)
	// row 2 (line 3) points to image 2, which is now not an image
	must(t, os.WriteFile(ds.Examples[2].Image, []byte("not a png"), 0o644))
	tok := testTokenizer(t)
	l, _ := NewLoader(ds, tok, imageConfig64(), LoaderOptions{BatchSize: 4, TextLen: 6, Labels: v})
	_, err := l.NextBatch(context.Background())
	if err == nil || !strings.Contains(err.Error(), "train.jsonl:3") {
		t.Errorf("bad image error %v, want the file and line", err)
	}
	l.Close()
	l, _ = NewLoader(ds, tok, imageConfig64(), LoaderOptions{BatchSize: 4, TextLen: 6, Labels: v, SkipBad: true})
	b, err := l.NextBatch(context.Background())
	must(t, err)
	l.Close()
	if b.Skipped != 1 || l.Skipped() != 1 || fmt.Sprint(b.Inputs[RowMask].Data) != "[1 1 0 1]" || b.Rows != 3 {
		t.Errorf("skipped %d/%d row mask %v", b.Skipped, l.Skipped(), b.Inputs[RowMask].Data)
	}
}

func TestLoaderRetrievalAndClassification(t *testing.T) {
	dir := t.TempDir()
	var lines, cls []string
	for i := 0; i < 6; i++ {
		writeSolidPNG(t, filepath.Join(dir, fmt.Sprintf("%d.png", i)), 64, 64, colours[i%3])
		lines = append(lines, fmt.Sprintf(`{"image": "%d.png", "caption": "c%d"}`, i, i))
		cls = append(cls, fmt.Sprintf(`{"image": "%d.png", "text": "t%d", "label": "%s"}`, i, i, []string{"no", "yes"}[i%2]))
	}
	writeLines(t, filepath.Join(dir, "r.jsonl"), lines...)
	writeLines(t, filepath.Join(dir, "c.jsonl"), cls...)
	tok := testTokenizer(t)
	ds, err := ReadJSONL(filepath.Join(dir, "r.jsonl"), TaskRetrieval, ReadOptions{})
	must(t, err)
	l, err := NewLoader(ds, tok, imageConfig64(), LoaderOptions{BatchSize: 6, TextLen: 5, ITMNegatives: 0.5, Repeat: true, Seed: 3})
	must(t, err)
	negatives := 0
	for _, b := range collect(t, l, 6) {
		labels := b.Inputs[InputITMLabels].Data.([]int64)
		ids := b.Inputs[InputIDs].Data.([]int64)
		for r := range b.Examples {
			pos := b.Texts[r] == b.Examples[r]
			if (labels[r] == 1) != pos {
				t.Fatalf("row %d: label %d for image %d text %d", r, labels[r], b.Examples[r], b.Texts[r])
			}
			// the caption "c<k>" encodes to <s> c k </s>: its third token is 4 + '0' + k
			if ids[r*5+2] != int64(4+'0'+b.Texts[r]) {
				t.Fatalf("row %d: caption tokens %v, want text %d", r, ids[r*5:r*5+5], b.Texts[r])
			}
			if !pos {
				negatives++
			}
		}
	}
	l.Close()
	if negatives < 6 || negatives > 30 {
		t.Errorf("%d negatives in 36 rows at rate 0.5", negatives)
	}
	cds, err := ReadJSONL(filepath.Join(dir, "c.jsonl"), TaskClassification, ReadOptions{})
	must(t, err)
	lv, _ := BuildLabelVocab(cds)
	cl, err := NewLoader(cds, tok, imageConfig64(), LoaderOptions{BatchSize: 4, TextLen: 5, Labels: lv, FloatDType: graph.F64})
	must(t, err)
	b := collect(t, cl, 2)
	cl.Close()
	if fmt.Sprint(b[0].Inputs[InputClassLabels].Data) != "[0 1 0 1]" || fmt.Sprint(b[1].Inputs[InputClassLabels].Data) != "[0 1 0 0]" {
		t.Errorf("class labels %v %v", b[0].Inputs[InputClassLabels].Data, b[1].Inputs[InputClassLabels].Data)
	}
	if b[1].Inputs[RowMask].DType != graph.F64 || b[1].Inputs[InputPixels].DType != graph.F64 {
		t.Error("F64 option ignored")
	}
	if _, err := NewLoader(cds, tok, imageConfig64(), LoaderOptions{BatchSize: 4, Labels: lv, ImageSize: 96}); err == nil || !strings.Contains(err.Error(), "crops 64x64, the model takes 96x96") {
		t.Errorf("image size mismatch: %v", err)
	}
	if _, err := NewLoader(cds, tok, imageConfig64(), LoaderOptions{BatchSize: 4}); err == nil {
		t.Error("classification without a label vocabulary accepted")
	}
}

// The loader is a train.Batches (the trainer's interface, repeated here: train imports no data).
var _ interface {
	Next(context.Context) (map[string]*graph.Tensor, error)
	State() []byte
	Restore([]byte) error
} = (*Loader)(nil)

// BenchmarkLoaderShapes measures rows per second through decoding, preprocessing and
// tokenization of the shapes set (64 px, batch 32, text 16), with the default workers.
func BenchmarkLoaderShapes(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "set")
	if _, err := GenerateShapes(dir, ShapesOptions{N: 1200, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	ds, err := ReadJSONL(filepath.Join(dir, "train.jsonl"), TaskVQA, ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	v, _ := LoadVocab(filepath.Join(dir, AnswersFile))
	l, err := NewLoader(ds, testTokenizer(b), imageConfig64(), LoaderOptions{BatchSize: 32, TextLen: 16, Labels: v, Shuffle: true, Repeat: true})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.NextBatch(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "rows/s")
}
