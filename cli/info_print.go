package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/model"
)

// printInfo writes the text form of bt info.
func printInfo(c *cli.Context, info *modelInfo) {
	tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	if info.Repo != "" {
		fmt.Fprintf(tw, "model\t%s@%s (commit %s)\n", info.Repo, info.Revision, info.Commit)
	}
	fmt.Fprintf(tw, "directory\t%s\n", info.Dir)
	fmt.Fprintf(tw, "weights\t%s (%s)\n", info.Weights, info.Format)
	s := info.Config
	if len(s.Architectures) > 0 {
		fmt.Fprintf(tw, "architectures\t%s\n", strings.Join(s.Architectures, ", "))
	}
	fmt.Fprintf(tw, "text\tRoBERTa: vocab %d, hidden %d, %d layers, %d heads, intermediate %d, %d positions\n",
		s.TextVocab, s.TextHidden, s.TextLayers, s.TextHeads, s.TextFF, s.TextMaxPositions)
	fmt.Fprintf(tw, "vision\tCLIP ViT: hidden %d, %d layers, patch %d, image %d\n", s.VisionHidden, s.VisionLayers, s.VisionPatch, s.VisionImage)
	fmt.Fprintf(tw, "cross-modal\thidden %d, %d layers, %d heads, link tower %s; %d labels; contrastive hidden %d\n",
		s.HiddenSize, s.CrossLayers, s.CrossHeads, s.LinkTower, s.NumLabels, s.ContrastiveHidden)
	fmt.Fprintf(tw, "parameters\t%s\n", paramLine(info))
	fmt.Fprintf(tw, "heads\t%s\n", headLine(info))
	var dts []string
	for dt, n := range info.DTypes {
		dts = append(dts, fmt.Sprintf("%s: %d tensors, %s values", dt, n.Tensors, thousands(n.Values)))
	}
	sort.Strings(dts)
	fmt.Fprintf(tw, "dtypes\t%s\n", strings.Join(dts, "; "))
	fmt.Fprintf(tw, "check\t%s\n", strings.ReplaceAll(info.Check, "\n", "\n\t"))
	for i, f := range info.Files {
		label := ""
		if i == 0 {
			label = "files"
		}
		fmt.Fprintf(tw, "%s\t%12s  %s\n", label, thousands(f.Size), f.Name)
	}
}

func paramLine(info *modelInfo) string {
	p := info.Parameters
	var heads int64
	for _, h := range model.AllHeads {
		heads += p[model.HeadGroup(h)]
	}
	line := fmt.Sprintf("text %s, vision %s, cross-modal %s, heads %s", thousands(p[model.GroupText]),
		thousands(p[model.GroupVision]), thousands(p[model.GroupCross]), thousands(heads))
	if p["other"] > 0 {
		line += ", other " + thousands(p["other"])
	}
	return line + "; total " + thousands(info.Total)
}

func headLine(info *modelInfo) string {
	if len(info.Heads) == 0 {
		return "none"
	}
	var parts []string
	for _, h := range info.Heads {
		parts = append(parts, h+" "+thousands(info.Parameters[model.HeadGroup(model.Head(h))]))
	}
	return strings.Join(parts, ", ")
}

// thousands formats n with comma separators (1,234,567).
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
