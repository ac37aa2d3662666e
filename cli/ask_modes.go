package cli

import (
	"fmt"
	"math"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// itmProbs is the image-text matching probability softmax(itm.logits)[1] of each (image, text)
// pair.
func (s *session) itmProbs(c *cli.Context, paths, texts []string) ([]float64, error) {
	if !s.has(model.HeadITM) {
		return nil, fmt.Errorf("the model in %s has no image-text matching head (itm_score)", s.dir)
	}
	out, err := s.forward(c, []model.Head{model.HeadITM}, []string{"itm.logits"}, paths, texts)
	if err != nil {
		return nil, err
	}
	l := out["itm.logits"].Float64s()
	p := make([]float64, len(paths))
	for i := range p {
		p[i] = 1 / (1 + math.Exp(l[2*i]-l[2*i+1])) // softmax over two logits
	}
	return p, nil
}

// rankChoices scores "QUESTION CHOICE" against the image for every choice.
func (s *session) rankChoices(c *cli.Context, it askItem) ([]float64, error) {
	paths, texts := make([]string, len(it.Choices)), make([]string, len(it.Choices))
	for i, ch := range it.Choices {
		paths[i], texts[i] = it.Image, strings.TrimSpace(it.Question)+" "+ch
	}
	return s.itmProbs(c, paths, texts)
}

// maskToken is RoBERTa's mask token.
const maskToken = "<mask>"

// answerMLM fills the first <mask> of each question (appended when absent) with the MLM head's
// most probable tokens (softmax over the vocabulary at that position).
func (s *session) answerMLM(c *cli.Context, paths, questions []string, k int) ([][]askAnswer, error) {
	maskID, ok := s.tok.TokenToID(maskToken)
	if !ok {
		return nil, fmt.Errorf("the tokenizer in %s has no %s token for zero-shot answers", s.dir, maskToken)
	}
	texts := make([]string, len(questions))
	for i, q := range questions {
		if !strings.Contains(q, maskToken) {
			q = strings.TrimSpace(q) + " " + maskToken
		}
		texts[i] = q
	}
	out, err := s.forward(c, []model.Head{model.HeadMLM}, []string{"mlm.logits"}, paths, texts)
	if err != nil {
		return nil, err
	}
	ids, _, err := s.texts(texts)
	if err != nil {
		return nil, err
	}
	logits := out["mlm.logits"]
	t, v := logits.Shape[1], logits.Shape[2]
	all := logits.Float64s()
	idData := ids.Data.([]int64)
	res := make([][]askAnswer, len(texts))
	for b := range texts {
		pos := -1
		for j := 0; j < t; j++ {
			if idData[b*t+j] == int64(maskID) {
				pos = j
				break
			}
		}
		if pos < 0 {
			return nil, fmt.Errorf("question %q: the %s token was truncated away", clipText(questions[b]), maskToken)
		}
		row := all[(b*t+pos)*v : (b*t+pos+1)*v]
		res[b] = topKBy(softmax(row), s.decodeToken, k)
	}
	return res, nil
}

// decodeToken is the text of one token id (byte-level symbols decoded, leading space dropped).
func (s *session) decodeToken(id int) string {
	text, err := s.tok.Decode([]int{id}, false)
	if err != nil {
		return fmt.Sprintf("<id %d>", id)
	}
	return strings.TrimSpace(tokenizer.CleanUpTokenization(text))
}

// softmax of a row, computed stably in float64.
func softmax(x []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	p := make([]float64, len(x))
	sum := 0.0
	for i, v := range x {
		p[i] = math.Exp(v - m)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}
