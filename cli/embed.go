package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/safetensors"
)

func init() {
	register(&cli.Command{
		Name:      "embed",
		Usage:     "embed texts and images for retrieval (contrastive heads)",
		ArgsUsage: "[--image IMG]... [--text T]... [--cross] [-o FILE.safetensors]",
		Description: "Computes the L2-normalised embeddings of BridgeTowerForContrastiveLearning: a text's from its\n" +
			"last uni-modal layer (no image needed), an image's from its last vision layer (no text needed),\n" +
			"so that texts and images can be embedded separately and compared by dot product. With --cross,\n" +
			"also the cross-modal embedding of each (image, text) pair (one text for all images, or one per\n" +
			"image). Prints JSON lines {\"kind\", \"input\", \"embedding\"}, or with -o writes text_embeds [N C],\n" +
			"image_embeds [M C] and cross_embeds [M C] to a safetensors file.",
		Flags: []cli.Flag{
			modelFlag,
			&cli.StringSliceFlag{Name: "image", Usage: "an image to embed (repeatable)"},
			&cli.StringSliceFlag{Name: "text", Usage: "a text to embed (repeatable)"},
			&cli.BoolFlag{Name: "cross", Usage: "also the cross-modal embedding of each image with its text"},
			&cli.PathFlag{Name: "output", Aliases: []string{"o"}, Usage: "write a safetensors file instead of JSON lines"},
			deviceFlag(),
		},
		Action: runEmbed,
	})
}

// embeddings are rows of L2-normalised vectors.
type embeddings struct {
	text, image, cross [][]float64
	logitScale         float64 // exp(logit_scale)
}

func runEmbed(c *cli.Context) error {
	images, texts := c.StringSlice("image"), c.StringSlice("text")
	if c.NArg() != 0 {
		return usagef("embed: unexpected arguments %v (give --image and --text)", c.Args().Slice())
	}
	if len(images)+len(texts) == 0 {
		return usagef("embed: nothing to embed: give --image IMG and/or --text T")
	}
	cross := c.Bool("cross")
	if cross && (len(images) == 0 || (len(texts) != 1 && len(texts) != len(images))) {
		return usagef("embed: --cross needs images and one text for all of them or one per image (got %d images, %d texts)", len(images), len(texts))
	}
	for _, p := range images {
		if err := checkInputFile("--image", p); err != nil {
			return fmt.Errorf("embed: %w", err)
		}
	}
	if out := c.Path("output"); out != "" {
		if !strings.HasSuffix(out, ".safetensors") {
			return usagef("embed: --output %s: want a .safetensors file name", out)
		}
		if err := checkOutput("--output", out, append([]string{c.String("model")}, images...)...); err != nil {
			return fmt.Errorf("embed: %w", err)
		}
	}
	s, err := openSession(c, "embed")
	if err != nil {
		return err
	}
	defer s.Close()
	e, err := s.embed(c, images, texts)
	if err == nil && cross {
		e.cross, err = s.crossEmbed(c, images, texts)
	}
	if err != nil {
		return fmt.Errorf("embed: %w", err)
	}
	if out := c.Path("output"); out != "" {
		tensors := map[string]*graph.Tensor{}
		for name, rows := range map[string][][]float64{"text_embeds": e.text, "image_embeds": e.image, "cross_embeds": e.cross} {
			if len(rows) > 0 {
				tensors[name] = rowsTensor(rows)
			}
		}
		meta := map[string]string{"producer": "bt embed", "images": strings.Join(images, "\n"), "texts": strings.Join(texts, "\n")}
		if err := safetensors.WriteFile(out, tensors, meta); err != nil {
			return fmt.Errorf("embed: %w", err)
		}
		fmt.Fprintf(c.App.Writer, "wrote %d text, %d image and %d cross-modal embeddings to %s\n", len(e.text), len(e.image), len(e.cross), out)
		return nil
	}
	enc := json.NewEncoder(c.App.Writer)
	type line struct {
		Kind      string    `json:"kind"`
		Input     string    `json:"input"`
		Text      string    `json:"text,omitempty"`
		Embedding []float64 `json:"embedding"`
	}
	for i, v := range e.text {
		if err := enc.Encode(line{Kind: "text", Input: texts[i], Embedding: v}); err != nil {
			return err
		}
	}
	for i, v := range e.image {
		if err := enc.Encode(line{Kind: "image", Input: images[i], Embedding: v}); err != nil {
			return err
		}
	}
	for i, v := range e.cross {
		if err := enc.Encode(line{Kind: "cross", Input: images[i], Text: pairText(texts, i), Embedding: v}); err != nil {
			return err
		}
	}
	return nil
}

func pairText(texts []string, i int) string {
	if len(texts) == 1 {
		return texts[0]
	}
	return texts[i]
}

func rowsTensor(rows [][]float64) *graph.Tensor {
	n, c := len(rows), len(rows[0])
	data := make([]float32, 0, n*c)
	for _, r := range rows {
		for _, v := range r {
			data = append(data, float32(v))
		}
	}
	return graph.FromFloat32(graph.Shape{n, c}, data)
}

// embed computes the uni-modal contrastive embeddings: texts alone, images alone.
func (s *session) embed(c *cli.Context, images, texts []string) (*embeddings, error) {
	if !s.has(model.HeadITC) {
		return nil, fmt.Errorf("the model in %s has no contrastive heads (itc_text_head, itc_image_head, itc_cross_modal_head, logit_scale): embeddings need a BridgeTowerForContrastiveLearning checkpoint", s.dir)
	}
	e := &embeddings{logitScale: math.Exp(s.weights.Tensor("logit_scale").Float64s()[0])}
	heads := []model.Head{model.HeadITC}
	if len(texts) > 0 {
		ids, mask, err := s.texts(texts)
		if err != nil {
			return nil, err
		}
		out, err := s.run(c.Context, heads, []string{"contrastive.text_embeds"}, map[string]*graph.Tensor{model.InputIDs: ids, model.InputMask: mask})
		if err != nil {
			return nil, err
		}
		e.text = rows(out["contrastive.text_embeds"])
	}
	if len(images) > 0 {
		px, err := s.images(images)
		if err != nil {
			return nil, err
		}
		out, err := s.run(c.Context, heads, []string{"contrastive.image_embeds"}, map[string]*graph.Tensor{model.InputPixels: px})
		if err != nil {
			return nil, err
		}
		e.image = rows(out["contrastive.image_embeds"])
	}
	return e, nil
}

// crossEmbed computes the cross-modal embedding of each image with its text.
func (s *session) crossEmbed(c *cli.Context, images, texts []string) ([][]float64, error) {
	paired := make([]string, len(images))
	for i := range images {
		paired[i] = pairText(texts, i)
	}
	out, err := s.forward(c, []model.Head{model.HeadITC}, []string{"contrastive.cross_embeds"}, images, paired)
	if err != nil {
		return nil, err
	}
	return rows(out["contrastive.cross_embeds"]), nil
}

// rows splits a [N C] tensor into N float64 rows.
func rows(t *graph.Tensor) [][]float64 {
	all := t.Float64s()
	n, c := t.Shape[0], t.Shape[1]
	out := make([][]float64, n)
	for i := range out {
		out[i] = all[i*c : (i+1)*c]
	}
	return out
}
