package data

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// Encoder is the part of *tokenizer.Tokenizer the loader uses.
type Encoder interface {
	Encode(text string, opt tokenizer.Options) (tokenizer.Encoding, error)
}

// LoaderOptions configure a Loader.
type LoaderOptions struct {
	BatchSize int  // B, required
	TextLen   int  // T: texts are truncated and padded to T tokens; 0 = 50 (40 for retrieval), as BridgeTower
	Shuffle   bool // a new permutation per epoch, from (Seed, epoch)
	Seed      uint64
	// Repeat: after the last batch of an epoch Next goes on with the next epoch. Without it Next
	// returns io.EOF once at the end of each epoch (and the following call starts the next one).
	Repeat   bool
	Workers  int // goroutines decoding and preprocessing batches; 0 = min(4, GOMAXPROCS)
	Prefetch int // batches queued ahead of the consumer; 0 = Workers
	// SkipBad: a row whose image fails to decode becomes a masked row (row_mask 0) and is
	// counted in Batch.Skipped and Loader.Skipped, instead of failing the batch.
	SkipBad bool
	// Labels is the answer vocabulary (VQA) or label vocabulary (classification); required there.
	Labels *Vocab
	// ITMNegatives is, for retrieval, the probability that a row's caption is replaced by the
	// caption of another image (itm_labels 0); 0 keeps every pair (all labels 1).
	ITMNegatives float64
	// FloatDType of pixel_values, vqa_targets and row_mask: F32 (the zero value) or F64.
	FloatDType graph.DType
	// ImageSize, when not 0, is the model's vision_config.image_size: NewLoader fails unless
	// the image processor's crop is ImageSize × ImageSize.
	ImageSize int
}

// Loader yields fixed-shape batches of a dataset. Next/NextBatch are for one goroutine; the decoding runs
// in up to Workers background goroutines, at most Prefetch batches ahead.
type Loader struct {
	ds     *Dataset
	enc    Encoder
	img    imageproc.Config
	opt    LoaderOptions
	size   [2]int // image height, width
	padEnc tokenizer.Encoding

	pos     Position // next batch Next returns
	seed    uint64
	skipped int
	pipe    *pipeline

	orderMu sync.Mutex
	orders  map[int][]int // epoch → example order (the two most recent)
}

// Position is the data position of a loader: the next batch is batch Index of epoch Epoch.
type Position struct {
	Epoch int `json:"epoch"`
	Index int `json:"index"`
}

// NewLoader checks the options against the dataset (the label of every classification row must
// be in Labels unless SkipBad, which drops such rows) and returns a loader at epoch 0, batch 0.
// The image size is the crop size of img (which must crop: one size for every batch).
func NewLoader(ds *Dataset, enc Encoder, img imageproc.Config, opt LoaderOptions) (*Loader, error) {
	if ds == nil || len(ds.Examples) == 0 {
		return nil, fmt.Errorf("data: loader: empty dataset")
	}
	if opt.BatchSize <= 0 {
		return nil, fmt.Errorf("data: loader: batch size must be positive, got %d", opt.BatchSize)
	}
	if opt.TextLen == 0 {
		opt.TextLen = 50
		if ds.Task == TaskRetrieval {
			opt.TextLen = 40
		}
	}
	if opt.TextLen < 2 {
		return nil, fmt.Errorf("data: loader: text length %d leaves no room for <s> and </s>", opt.TextLen)
	}
	if opt.Workers <= 0 {
		opt.Workers = min(4, runtime.GOMAXPROCS(0))
	}
	if opt.Prefetch <= 0 {
		opt.Prefetch = opt.Workers
	}
	if opt.FloatDType == 0 {
		opt.FloatDType = graph.F32
	}
	if opt.FloatDType != graph.F32 && opt.FloatDType != graph.F64 {
		return nil, fmt.Errorf("data: loader: float dtype must be F32 or F64, got %v", opt.FloatDType)
	}
	if opt.ITMNegatives < 0 || opt.ITMNegatives > 1 {
		return nil, fmt.Errorf("data: loader: ITM negative rate %v outside [0, 1]", opt.ITMNegatives)
	}
	if err := img.Validate(); err != nil {
		return nil, fmt.Errorf("data: loader: %w", err)
	}
	if !img.DoCenterCrop {
		return nil, fmt.Errorf("data: loader: the image processor must center-crop (do_center_crop) for one image size per batch")
	}
	l := &Loader{ds: ds, enc: enc, img: img, opt: opt, seed: opt.Seed, orders: map[int][]int{}}
	l.size[0], l.size[1] = img.CropHeight, img.CropWidth
	if l.size[0] == 0 {
		l.size[0] = img.ShortestEdge
	}
	if l.size[1] == 0 {
		l.size[1] = img.ShortestEdge
	}
	if opt.ImageSize != 0 && (l.size[0] != opt.ImageSize || l.size[1] != opt.ImageSize) {
		return nil, fmt.Errorf("data: loader: the image processor crops %dx%d, the model takes %dx%d (vision_config.image_size)",
			l.size[1], l.size[0], opt.ImageSize, opt.ImageSize)
	}
	switch ds.Task {
	case TaskVQA, TaskClassification:
		if opt.Labels == nil {
			return nil, fmt.Errorf("data: loader: task %s needs a label vocabulary (LoaderOptions.Labels)", ds.Task)
		}
		if err := ds.CheckLabels(opt.Labels, opt.SkipBad); err != nil {
			return nil, err
		}
	case TaskRetrieval:
		if opt.ITMNegatives > 0 && distinctImages(ds) < 2 {
			return nil, fmt.Errorf("data: loader: ITM negatives need captions of at least two images")
		}
	default:
		return nil, fmt.Errorf("data: loader: unknown task %q", ds.Task)
	}
	var err error
	l.padEnc, err = enc.Encode("", tokenizer.Options{MaxLength: opt.TextLen, Padding: tokenizer.PadMaxLength})
	if err != nil {
		return nil, fmt.Errorf("data: loader: padding row: %w", err)
	}
	return l, nil
}

func distinctImages(ds *Dataset) int {
	seen := map[string]bool{}
	for _, e := range ds.Examples {
		seen[e.Image] = true
		if len(seen) > 1 {
			break
		}
	}
	return len(seen)
}

// BatchesPerEpoch is ceil(N / B); the last batch of an epoch is padded with masked rows.
func (l *Loader) BatchesPerEpoch() int {
	return (len(l.ds.Examples) + l.opt.BatchSize - 1) / l.opt.BatchSize
}

// Dataset returns the loader's dataset.
func (l *Loader) Dataset() *Dataset { return l.ds }

// Options returns the options with defaults filled in.
func (l *Loader) Options() LoaderOptions { return l.opt }

// ImageSize is the (height, width) of pixel_values.
func (l *Loader) ImageSize() (h, w int) { return l.size[0], l.size[1] }

// Position is the position of the batch the next call to Next returns.
func (l *Loader) Position() Position { return l.pos }

// Skipped is the number of rows masked so far because their image failed (SkipBad).
func (l *Loader) Skipped() int { return l.skipped }

// loaderState is State's JSON.
type loaderState struct {
	Epoch   int    `json:"epoch"`
	Index   int    `json:"index"`
	Seed    uint64 `json:"seed"`
	Shuffle bool   `json:"shuffle"`
	N       int    `json:"n"`
	Batch   int    `json:"batch_size"`
}

// State is the exact data position (epoch, batch index, shuffle seed) as JSON. A loader over
// the same dataset and batch size that Restores it yields the batches this one would yield next.
func (l *Loader) State() []byte {
	b, _ := json.Marshal(loaderState{Epoch: l.pos.Epoch, Index: l.pos.Index, Seed: l.seed,
		Shuffle: l.opt.Shuffle, N: len(l.ds.Examples), Batch: l.opt.BatchSize})
	return b
}

// Restore moves the loader to a position saved by State (its seed replaces Options.Seed). It
// fails when the state was saved for another number of rows, batch size or shuffling.
func (l *Loader) Restore(state []byte) error {
	var s loaderState
	if err := json.Unmarshal(state, &s); err != nil {
		return fmt.Errorf("data: loader state: %w", err)
	}
	switch {
	case s.N != len(l.ds.Examples):
		return fmt.Errorf("data: loader state is for %d rows, the dataset %s has %d", s.N, l.ds.Path, len(l.ds.Examples))
	case s.Batch != l.opt.BatchSize:
		return fmt.Errorf("data: loader state is for batch size %d, the loader has %d", s.Batch, l.opt.BatchSize)
	case s.Shuffle != l.opt.Shuffle:
		return fmt.Errorf("data: loader state has shuffle %v, the loader %v", s.Shuffle, l.opt.Shuffle)
	case s.Epoch < 0 || s.Index < 0 || s.Index > l.BatchesPerEpoch():
		return fmt.Errorf("data: loader state position epoch %d batch %d is out of range", s.Epoch, s.Index)
	}
	l.Close()
	l.seed = s.Seed
	l.pos = Position{Epoch: s.Epoch, Index: s.Index}
	if l.pos.Index == l.BatchesPerEpoch() {
		l.pos = Position{Epoch: s.Epoch + 1}
	}
	l.orderMu.Lock()
	l.orders = map[int][]int{}
	l.orderMu.Unlock()
	return nil
}

// Next returns the inputs of the next batch (NextBatch's Inputs), so that a Loader is a
// train.Batches. Without Repeat it returns io.EOF once after the last batch of each epoch.
func (l *Loader) Next(ctx context.Context) (map[string]*graph.Tensor, error) {
	b, err := l.NextBatch(ctx)
	if err != nil {
		return nil, err
	}
	return b.Inputs, nil
}

// NextBatch returns the next batch with its row bookkeeping. Without Repeat it returns io.EOF
// once after the last batch of each epoch (the following call starts the next epoch). The
// context cancels the wait.
func (l *Loader) NextBatch(ctx context.Context) (*Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.pipe == nil {
		l.pipe = l.start(l.pos)
	}
	// On cancellation the pipeline is dropped (a future taken from it would be lost), so
	// that the next call restarts at the unchanged position.
	var fut chan result
	var ok bool
	select {
	case fut, ok = <-l.pipe.futures:
	case <-ctx.Done():
		l.Close()
		return nil, ctx.Err()
	}
	if !ok { // end of the epoch without Repeat
		l.Close()
		return nil, io.EOF
	}
	var r result
	select {
	case r = <-fut:
	case <-ctx.Done():
		l.Close()
		return nil, ctx.Err()
	}
	if r.err != nil {
		l.Close() // the position stays at the failed batch
		return nil, r.err
	}
	l.pos = l.advance(l.pos)
	l.skipped += r.batch.Skipped
	return r.batch, nil
}

// Close stops the background goroutines; Next restarts them at the current position.
func (l *Loader) Close() {
	if l.pipe == nil {
		return
	}
	close(l.pipe.stop)
	l.pipe.wg.Wait()
	l.pipe = nil
}

func (l *Loader) advance(p Position) Position {
	p.Index++
	if p.Index >= l.BatchesPerEpoch() {
		p = Position{Epoch: p.Epoch + 1}
	}
	return p
}

type result struct {
	batch *Batch
	err   error
}

type pipeline struct {
	futures chan chan result
	stop    chan struct{}
	wg      sync.WaitGroup
}

// start launches the producer: it queues one future per batch in order (at most Prefetch
// waiting) and builds each on a worker slot (at most Workers at once).
func (l *Loader) start(from Position) *pipeline {
	p := &pipeline{futures: make(chan chan result, l.opt.Prefetch), stop: make(chan struct{})}
	sem := make(chan struct{}, l.opt.Workers)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.futures)
		for pos := from; ; {
			fut := make(chan result, 1)
			select {
			case p.futures <- fut:
			case <-p.stop:
				return
			}
			select {
			case sem <- struct{}{}:
			case <-p.stop:
				return
			}
			p.wg.Add(1)
			go func(pos Position) {
				defer p.wg.Done()
				defer func() { <-sem }()
				b, err := l.build(pos)
				fut <- result{b, err}
			}(pos)
			next := l.advance(pos)
			if !l.opt.Repeat && next.Epoch != pos.Epoch {
				return
			}
			pos = next
		}
	}()
	return p
}
