package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/progress"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// modelFlag is --model of the commands that run a model: a directory with config.json, weights,
// tokenizer files and preprocessor_config.json (BT_MODEL when not given).
var modelFlag = &cli.StringFlag{Name: "model", Aliases: []string{"m"}, EnvVars: []string{"BT_MODEL"},
	Usage: "model directory (config.json, weights, tokenizer, preprocessor_config.json)"}

// session is a loaded model ready to run on texts and images: config, weights, tokenizer, image
// preprocessing and compiled runners by batch shape, so that several inputs reuse one load.
type session struct {
	dir     string
	cfg     *model.Config
	weights *model.Weights
	tok     *tokenizer.Tokenizer
	img     imageproc.Config
	backend graph.Backend
	maxText int // the longest text the position embeddings allow (special tokens included)
	runners map[string]*model.Runner
}

// openSession loads --model for command cmd (used in error messages). The tokenizer is required.
func openSession(c *cli.Context, cmd string) (*session, error) {
	if c.String("model") == "" {
		return nil, usagef("%s: --model is required (a model directory, a hub id ORG/NAME, or set BT_MODEL)", cmd)
	}
	m, err := resolveModel(c, c.String("model"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	dir := m.Dir
	cfg, err := loadModelConfig("--model", dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	backend, err := openDevice(c, cmd)
	if err != nil {
		return nil, err
	}
	s := &session{dir: dir, cfg: cfg, backend: backend, runners: map[string]*model.Runner{},
		maxText: cfg.Text.MaxPositionEmbeddings - 2}
	if s.tok, err = tokenizer.Load(dir); err != nil {
		return nil, fmt.Errorf("%s: --model %s has no usable tokenizer: %w", cmd, dir, err)
	}
	if v := s.tok.VocabSize(); v > cfg.Text.VocabSize {
		fmt.Fprintf(c.App.ErrWriter, "bt: %s: note: the tokenizer has %d tokens, the model %d; texts with larger ids are refused\n", cmd, v, cfg.Text.VocabSize)
	}
	if s.img, err = imageproc.LoadConfig(dir); err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	if !hasFile(dir, imageproc.PreprocessorConfigFile) {
		s.img.ShortestEdge = cfg.Vision.ImageSize
	}
	if h, w := s.img.CropSize(); !s.img.DoCenterCrop || h != cfg.Vision.ImageSize || w != cfg.Vision.ImageSize {
		return nil, fmt.Errorf("%s: %s: preprocessing gives %d×%d images (crop %v) but the model takes %d×%d (vision_config.image_size)",
			cmd, filepath.Join(dir, imageproc.PreprocessorConfigFile), h, w, s.img.DoCenterCrop, cfg.Vision.ImageSize, cfg.Vision.ImageSize)
	}
	spin := progress.Start(c.App.ErrWriter, "loading "+dir)
	s.weights, err = model.OpenWeights(m.Weights)
	spin.Stop()
	if err != nil {
		return nil, fmt.Errorf("%s: --model: %w", cmd, err)
	}
	return s, nil
}

func hasFile(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// Close releases the weights.
func (s *session) Close() error { return s.weights.Close() }

// has reports whether the checkpoint carries every parameter of head h (and the config allows it).
func (s *session) has(h model.Head) bool {
	if model.CheckHead(s.cfg, h) != nil {
		return false
	}
	specs, err := model.ParamInfos(s.cfg)
	if err != nil {
		return false
	}
	n := 0
	for _, p := range specs {
		if p.Group == model.HeadGroup(h) {
			if !s.weights.Has(p.Name) {
				return false
			}
			n++
		}
	}
	return n > 0
}

// images decodes and preprocesses image files: pixel_values [N 3 S S].
func (s *session) images(paths []string) (*graph.Tensor, error) {
	imgs := make([]*imageproc.Image, len(paths))
	for i, p := range paths {
		img, err := imageproc.DecodeFile(p, s.img.MaxPixels)
		if err != nil {
			return nil, err
		}
		imgs[i] = img
	}
	b, err := s.img.Preprocess(imgs)
	if err != nil {
		return nil, err
	}
	return b.PixelValues, nil
}

// texts tokenizes texts padded to the longest: input_ids and attention_mask [N T]. A text longer
// than the model's positions is an error naming it.
func (s *session) texts(texts []string) (ids, mask *graph.Tensor, err error) {
	encs, err := s.tok.EncodeBatch(texts, nil, tokenizer.Options{Padding: tokenizer.PadLongest})
	if err != nil {
		return nil, nil, err
	}
	for i, e := range encs {
		if len(e.IDs) > s.maxText {
			return nil, nil, fmt.Errorf("text %d (%q) has %d tokens; the model takes at most %d", i+1, clipText(texts[i]), len(e.IDs), s.maxText)
		}
		for _, id := range e.IDs {
			if id >= s.cfg.Text.VocabSize {
				return nil, nil, fmt.Errorf("text %d (%q) has token id %d, outside the model's vocabulary of %d", i+1, clipText(texts[i]), id, s.cfg.Text.VocabSize)
			}
		}
	}
	return tokenizer.BatchTensors(encs)
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// run computes outputs for a batch; runners are compiled once per (batch, text length, heads,
// outputs) and reused.
func (s *session) run(ctx context.Context, heads []model.Head, outputs []string, inputs map[string]*graph.Tensor) (map[string]*graph.Tensor, error) {
	b, t := 0, 1 // an image-only run still builds a text input, unused
	if ids := inputs[model.InputIDs]; ids != nil {
		b, t = ids.Shape[0], ids.Shape[1]
	} else if px := inputs[model.InputPixels]; px != nil {
		b = px.Shape[0]
	}
	names := make([]string, len(heads))
	for i, h := range heads {
		names[i] = string(h)
	}
	key := fmt.Sprintf("%d/%d/%s/%s", b, t, strings.Join(names, ","), strings.Join(outputs, ","))
	r := s.runners[key]
	if r == nil {
		m, err := model.Build(s.cfg, model.BuildOptions{Batch: b, TextLen: t, Heads: heads})
		if err != nil {
			return nil, err
		}
		bound, err := m.Bind(s.weights)
		if err != nil {
			return nil, err
		}
		if r, err = m.Compile(s.backend, bound, outputs...); err != nil {
			return nil, err
		}
		s.runners[key] = r
	}
	return r.Run(ctx, inputs)
}
