package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/model/imageproc"
)

// pixelObject is a shape found in an image's pixels, independently of the generator's scene.
type pixelObject struct {
	colour, shape string
	cx            float64
	area          int
}

// hueName names a saturated pixel's hue (degrees), or "" for a grey (background) pixel.
func hueName(r, g, b uint8) string {
	R, G, B := float64(r), float64(g), float64(b)
	mx, mn := math.Max(R, math.Max(G, B)), math.Min(R, math.Min(G, B))
	if mx-mn < 60 {
		return ""
	}
	var h float64
	switch mx {
	case R:
		h = math.Mod((G-B)/(mx-mn), 6) * 60
	case G:
		h = ((B-R)/(mx-mn) + 2) * 60
	default:
		h = ((R-G)/(mx-mn) + 4) * 60
	}
	if h < 0 {
		h += 360
	}
	switch {
	case h < 20 || h > 330:
		return "red"
	case h > 35 && h < 75:
		return "yellow"
	case h > 90 && h < 170:
		return "green"
	case h > 200 && h < 260:
		return "blue"
	}
	return "?"
}

// findObjects segments an image into 4-connected regions of one hue and names each region's
// shape by how much of its bounding box it fills (square ≈ 1, disc ≈ π/4, triangle ≈ ½).
func findObjects(t *testing.T, img *imageproc.Image) []pixelObject {
	w, h := img.Width, img.Height
	label := make([]string, w*h)
	for i := range label {
		label[i] = hueName(img.Pix[i*3], img.Pix[i*3+1], img.Pix[i*3+2])
	}
	seen := make([]bool, w*h)
	var objs []pixelObject
	for start := range label {
		if label[start] == "" || seen[start] {
			continue
		}
		stack := []int{start}
		seen[start] = true
		x0, y0, x1, y1, area, sx := w, h, -1, -1, 0, 0
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%w, p/w
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			area++
			sx += x
			for _, q := range []int{p - 1, p + 1, p - w, p + w} {
				if q < 0 || q >= w*h || (q == p-1 && x == 0) || (q == p+1 && x == w-1) {
					continue
				}
				if !seen[q] && label[q] == label[start] {
					seen[q] = true
					stack = append(stack, q)
				}
			}
		}
		if area < 10 {
			continue
		}
		fill := float64(area) / float64((x1-x0+1)*(y1-y0+1))
		shape := ""
		switch {
		case fill > 0.9:
			shape = "square"
		case fill > 0.68 && fill < 0.88:
			shape = "circle"
		case fill < 0.62:
			shape = "triangle"
		default:
			t.Fatalf("region of %s with fill %.3f fits no shape", label[start], fill)
		}
		if label[start] == "?" {
			t.Fatalf("region of %d pixels with a hue of no palette colour", area)
		}
		objs = append(objs, pixelObject{colour: label[start], shape: shape, cx: float64(sx) / float64(area), area: area})
	}
	return objs
}

var (
	reColour   = regexp.MustCompile(`^what (?:color is|is the color of) the (\w+)\?$`)
	reShape    = regexp.MustCompile(`^(?:what shape is the (\w+) object|which shape is (\w+))\?$`)
	reCount    = regexp.MustCompile(`^how many (?:shapes are there|objects are in the image)\?$`)
	reExist    = regexp.MustCompile(`^is there a (\w+) (\w+)\?$`)
	rePosition = regexp.MustCompile(`^is the (\w+) shape (left|right) of the (\w+) shape\?$`)
	reSide     = regexp.MustCompile(`^is the (\w+) shape on the left\?$`)
)

// answerFromPixels answers a question from the objects found in the pixels.
func answerFromPixels(t *testing.T, q string, objs []pixelObject, size int) string {
	unique := func(match func(o pixelObject) bool) pixelObject {
		var found []pixelObject
		for _, o := range objs {
			if match(o) {
				found = append(found, o)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%q: %d matching objects in %v", q, len(found), objs)
		}
		return found[0]
	}
	yesNo := func(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }
	if m := reColour.FindStringSubmatch(q); m != nil {
		return unique(func(o pixelObject) bool { return o.shape == m[1] }).colour
	}
	if m := reShape.FindStringSubmatch(q); m != nil {
		c := m[1] + m[2]
		return unique(func(o pixelObject) bool { return o.colour == c }).shape
	}
	if reCount.MatchString(q) {
		return fmt.Sprint(len(objs))
	}
	if m := reExist.FindStringSubmatch(q); m != nil {
		for _, o := range objs {
			if o.colour == m[1] && o.shape == m[2] {
				return "yes"
			}
		}
		return "no"
	}
	if m := rePosition.FindStringSubmatch(q); m != nil {
		a := unique(func(o pixelObject) bool { return o.colour == m[1] })
		b := unique(func(o pixelObject) bool { return o.colour == m[3] })
		if math.Abs(a.cx-b.cx) < 8 {
			t.Fatalf("%q: centres %.1f and %.1f are not clearly apart", q, a.cx, b.cx)
		}
		return yesNo((m[2] == "left") == (a.cx < b.cx))
	}
	if m := reSide.FindStringSubmatch(q); m != nil {
		a := unique(func(o pixelObject) bool { return o.colour == m[1] })
		if mid := float64(size) / 2; math.Abs(a.cx-mid) < 3 {
			t.Fatalf("%q: centre %.1f is not clearly off the middle %.1f", q, a.cx, mid)
		}
		return yesNo(a.cx < float64(size)/2)
	}
	t.Fatalf("question %q matches no template", q)
	return ""
}

// TestShapesAnswersFromPixels checks every answer of a generated set against the answer
// recomputed from the rendered PNG: hue segmentation, fill-ratio shapes, region centroids.
func TestShapesAnswersFromPixels(t *testing.T) {
	withSide := append(append([]string(nil), ShapeTypes...), TypeSide)
	for _, c := range []struct {
		n, size int
		types   []string
	}{{900, 64, ShapeTypes}, {60, 128, ShapeTypes}, {600, 64, withSide}} {
		dir := filepath.Join(t.TempDir(), "set")
		sum, err := GenerateShapes(dir, ShapesOptions{N: c.n, Seed: 7, Size: c.size, Types: c.types})
		must(t, err)
		if sum.TrainQuestions+sum.ValQuestions != c.n {
			t.Fatalf("%d questions, want %d", sum.TrainQuestions+sum.ValQuestions, c.n)
		}
		perType := map[string]map[string]int{}
		images := map[string][]pixelObject{}
		for _, split := range []string{"train.jsonl", "val.jsonl"} {
			ds, err := ReadJSONL(filepath.Join(dir, split), TaskVQA, ReadOptions{})
			must(t, err)
			for _, e := range ds.Examples {
				objs, ok := images[e.Image]
				if !ok {
					img, err := imageproc.DecodeFile(e.Image, 0)
					must(t, err)
					if img.Width != c.size || img.Height != c.size {
						t.Fatalf("%s is %dx%d", e.Image, img.Width, img.Height)
					}
					objs = findObjects(t, img)
					images[e.Image] = objs
				}
				want := answerFromPixels(t, e.Text, objs, c.size)
				if len(e.Answers) != 1 || e.Answers[0].Answer != want || e.Answers[0].Score != 1 {
					t.Fatalf("%s %q: answers %v, the pixels say %q (objects %v)", e.Source, e.Text, e.Answers, want, objs)
				}
				if perType[e.Type] == nil {
					perType[e.Type] = map[string]int{}
				}
				perType[e.Type][want]++
			}
		}
		if c.size != 64 {
			continue
		}
		// balance: types of equal size, answers within a type equal to ±2
		for _, typ := range c.types {
			m := perType[typ]
			total, lo, hi := 0, c.n, 0
			for _, a := range typeAnswers(typ) {
				total += m[a]
				lo, hi = min(lo, m[a]), max(hi, m[a])
			}
			share := c.n / len(c.types)
			if total < share-2 || total > share+2 || hi-lo > 2 || len(m) != len(typeAnswers(typ)) {
				t.Errorf("type %s: %v", typ, m)
			}
		}
		t.Logf("size %d: %d images, answers %v", c.size, len(images), perType)
	}
}

func hashDir(t *testing.T, dir string) string {
	h := sha256.New()
	var names []string
	must(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			names = append(names, p)
		}
		return err
	}))
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(n)
		must(t, err)
		rel, _ := filepath.Rel(dir, n)
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestShapesDeterministicAndRefusesOverwrite(t *testing.T) {
	root := t.TempDir()
	gen := func(name string, seed uint64, workers int) string {
		d := filepath.Join(root, name)
		_, err := GenerateShapes(d, ShapesOptions{N: 60, Seed: seed, Workers: workers})
		must(t, err)
		return hashDir(t, d)
	}
	a, b, c := gen("a", 1, 1), gen("b", 1, 3), gen("c", 2, 2)
	if a != b {
		t.Error("same seed, different output")
	}
	if a == c {
		t.Error("different seeds, same output")
	}
	_, err := GenerateShapes(filepath.Join(root, "a"), ShapesOptions{N: 60, Seed: 1})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("overwrite: %v", err)
	}
	empty := filepath.Join(root, "empty")
	must(t, os.Mkdir(empty, 0o755))
	_, err = GenerateShapes(empty, ShapesOptions{N: 30, Seed: 1})
	must(t, err)
	readme, err := os.ReadFile(filepath.Join(empty, "README.md"))
	must(t, err)
	if !bytes.Contains(readme, []byte("Majority-answer baseline")) {
		t.Error("README without the baseline")
	}
	if _, err := LoadVocab(filepath.Join(empty, AnswersFile)); err != nil {
		t.Error(err)
	}
	// no temporary files are left behind
	must(t, filepath.Walk(empty, func(p string, info os.FileInfo, err error) error {
		if strings.Contains(filepath.Base(p), ".tmp") {
			t.Errorf("temporary file %s left", p)
		}
		return err
	}))
}

func TestShapesTypesOption(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "set")
	_, err := GenerateShapes(dir, ShapesOptions{N: 40, Seed: 3, PerImage: 2, Types: []string{"count", "color", "count"}})
	must(t, err)
	ds, err := ReadJSONL(filepath.Join(dir, "train.jsonl"), TaskVQA, ReadOptions{})
	must(t, err)
	n := map[string]int{}
	for _, e := range ds.Examples {
		n[e.Type]++
	}
	if len(n) != 2 || n["count"] == 0 || n["color"] == 0 {
		t.Errorf("types %v, want count and color only", n)
	}
	_, err = GenerateShapes(filepath.Join(t.TempDir(), "x"), ShapesOptions{N: 40, Types: []string{"size"}})
	if err == nil || !strings.Contains(err.Error(), `unknown question type "size"`) {
		t.Errorf("unknown type: %v", err)
	}
	_, err = GenerateShapes(filepath.Join(t.TempDir(), "y"), ShapesOptions{N: 40, PerImage: 3, Types: []string{"count", "color"}})
	if err == nil || !strings.Contains(err.Error(), "questions per image") {
		t.Errorf("3 per image of 2 types: %v", err)
	}
}

// TestShapesQuestionWords pins the README's claim: at most 9 words, 27 distinct, each a single
// token of RoBERTa's vocabulary (GPT-2's encoder.json, kept in model/tokenizer/testdata).
func TestShapesQuestionWords(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "set")
	_, err := GenerateShapes(dir, ShapesOptions{N: 600, Seed: 9})
	must(t, err)
	f, err := os.Open(filepath.Join("..", "..", "model", "tokenizer", "testdata", "gpt2", "encoder.json.gz"))
	must(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	must(t, err)
	var vocab map[string]int
	must(t, json.NewDecoder(zr).Decode(&vocab))
	words, longest := map[string]bool{}, 0
	for _, split := range []string{"train.jsonl", "val.jsonl"} {
		ds, err := ReadJSONL(filepath.Join(dir, split), TaskVQA, ReadOptions{})
		must(t, err)
		for _, e := range ds.Examples {
			ws := strings.Fields(strings.TrimSuffix(e.Text, "?"))
			longest = max(longest, len(ws))
			for i, w := range ws {
				if i > 0 {
					w = "Ġ" + w // GPT-2's byte-level space
				}
				words[w] = true
				if _, ok := vocab[w]; !ok {
					t.Errorf("%q is not one token", w)
				}
			}
		}
	}
	if longest != 9 || len(words) != 27 {
		t.Errorf("longest question %d words, %d distinct words; the README says 9 and 27", longest, len(words))
	}
}
