package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// Input names of a batch (the model's input names; RowMask is the training input added for
// padded batches).
const (
	InputIDs         = "input_ids"      // I64 [B, T]
	InputMask        = "attention_mask" // I64 [B, T], 1 token / 0 padding
	InputPixels      = "pixel_values"   // F [B, 3, H, W]
	InputVQATargets  = "vqa_targets"    // F [B, A] soft scores
	InputClassLabels = "class_labels"   // I64 [B]
	InputITMLabels   = "itm_labels"     // I64 [B], 1 = the caption belongs to the image
	RowMask          = "row_mask"       // F [B], 1 real row / 0 padding (or a skipped bad row)
)

// Batch is one fixed-shape batch.
type Batch struct {
	// Inputs by model input name: input_ids, attention_mask, pixel_values, row_mask, and
	// vqa_targets (VQA), class_labels (classification) or itm_labels (retrieval).
	Inputs map[string]*graph.Tensor
	// Examples holds per row the dataset index of the image (and of the text unless Texts
	// says otherwise), -1 for a padding row.
	Examples []int
	// Texts holds per row the dataset index of the text: differs from Examples on retrieval
	// negatives; -1 for a padding row.
	Texts   []int
	Rows    int      // real rows (the sum of row_mask)
	Skipped int      // rows masked because their image failed to decode (SkipBad)
	Pos     Position // which batch this is
}

// order returns the example order of an epoch: 0..N-1, or a Fisher–Yates permutation driven by
// PCG(seed, epoch) (written here so that it never changes with the Go version).
func (l *Loader) order(epoch int) []int {
	l.orderMu.Lock()
	defer l.orderMu.Unlock()
	if o, ok := l.orders[epoch]; ok {
		return o
	}
	n := len(l.ds.Examples)
	o := make([]int, n)
	for i := range o {
		o[i] = i
	}
	if l.opt.Shuffle {
		r := rand.New(rand.NewPCG(l.seed, uint64(epoch)))
		for i := n - 1; i > 0; i-- {
			j := int(r.Uint64() % uint64(i+1))
			o[i], o[j] = o[j], o[i]
		}
	}
	for e := range l.orders { // keep the two most recent epochs (batches in flight span at most two)
		if e < epoch-1 {
			delete(l.orders, e)
		}
	}
	l.orders[epoch] = o
	return o
}

// negativeText draws, for retrieval, the caption paired with example idx at an epoch: itself
// (label 1) or, with probability ITMNegatives, a caption of another image (label 0). The draw
// depends only on (seed, epoch, idx).
func (l *Loader) negativeText(epoch, idx int) (text int, label int64) {
	if l.opt.ITMNegatives == 0 {
		return idx, 1
	}
	r := rand.New(rand.NewPCG(l.seed^0x9e3779b97f4a7c15, uint64(epoch)<<32|uint64(idx)))
	if r.Float64() >= l.opt.ITMNegatives {
		return idx, 1
	}
	n := uint64(len(l.ds.Examples))
	for {
		j := int(r.Uint64() % n)
		if l.ds.Examples[j].Image != l.ds.Examples[idx].Image {
			return j, 0
		}
	}
}

// build assembles the batch at a position.
func (l *Loader) build(pos Position) (*Batch, error) {
	B, T := l.opt.BatchSize, l.opt.TextLen
	H, W := l.size[0], l.size[1]
	order := l.order(pos.Epoch)
	b := &Batch{Inputs: map[string]*graph.Tensor{}, Examples: make([]int, B), Texts: make([]int, B), Pos: pos}
	ids := make([]int64, B*T)
	mask := make([]int64, B*T)
	pix := make([]float32, B*3*H*W)
	rowMask := make([]float32, B)
	var targets []float32
	var labels []int64
	switch l.ds.Task {
	case TaskVQA:
		targets = make([]float32, B*l.opt.Labels.Len())
	case TaskClassification, TaskRetrieval:
		labels = make([]int64, B)
	}
	for r := 0; r < B; r++ {
		k := pos.Index*B + r
		idx, text := -1, -1
		if k < len(order) {
			idx = order[k]
			text = idx
		}
		enc := l.padEnc
		if idx >= 0 {
			ex := &l.ds.Examples[idx]
			if l.ds.Task == TaskRetrieval {
				text, labels[r] = l.negativeText(pos.Epoch, idx)
			}
			if err := l.image(ex, pix[r*3*H*W:(r+1)*3*H*W]); err != nil {
				if !l.opt.SkipBad {
					return nil, err
				}
				b.Skipped++
				idx, text = -1, -1
				clear(pix[r*3*H*W : (r+1)*3*H*W])
			}
		}
		if idx >= 0 {
			ex := &l.ds.Examples[idx]
			var err error
			enc, err = l.enc.Encode(l.ds.Examples[text].Text, tokenizer.Options{MaxLength: T, Padding: tokenizer.PadMaxLength})
			if err == nil && len(enc.IDs) != T {
				err = fmt.Errorf("encoded to %d tokens, want %d", len(enc.IDs), T)
			}
			if err != nil {
				return nil, fmt.Errorf("data: %s: text: %v", l.ds.Examples[text].Source, err)
			}
			rowMask[r] = 1
			b.Rows++
			switch l.ds.Task {
			case TaskVQA:
				row := targets[r*l.opt.Labels.Len():]
				for _, a := range ex.Answers {
					if id, ok := l.opt.Labels.ID(a.Answer); ok {
						row[id] = float32(a.Score)
					}
				}
			case TaskClassification:
				id, _ := l.opt.Labels.ID(ex.Label) // checked by NewLoader
				labels[r] = int64(id)
			}
		} else if labels != nil {
			labels[r] = 0 // a valid index; the row is masked
		}
		b.Examples[r], b.Texts[r] = idx, text
		for t := 0; t < T; t++ {
			ids[r*T+t] = int64(enc.IDs[t])
			mask[r*T+t] = int64(enc.AttentionMask[t])
		}
	}
	b.Inputs[InputIDs] = graph.FromInt64(graph.Shape{B, T}, ids)
	b.Inputs[InputMask] = graph.FromInt64(graph.Shape{B, T}, mask)
	b.Inputs[InputPixels] = l.float(graph.Shape{B, 3, H, W}, pix)
	b.Inputs[RowMask] = l.float(graph.Shape{B}, rowMask)
	switch l.ds.Task {
	case TaskVQA:
		b.Inputs[InputVQATargets] = l.float(graph.Shape{B, l.opt.Labels.Len()}, targets)
	case TaskClassification:
		b.Inputs[InputClassLabels] = graph.FromInt64(graph.Shape{B}, labels)
	case TaskRetrieval:
		b.Inputs[InputITMLabels] = graph.FromInt64(graph.Shape{B}, labels)
	}
	return b, nil
}

// float wraps F32 data, converted to F64 when the loader's float dtype asks for it.
func (l *Loader) float(shape graph.Shape, v []float32) *graph.Tensor {
	if l.opt.FloatDType == graph.F64 {
		d := make([]float64, len(v))
		for i, x := range v {
			d[i] = float64(x)
		}
		return graph.FromFloat64(shape, d)
	}
	return graph.FromFloat32(shape, v)
}

// image decodes and preprocesses one example's image into dst ([3, H, W]).
func (l *Loader) image(ex *Example, dst []float32) error {
	img, err := imageproc.DecodeFile(ex.Image, l.img.MaxPixels)
	if err != nil {
		return fmt.Errorf("data: %s: %v", ex.Source, err)
	}
	pb, err := l.img.Preprocess([]*imageproc.Image{img})
	if err != nil {
		return fmt.Errorf("data: %s: %s: %v", ex.Source, ex.Image, err)
	}
	if s := pb.PixelValues.Shape; s[2] != l.size[0] || s[3] != l.size[1] {
		return fmt.Errorf("data: %s: %s preprocesses to %dx%d, the batches are %dx%d", ex.Source, ex.Image, s[3], s[2], l.size[1], l.size[0])
	}
	copy(dst, pb.PixelValues.Data.([]float32))
	return nil
}
