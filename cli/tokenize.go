package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/internal/jsonerr"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

func init() {
	register(&cli.Command{
		Name:      "tokenize",
		Usage:     "tokenize lines of stdin with a RoBERTa tokenizer, as Hugging Face does",
		ArgsUsage: "--tokenizer DIR [--no-special] [--max-length N] [--no-padding] [--jsonl] < input",
		Description: "Reads DIR/tokenizer.json, or DIR/vocab.json + merges.txt (+ special_tokens_map.json,\n" +
			"tokenizer_config.json), then one text per line of stdin; with --jsonl each line is a JSON object\n" +
			"with \"text\" and optionally \"text_pair\". Prints one JSON object per input:\n" +
			"{\"ids\": [...], \"tokens\": [...]}, plus \"attention_mask\" when padding. --max-length N truncates\n" +
			"(longest_first for pairs) and pads to N with <pad> unless --no-padding. Blank JSONL lines are skipped.",
		Flags: []cli.Flag{
			&cli.PathFlag{Name: "tokenizer", Usage: "tokenizer directory (a model snapshot)", Required: true},
			&cli.BoolFlag{Name: "no-special", Usage: "do not add <s> and </s>"},
			&cli.IntFlag{Name: "max-length", Usage: "truncate to N tokens and pad to N (0: neither)"},
			&cli.BoolFlag{Name: "no-padding", Usage: "with --max-length: truncate only"},
			&cli.BoolFlag{Name: "jsonl", Usage: "stdin lines are JSON objects {\"text\": ..., \"text_pair\": ...}"},
		},
		Action: runTokenize,
	})
}

type tokenizeOutput struct {
	IDs           []int    `json:"ids"`
	Tokens        []string `json:"tokens"`
	AttentionMask []int    `json:"attention_mask,omitempty"`
}

func runTokenize(c *cli.Context) error {
	if c.NArg() != 0 {
		return usagef("tokenize: unexpected arguments %v (texts come from stdin)", c.Args().Slice())
	}
	tok, err := tokenizer.Load(c.Path("tokenizer"))
	if err != nil {
		return fmt.Errorf("tokenize: --tokenizer: %w", err)
	}
	opt := tokenizer.Options{NoSpecialTokens: c.Bool("no-special"), MaxLength: c.Int("max-length")}
	if opt.MaxLength < 0 {
		return usagef("tokenize: --max-length %d is negative", opt.MaxLength)
	}
	if err := checkMaxLength("tokenize", opt.MaxLength, 0, tok); err != nil {
		return err
	}
	if opt.MaxLength > 0 && !c.Bool("no-padding") {
		opt.Padding = tokenizer.PadMaxLength
	}
	if _, err := tok.Encode("", opt); err != nil { // bad --max-length: say so before reading stdin
		return fmt.Errorf("tokenize: --max-length: %w", err)
	}
	in := c.App.Reader
	if in == nil {
		return errors.New("tokenize: no standard input")
	}
	out := bufio.NewWriter(c.App.Writer)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	r := bufio.NewReader(in)
	jsonl := c.Bool("jsonl")
	for line := 1; ; line++ {
		s, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("tokenize: stdin line %d: %w", line, err)
		}
		if s == "" && err == io.EOF {
			break
		}
		s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
		if e := tokenizeLine(tok, enc, s, line, jsonl, opt); e != nil {
			return e
		}
		if err == io.EOF {
			break
		}
	}
	return out.Flush()
}

func tokenizeLine(tok *tokenizer.Tokenizer, enc *json.Encoder, s string, line int, jsonl bool, opt tokenizer.Options) error {
	var (
		e   tokenizer.Encoding
		err error
	)
	if jsonl {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		var in struct {
			Text     *string `json:"text"`
			TextPair *string `json:"text_pair"`
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		if err := dec.Decode(&in); err != nil {
			return fmt.Errorf("tokenize: stdin line %d: %s", line, jsonerr.Describe(err))
		}
		if in.Text == nil {
			return fmt.Errorf("tokenize: stdin line %d: no \"text\" field", line)
		}
		if in.TextPair != nil {
			e, err = tok.EncodePair(*in.Text, *in.TextPair, opt)
		} else {
			e, err = tok.Encode(*in.Text, opt)
		}
	} else {
		if !utf8.ValidString(s) {
			return fmt.Errorf("tokenize: stdin line %d: not valid UTF-8", line)
		}
		e, err = tok.Encode(s, opt)
	}
	if err != nil {
		return fmt.Errorf("tokenize: stdin line %d: %w", line, err)
	}
	o := tokenizeOutput{IDs: e.IDs, Tokens: e.Tokens}
	if o.IDs == nil { // an empty text has no tokens: [] in JSON, not null
		o.IDs, o.Tokens = []int{}, []string{}
	}
	if opt.Padding != tokenizer.NoPadding {
		o.AttentionMask = e.AttentionMask
	}
	return enc.Encode(o)
}
