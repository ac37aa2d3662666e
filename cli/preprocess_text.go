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
// maxText bounds --max-length (the model's position limit; 0: the tokenizer's or maxTextCap).
func textInputs(c *cli.Context, n, maxText int) (map[string]*graph.Tensor, error) {
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
			return nil, usagef("preprocess: --max-length %d: want at least 2 (room for <s> and </s>)", m)
		}
		if err := checkMaxLength("preprocess", m, maxText, tok); err != nil {
			return nil, err
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

// maxTextCap bounds --max-length when neither the model nor the tokenizer gives a limit.
const maxTextCap = 65536

// checkMaxLength refuses a --max-length beyond the model's position limit (maxText > 0), else
// beyond the tokenizer's model_max_length, else beyond maxTextCap: the padded batch is
// allocated from it.
func checkMaxLength(cmd string, m, maxText int, tok *tokenizer.Tokenizer) error {
	limit, what := maxText, "the model's position embeddings allow"
	if limit <= 0 && tok != nil && tok.ModelMaxLength() > 0 && tok.ModelMaxLength() < maxTextCap {
		limit, what = tok.ModelMaxLength(), "the tokenizer's model_max_length is"
	}
	if limit <= 0 {
		limit, what = maxTextCap, "bt's limit is"
	}
	if m > limit {
		return usagef("%s: --max-length %d is too long: %s %d", cmd, m, what, limit)
	}
	return nil
}
