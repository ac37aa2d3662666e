package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/jsonerr"
	"github.com/bridgetower-go/bt/model"
)

func init() {
	register(&cli.Command{
		Name:      "ask",
		Usage:     "answer a question about one or more images",
		ArgsUsage: "IMAGE... QUESTION | --questions FILE.jsonl",
		Description: "Answers with the model's VQA head when it has one (the top answers with their sigmoid\n" +
			"probabilities); with --choices, ranks the choices by image-text matching of \"QUESTION CHOICE\";\n" +
			"otherwise fills a <mask> with the masked-language head (zero-shot: put <mask> where the answer\n" +
			"goes, or it is appended to the question). The output says which mode answered.\n" +
			"Several images, or a JSON-lines file of {\"image\": ..., \"question\": ..., \"choices\": [...]}\n" +
			"(image paths relative to the file), are answered with one loaded model.",
		Flags: []cli.Flag{
			modelFlag,
			&cli.IntFlag{Name: "top-k", Aliases: []string{"k"}, Value: 5, Usage: "answers to show per question"},
			&cli.StringFlag{Name: "choices", Usage: "comma-separated candidate answers, ranked by image-text matching"},
			&cli.PathFlag{Name: "questions", Usage: "JSON-lines file of {\"image\", \"question\"[, \"choices\"]} instead of IMAGE... QUESTION"},
			&cli.BoolFlag{Name: "json", Usage: "one JSON object per question on stdout"},
			&cli.IntFlag{Name: "batch-size", Value: 8, Usage: "image-question pairs per forward pass"},
			deviceFlag(),
		},
		Action: runAsk,
	})
}

// askItem is one question about one image.
type askItem struct {
	Image    string   `json:"image"`
	Question string   `json:"question"`
	Choices  []string `json:"choices,omitempty"`
}

// askAnswer is one ranked answer.
type askAnswer struct {
	Answer string  `json:"answer"`
	Score  float64 `json:"score"`
}

// askResult is what bt ask prints for one item.
type askResult struct {
	askItem
	Mode    string      `json:"mode"` // vqa, itm-choices or mlm
	Answers []askAnswer `json:"answers"`
}

func runAsk(c *cli.Context) error {
	items, err := askItems(c)
	if err != nil {
		return err
	}
	k := c.Int("top-k")
	if k < 1 {
		return usagef("ask: --top-k %d: want at least 1", k)
	}
	if c.Int("batch-size") < 1 {
		return usagef("ask: --batch-size %d: want at least 1", c.Int("batch-size"))
	}
	for _, it := range items {
		if err := checkInputFile("image", it.Image); err != nil {
			return fmt.Errorf("ask: %w", err)
		}
	}
	s, err := openSession(c, "ask")
	if err != nil {
		return err
	}
	defer s.Close()
	enc := json.NewEncoder(c.App.Writer)
	enc.SetEscapeHTML(false)
	for start := 0; start < len(items); start += c.Int("batch-size") {
		batch := items[start:min(start+c.Int("batch-size"), len(items))]
		results, err := s.ask(c, batch, k)
		if err != nil {
			return fmt.Errorf("ask: %w", err)
		}
		for _, r := range results {
			if c.Bool("json") {
				if err := enc.Encode(r); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(c.App.Writer, "%s: %s  [%s]\n", r.Image, r.Question, modeName[r.Mode])
			for i, a := range r.Answers {
				fmt.Fprintf(c.App.Writer, "  %d. %-24s %.3f\n", i+1, a.Answer, a.Score)
			}
		}
	}
	return nil
}

var modeName = map[string]string{"vqa": "VQA head", "itm-choices": "choices ranked by image-text matching", "mlm": "zero-shot <mask> filling"}

// askItems reads the questions from the arguments (IMAGE... QUESTION) or --questions.
func askItems(c *cli.Context) ([]askItem, error) {
	var choices []string
	if s := c.String("choices"); s != "" {
		for _, ch := range strings.Split(s, ",") {
			if ch = strings.TrimSpace(ch); ch != "" {
				choices = append(choices, ch)
			}
		}
		if len(choices) < 2 {
			return nil, usagef("ask: --choices %q: want at least two comma-separated answers", s)
		}
	}
	if f := c.Path("questions"); f != "" {
		if c.NArg() != 0 {
			return nil, usagef("ask: give either --questions FILE or IMAGE... QUESTION, not both")
		}
		return readAskFile(f, choices)
	}
	if c.NArg() < 2 {
		return nil, usagef("ask: want IMAGE... QUESTION (or --questions FILE.jsonl)")
	}
	args := c.Args().Slice()
	q := args[len(args)-1]
	if strings.TrimSpace(q) == "" {
		return nil, usagef("ask: the question is empty")
	}
	var items []askItem
	for _, img := range args[:len(args)-1] {
		items = append(items, askItem{Image: img, Question: q, Choices: choices})
	}
	return items, nil
}

func readAskFile(path string, choices []string) ([]askItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("ask: --questions: %v", err)
	}
	defer f.Close()
	var items []askItem
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it askItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return nil, fmt.Errorf("ask: %s:%d: %s", path, line, jsonerr.Describe(err))
		}
		if it.Image == "" || strings.TrimSpace(it.Question) == "" {
			return nil, fmt.Errorf("ask: %s:%d: want \"image\" and \"question\"", path, line)
		}
		if !filepath.IsAbs(it.Image) {
			it.Image = filepath.Join(filepath.Dir(path), it.Image)
		}
		if it.Choices == nil {
			it.Choices = choices
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ask: %s: %w", path, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("ask: %s holds no questions", path)
	}
	return items, nil
}

// ask answers a batch: items with choices by ITM, the others by the VQA head or MLM.
func (s *session) ask(c *cli.Context, items []askItem, k int) ([]askResult, error) {
	results := make([]askResult, len(items))
	var plain []int
	for i, it := range items {
		results[i].askItem = it
		if len(it.Choices) > 0 {
			scores, err := s.rankChoices(c, it)
			if err != nil {
				return nil, err
			}
			results[i].Mode, results[i].Answers = "itm-choices", topK(scores, it.Choices, len(it.Choices))
			continue
		}
		plain = append(plain, i)
	}
	if len(plain) == 0 {
		return results, nil
	}
	mode := "mlm"
	if s.has(model.HeadVQA) {
		mode = "vqa"
	} else if !s.has(model.HeadMLM) {
		return nil, fmt.Errorf("the model in %s has neither a VQA head nor an MLM head: give --choices (ranked by its ITM head)", s.dir)
	}
	paths, questions := make([]string, len(plain)), make([]string, len(plain))
	for j, i := range plain {
		paths[j], questions[j] = items[i].Image, items[i].Question
	}
	var answers [][]askAnswer
	var err error
	if mode == "vqa" {
		answers, err = s.answerVQA(c, paths, questions, k)
	} else {
		answers, err = s.answerMLM(c, paths, questions, k)
	}
	if err != nil {
		return nil, err
	}
	for j, i := range plain {
		results[i].Mode, results[i].Answers = mode, answers[j]
	}
	return results, nil
}

// answerVQA runs the VQA head: sigmoid probabilities of the answers (id2label).
func (s *session) answerVQA(c *cli.Context, paths, questions []string, k int) ([][]askAnswer, error) {
	out, err := s.forward(c, []model.Head{model.HeadVQA}, []string{"vqa.logits"}, paths, questions)
	if err != nil {
		return nil, err
	}
	logits := out["vqa.logits"].Float64s()
	n := s.cfg.NumLabels()
	labels := make([]string, n)
	for i := range labels {
		labels[i] = s.cfg.ID2Label[i]
	}
	res := make([][]askAnswer, len(paths))
	for b := range paths {
		p := make([]float64, n)
		for i := range p {
			p[i] = 1 / (1 + math.Exp(-logits[b*n+i]))
		}
		res[b] = topK(p, labels, k)
	}
	return res, nil
}

// forward runs heads on image-text pairs and returns the named outputs.
func (s *session) forward(c *cli.Context, heads []model.Head, outputs []string, paths, texts []string) (map[string]*graph.Tensor, error) {
	px, err := s.images(paths)
	if err != nil {
		return nil, err
	}
	ids, mask, err := s.texts(texts)
	if err != nil {
		return nil, err
	}
	return s.run(c.Context, heads, outputs, map[string]*graph.Tensor{model.InputIDs: ids, model.InputMask: mask, model.InputPixels: px})
}

// topK returns the k best (score, label) pairs, best first; ties keep the label order.
func topK(scores []float64, labels []string, k int) []askAnswer {
	return topKBy(scores, func(i int) string { return labels[i] }, k)
}

// topKBy is topK with labels made on demand (only for the k kept).
func topKBy(scores []float64, label func(int) string, k int) []askAnswer {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	k = min(k, len(idx))
	out := make([]askAnswer, k)
	for i := 0; i < k; i++ {
		out[i] = askAnswer{Answer: label(idx[i]), Score: scores[idx[i]]}
	}
	return out
}
