package model

import (
	"strconv"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the bridge between the uni-modal towers and the cross-modal encoder: the shared
// transforms plus token-type embeddings that project a uni-modal hidden state into the
// cross-modal width, the first layer's LayerNorms and the link towers of later layers.

// textBridgeInput is cross_modal_text_transform(T_k) + token_type_embeddings[0] for text hidden
// state k ([B, T, Ht] -> [B, T, H]), built once per k.
func (b *builder) textBridgeInput(k int) *graph.Node {
	if n, ok := b.textBridge[k]; ok {
		return n
	}
	x := b.linear(b.textHidden[k], "cross_modal_text_transform")
	n := graph.Add(x, b.tokenType(0))
	b.textBridge[k] = n
	return n
}

// imageBridgeInput is cross_modal_image_transform(ln_post(V_k)) + token_type_embeddings[1] for
// vision hidden state k ([B, Ni, Hv] -> [B, Ni, H]), built once per k.
func (b *builder) imageBridgeInput(k int) *graph.Node {
	if n, ok := b.imageBridge[k]; ok {
		return n
	}
	x := b.linear(b.lnPost(b.imageHidden[k]), "cross_modal_image_transform")
	n := graph.Add(x, b.tokenType(1))
	b.imageBridge[k] = n
	return n
}

// tokenType is row i of token_type_embeddings ([1, H]; 0 text, 1 image).
func (b *builder) tokenType(i int) *graph.Node {
	return graph.SliceAxis(b.p("token_type_embeddings.weight"), 0, i, i+1)
}

// linkTower is link tower j of a side ("text" or "image"): it merges the bridged uni-modal input
// x with the previous cross-modal output y, by link_tower_type:
//
//	add:         LN(x + y)
//	scaled_add:  LN(x·scaled_factor + y)
//	interpolate: LN(x·(1 - beta) + y·beta)
//
// with the top-level layer_norm_eps.
func (b *builder) linkTower(side string, j int, x, y *graph.Node) *graph.Node {
	p := "cross_modal_" + side + "_link_tower." + strconv.Itoa(j)
	var z *graph.Node
	switch b.cfg.LinkTowerType {
	case "add":
		z = graph.Add(x, y)
	case "scaled_add":
		z = graph.Add(graph.Mul(x, b.p(p+".scaled_factor")), y)
	case "interpolate":
		beta := b.p(p + ".beta")
		oneMinus := graph.Sub(b.g.Scalar(1, b.dt), beta)
		z = graph.Add(graph.Mul(x, oneMinus), graph.Mul(y, beta))
	default:
		b.fail("link_tower_type %q is not implemented", b.cfg.LinkTowerType)
		return x
	}
	return b.layerNorm(z, p+".LayerNorm", b.cfg.LayerNormEps)
}
