package cli

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/model"
)

func init() {
	register(&cli.Command{
		Name:      "score",
		Usage:     "score how well texts match an image (image-text matching, and contrastive similarity)",
		ArgsUsage: "IMAGE TEXT...",
		Description: "Prints, for each TEXT, the image-text matching probability softmax(itm_score)[1], and\n" +
			"where the model has the contrastive heads (itc_*), the cosine similarity of the text and image\n" +
			"embeddings and the logit exp(logit_scale)·cos that contrastive training uses.",
		Flags: []cli.Flag{
			modelFlag,
			&cli.BoolFlag{Name: "json", Usage: "one JSON object per text on stdout"},
			deviceFlag(),
		},
		Action: runScore,
	})
}

type scoreResult struct {
	Image     string   `json:"image"`
	Text      string   `json:"text"`
	ITM       *float64 `json:"itm,omitempty"`
	ITCCosine *float64 `json:"itc_cosine,omitempty"`
	ITCLogit  *float64 `json:"itc_logit,omitempty"`
}

func runScore(c *cli.Context) error {
	if c.NArg() < 2 {
		return usagef("score: want IMAGE TEXT...")
	}
	img, texts := c.Args().First(), c.Args().Slice()[1:]
	if err := checkInputFile("image", img); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	s, err := openSession(c, "score")
	if err != nil {
		return err
	}
	defer s.Close()
	results, err := s.score(c, img, texts)
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	enc := json.NewEncoder(c.App.Writer)
	enc.SetEscapeHTML(false)
	for _, r := range results {
		if c.Bool("json") {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		line := ""
		if r.ITM != nil {
			line += fmt.Sprintf("itm %.4f  ", *r.ITM)
		}
		if r.ITCCosine != nil {
			line += fmt.Sprintf("itc cos %+.4f (logit %+.3f)  ", *r.ITCCosine, *r.ITCLogit)
		}
		fmt.Fprintf(c.App.Writer, "%s%q\n", line, r.Text)
	}
	return nil
}

func (s *session) score(c *cli.Context, img string, texts []string) ([]scoreResult, error) {
	hasITM, hasITC := s.has(model.HeadITM), s.has(model.HeadITC)
	if !hasITM && !hasITC {
		return nil, fmt.Errorf("the model in %s has neither an image-text matching head (itm_score) nor contrastive heads (itc_*)", s.dir)
	}
	res := make([]scoreResult, len(texts))
	paths := make([]string, len(texts))
	for i, t := range texts {
		res[i] = scoreResult{Image: img, Text: t}
		paths[i] = img
	}
	if hasITM {
		p, err := s.itmProbs(c, paths, texts)
		if err != nil {
			return nil, err
		}
		for i := range res {
			res[i].ITM = &p[i]
		}
	}
	if hasITC {
		e, err := s.embed(c, []string{img}, texts)
		if err != nil {
			return nil, err
		}
		scale := e.logitScale
		for i := range res {
			cos := dot(e.text[i], e.image[0])
			logit := scale * cos
			res[i].ITCCosine, res[i].ITCLogit = &cos, &logit
		}
	}
	return res, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
