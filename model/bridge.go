package model

import (
	"strconv"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the bridge between the uni-modal towers and the cross-modal encoder: the
// transforms plus token-type embeddings that project a uni-modal hidden state into the
// cross-modal width, shared by all layers (HF) or one per cross-modal layer
// (share_cross_modal_transformer_layers=false). The link towers that merge them with the
// previous cross-modal output are in linktower.go.

// bridgeKey identifies a bridged input: the transform used (-1 shared, else the layer) and the
// hidden state k.
type bridgeKey struct{ transform, k int }

// transform is the prefix of the side's cross-modal transform for cross layer j.
func (b *builder) transform(side string, j int) (string, int) {
	p := "cross_modal_" + side + "_transform"
	if b.cfg.ShareCrossModalTransformerLayers {
		return p, -1
	}
	return p + "." + strconv.Itoa(j), j
}

// uniModal is a uni-modal hidden state as the bridge reads it: detached with bt_stop_gradient.
func (b *builder) uniModal(h *graph.Node) *graph.Node {
	if b.ext.StopGradient {
		return graph.StopGradient(h)
	}
	return h
}

// textBridgeInput is cross_modal_text_transform(T_k) + token_type_embeddings[0] for text hidden
// state k feeding cross layer j ([B, T, Ht] -> [B, T, H]), built once per (transform, k).
func (b *builder) textBridgeInput(j, k int) *graph.Node {
	prefix, t := b.transform("text", j)
	key := bridgeKey{t, k}
	if n, ok := b.textBridge[key]; ok {
		return n
	}
	x := b.linear(b.uniModal(b.textHidden[k]), prefix)
	n := graph.Add(x, b.tokenType(0))
	b.textBridge[key] = n
	return n
}

// imageBridgeInput is cross_modal_image_transform(LN(V_k)) + token_type_embeddings[1] for
// vision hidden state k feeding cross layer j ([B, Ni, Hv] -> [B, Ni, H]), built once per
// (transform, k). LN is ln_post, or ln_separate.{k-1} with bt_vision_ln_per_layer (k >= 1).
func (b *builder) imageBridgeInput(j, k int) *graph.Node {
	prefix, t := b.transform("image", j)
	key := bridgeKey{t, k}
	if n, ok := b.imageBridge[key]; ok {
		return n
	}
	h := b.uniModal(b.imageHidden[k])
	if b.ext.VisionLNPerLayer && k >= 1 {
		h = b.layerNorm(h, visionPrefix+"ln_separate."+strconv.Itoa(k-1), b.cfg.Vision.LayerNormEps)
	} else {
		h = b.lnPost(h)
	}
	n := graph.Add(b.linear(h, prefix), b.tokenType(1))
	b.imageBridge[key] = n
	return n
}

// tokenType is row i of token_type_embeddings ([1, H]; 0 text, 1 image).
func (b *builder) tokenType(i int) *graph.Node {
	return graph.SliceAxis(b.p("token_type_embeddings.weight"), 0, i, i+1)
}
