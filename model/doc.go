// Package model is BridgeTower: the vision-language model of Xu et al. (AAAI 2023) as Hugging
// Face transformers implements it, written once as a compute graph.
//
// It holds the model configuration (Config, read from and written to HF's config.json), the
// binding of checkpoint tensors to the model's parameters by their HF names, the text tower
// (RoBERTa), the vision tower (CLIP ViT), the bridge (link tower) layers that feed the top
// uni-modal layers into the cross-modal layers, the cross-modal transformer, the poolers and the
// task heads (image-text matching, masked LM, contrastive, VQA and classification).
//
// For fine-tuning, BuildOptions.Training adds HF's dropout (seeded per site, replayable from the
// step input) and BuildOptions.RowMask a per-row mask of the losses; InitWeights draws parameters
// by HF's _init_weights rules, LoadForTask fills the parameters a checkpoint lacks (a new task
// head) and reports them, and PresetConfig gives the configs of bt init.
//
// Bridge layers (link towers) are a registry: a variant is one LinkTower value registered by name
// with RegisterLinkTower, declaring its parameters (names, shapes, initialisers) and building
// its graph; config validation, ParamInfos, InitRuleFor, LoadForTask and Build all read the
// registry, so a new variant is one file. Registered: HF's add, scaled_add and interpolate and
// the authors' other variants (linktower_variants.go lists formulas and initialisations), and
// none (no bridges). For example:
//
//	model.RegisterLinkTower(model.LinkTower{
//		Name:     "add_product",
//		Formula:  "LN(x + y + w⊙x⊙y), w ∈ R^D init 0",
//		StartsAs: "add",
//		Params: func(d int) []model.LinkParam {
//			return append(model.LayerNormParams("LayerNorm", d),
//				model.LinkParam{Name: "w", Shape: graph.Shape{d}, Init: &model.InitRule{}})
//		},
//		Build: func(c *model.LinkContext, x, y *graph.Node) *graph.Node {
//			z := graph.Add(graph.Add(x, y), graph.Mul(c.P("w"), graph.Mul(x, y)))
//			return c.LayerNorm(z, "LayerNorm")
//		},
//	})
//
// and "link_tower_type": "add_product" in config.json selects it (ExampleRegisterLinkTower).
// The bt_ config extensions (extensions.go) choose which uni-modal layers feed which
// cross-modal layer, stop the gradient into the encoders, freeze them and normalise each vision
// layer with its own LayerNorm; HF's share_link_tower_layers=true and
// share_cross_modal_transformer_layers=false, which HF cannot run, are bt behaviour.
//
// Reading and writing weights lives in the sub-packages safetensors (the safetensors format) and
// checkpoint (any supported checkpoint file or directory, with HF key names).
package model
