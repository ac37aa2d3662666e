package cli

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// textFlags let bt preprocess also tokenize one text per image, so that its output is a complete
// input file for bt forward.
var textFlags = []cli.Flag{
	&cli.StringSliceFlag{Name: "text", Usage: "a text for the images (once for all, or once per image, in order); adds input_ids and attention_mask"},
	&cli.PathFlag{Name: "tokenizer", Usage: "with --text: tokenizer directory (default: --model DIR)"},
	&cli.IntFlag{Name: "max-length", Usage: "with --text: truncate and pad to N tokens (default: pad to the longest text)"},
}

// textInputs tokenizes --text for n images into input_ids and attention_mask (I64 [B,T]), or
// returns nil when no text is given.
func textInputs(c *cli.Context, n int) (map[string]*graph.Tensor, error) {
	texts := c.StringSlice("text")
	if len(texts) == 0 {
		for _, f := range []string{"tokenizer", "max-length"} {
			if c.IsSet(f) {
				return nil, fmt.Errorf("preprocess: --%s without --text", f)
			}
		}
		return nil, nil
	}
	switch len(texts) {
	case 1:
		for len(texts) < n {
			texts = append(texts, texts[0])
		}
	case n:
	default:
		return nil, fmt.Errorf("preprocess: %d --text values for %d images (give one for all, or one per image)", len(texts), n)
	}
	dir := c.Path("tokenizer")
	if dir == "" && c.Path("model") != "" {
		m, err := resolveModel(c, c.Path("model"))
		if err != nil {
			return nil, fmt.Errorf("preprocess: --model: %w", err)
		}
		dir = m.Dir
	}
	if dir == "" {
		return nil, fmt.Errorf("preprocess: --text needs --tokenizer DIR (or --model DIR with tokenizer files)")
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("preprocess: --tokenizer: %w", err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("preprocess: %w", err)
	}
	opt := tokenizer.Options{Padding: tokenizer.PadLongest}
	if m := c.Int("max-length"); c.IsSet("max-length") {
		if m < 2 {
			return nil, fmt.Errorf("preprocess: --max-length %d: want at least 2 (room for <s> and </s>)", m)
		}
		opt.MaxLength, opt.Padding = m, tokenizer.PadMaxLength
	}
	encs, err := tok.EncodeBatch(texts, nil, opt)
	if err != nil {
		return nil, fmt.Errorf("preprocess: %w", err)
	}
	ids, mask, err := tokenizer.BatchTensors(encs)
	if err != nil {
		return nil, fmt.Errorf("preprocess: %w", err)
	}
	return map[string]*graph.Tensor{"input_ids": ids, "attention_mask": mask}, nil
}
