package bench

import (
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
)

// forwardFlopsByHand is the GEMM count of the BridgeTower forward with the ITM and MLM heads,
// written from the architecture: per attention layer over n query and m key tokens of width h,
// the q and output projections 2·2·n·h², k and v 2·2·m·h², q·kᵀ and p·v 2·2·n·m·h, and the
// feed-forward 2·2·n·h·i.
func forwardFlopsByHand(cfg *model.Config, b, t int) int64 {
	layer := func(n, m, h, i int) int64 {
		return int64(4*n*h*h + 4*m*h*h + 4*n*m*h + 4*n*h*i)
	}
	ht, hv, h := cfg.Text.HiddenSize, cfg.Vision.HiddenSize, cfg.HiddenSize
	g := cfg.Vision.ImageSize / cfg.Vision.PatchSize
	ni := g*g + 1
	var f int64
	f += int64(cfg.Text.NumHiddenLayers) * layer(t, t, ht, cfg.Text.IntermediateSize) // RoBERTa
	f += int64(2 * g * g * 3 * cfg.Vision.PatchSize * cfg.Vision.PatchSize * hv)      // patch embedding
	f += int64(cfg.Vision.NumHiddenLayers) * layer(ni, ni, hv, 4*hv)                  // CLIP blocks
	k := int64(cfg.NumHiddenLayers)
	f += k * int64(2*t*ht*h+2*ni*hv*h) // cross_modal_{text,image}_transform of each bridged layer
	i := cfg.Text.IntermediateSize
	f += k * (layer(t, t, h, 0) + layer(t, ni, h, i))   // text cross layers: self-, cross-attention, FFN
	f += k * (layer(ni, ni, h, 0) + layer(ni, t, h, i)) // image cross layers
	f += int64(2 * 2 * h * h)                           // the two poolers (first token)
	f += int64(2 * 2 * h * 2)                           // itm_score
	f += int64(2*t*h*h + 2*t*h*cfg.Text.VocabSize)      // mlm_score transform and decoder
	return int64(b) * f
}

// TestForwardFlopsMatchArchitecture: GEMMFlops of the built tiny and base graphs equals the count
// written from the architecture.
func TestForwardFlopsMatchArchitecture(t *testing.T) {
	for _, preset := range []string{"tiny", "base"} {
		cfg, err := model.PresetConfig(preset, 600)
		if err != nil {
			t.Fatal(err)
		}
		if preset == "base" {
			cfg, _ = model.PresetConfig(preset, 0)
		}
		for _, b := range []int{1, 3} {
			m, err := model.Build(cfg, model.BuildOptions{Batch: b, TextLen: 40, Heads: benchHeads})
			if err != nil {
				t.Fatal(err)
			}
			var outs []*graph.Node
			for _, name := range m.OutputNames() {
				outs = append(outs, m.Outputs[name])
			}
			got, err := GEMMFlops(outs...)
			if err != nil {
				t.Fatal(err)
			}
			if want := forwardFlopsByHand(cfg, b, 40); got != want {
				t.Errorf("%s batch %d: %d FLOPs, architecture says %d (diff %d)", preset, b, got, want, got-want)
			}
		}
	}
}
