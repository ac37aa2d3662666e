package model_test

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
)

// A new link tower is one registration; nothing else changes. Its parameters appear in the
// parameter list under the link towers' HF-style names and a tiny model builds with it.
func ExampleRegisterLinkTower() {
	model.RegisterLinkTower(model.LinkTower{
		Name:     "add_product",
		Formula:  "LN(x + y + w⊙x⊙y), w ∈ R^D init 0",
		StartsAs: "add",
		Params: func(d int) []model.LinkParam {
			return append(model.LayerNormParams("LayerNorm", d),
				model.LinkParam{Name: "w", Shape: graph.Shape{d}, Init: &model.InitRule{}})
		},
		Build: func(c *model.LinkContext, x, y *graph.Node) *graph.Node {
			z := graph.Add(graph.Add(x, y), graph.Mul(c.P("w"), graph.Mul(x, y)))
			return c.LayerNorm(z, "LayerNorm")
		},
	})
	cfg, err := model.PresetConfig("tiny", 100)
	if err != nil {
		panic(err)
	}
	cfg.LinkTowerType = "add_product"
	m, err := model.Build(cfg, model.BuildOptions{Batch: 1, TextLen: 4})
	if err != nil {
		panic(err)
	}
	for _, n := range m.ParamNames() {
		if len(n) > 27 && n[:27] == "cross_modal_text_link_tower" {
			fmt.Println(n, m.Params[n].Shape(), model.InitRuleFor(cfg, n))
		}
	}
	// Output:
	// cross_modal_text_link_tower.0.LayerNorm.bias [128] constant 0
	// cross_modal_text_link_tower.0.LayerNorm.weight [128] constant 1
	// cross_modal_text_link_tower.0.w [128] constant 0
}
