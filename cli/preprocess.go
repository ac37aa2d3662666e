package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/progress"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/safetensors"
)

func init() {
	register(&cli.Command{
		Name:      "preprocess",
		Usage:     "turn images into BridgeTower pixel_values and pixel_mask (HF BridgeTowerImageProcessor)",
		ArgsUsage: "[--size N] [--model DIR] [--no-crop] [--max-pixels N] [--text T... [--tokenizer DIR] [--max-length N]] --output FILE.safetensors IMAGE...",
		Description: "Decodes each IMAGE (JPEG, PNG, GIF first frame, WebP), applies its EXIF orientation, converts it to\n" +
			"RGB with Pillow's rules and runs BridgeTower's image processor: resize (shortest edge N, long side\n" +
			"capped at int(N*1333/800), both floored to a multiple of 32) with Pillow's bicubic, center crop to\n" +
			"N x N (zero-padded when smaller), rescale by 1/255, CLIP mean/std, then pads the batch bottom/right.\n" +
			"Writes pixel_values (f32 [B,3,H,W]) and pixel_mask (i64 [B,H,W], 1 = real pixel) to --output.\n" +
			"Options come from DIR/preprocessor_config.json when --model is given; flags override them.\n" +
			"With --text (one for all images, or one per image) it also writes input_ids and attention_mask\n" +
			"(i64 [B,T], RoBERTa tokenizer of --tokenizer or --model, padded to the longest text or to\n" +
			"--max-length), which makes the file a complete input for bt forward.\n" +
			"Flags go before the images.",
		Flags: append([]cli.Flag{
			&cli.IntFlag{Name: "size", Usage: "shortest edge N (default 288, or the model's size.shortest_edge)"},
			&cli.PathFlag{Name: "model", Usage: "model directory (or hub id ORG/NAME[@REV]) whose preprocessor_config.json gives the options"},
			&cli.BoolFlag{Name: "no-crop", Usage: "skip the center crop (what HF < 4.52 did by default)"},
			&cli.Int64Flag{Name: "max-pixels", Usage: "refuse images with more pixels (default 178956970, Pillow's bomb limit)"},
			&cli.PathFlag{Name: "output", Aliases: []string{"o"}, Usage: "safetensors file to write", Required: true},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON summary instead of text"},
		}, textFlags...),
		Action: runPreprocess,
	})
}

func runPreprocess(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("preprocess: no images given")
	}
	paths := c.Args().Slice()
	for _, p := range paths {
		if err := checkInputFile("image", p); err != nil {
			return fmt.Errorf("preprocess: %w", err)
		}
	}
	if err := checkOutput("--output", c.Path("output"), append([]string{c.Path("model"), c.Path("tokenizer")}, paths...)...); err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	cfg, modelSize, err := preprocessConfig(c)
	if err != nil {
		return err
	}
	if !cfg.DoCenterCrop && c.Bool("no-crop") {
		fmt.Fprintln(c.App.ErrWriter, "bt: preprocess: note: without the center crop the images keep their aspect ratio, so pixel_values are not square; bt forward needs S×S images")
	}
	text, err := textInputs(c, len(paths), modelSize.maxText)
	if err != nil {
		return err
	}
	spin := progress.Start(c.App.ErrWriter, fmt.Sprintf("preprocessing %d image(s)", len(paths)))
	defer spin.Stop()
	imgs := make([]*imageproc.Image, len(paths))
	for i, p := range paths {
		img, err := imageproc.DecodeFile(p, cfg.MaxPixels)
		if err != nil {
			return fmt.Errorf("preprocess: %w", err)
		}
		imgs[i] = img
	}
	b, err := cfg.Preprocess(imgs)
	if err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	tensors := map[string]*graph.Tensor{"pixel_values": b.PixelValues}
	if b.PixelMask != nil {
		tensors["pixel_mask"] = b.PixelMask
	}
	for k, v := range text {
		tensors[k] = v
	}
	sizes := make([]string, len(b.Sizes))
	for i, s := range b.Sizes {
		sizes[i] = fmt.Sprintf("%dx%d", s[0], s[1])
	}
	meta := map[string]string{
		"producer":       "bt preprocess",
		"shortest_edge":  strconv.Itoa(cfg.ShortestEdge),
		"do_center_crop": strconv.FormatBool(cfg.DoCenterCrop),
		"sizes_hw":       strings.Join(sizes, ","),
	}
	out := c.Path("output")
	if err := safetensors.WriteFile(out, tensors, meta); err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	spin.Stop()
	if c.Bool("json") {
		shapes := map[string][]int{}
		for k, v := range tensors {
			shapes[k] = v.Shape
		}
		return printJSON(c, map[string]any{"output": out, "images": len(imgs), "tensors": shapes, "sizes_hw": b.Sizes})
	}
	fmt.Fprintf(c.App.Writer, "wrote %s: pixel_values %v from %d image(s)", out, b.PixelValues.Shape, len(imgs))
	if ids := text["input_ids"]; ids != nil {
		fmt.Fprintf(c.App.Writer, ", input_ids %v", ids.Shape)
	}
	fmt.Fprintln(c.App.Writer)
	return nil
}
