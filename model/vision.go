package model

import (
	"strconv"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the CLIP ViT vision tower (patch embedding, class token, position embeddings,
// ln_pre, pre-LN residual blocks with QuickGELU, ln_post).

const visionPrefix = "vision_model.visual."

// visionEmbeddings maps pixel_values [B, C, S, S] to ln_pre(cls ++ patches + positions)
// [B, Ni, Hv], Ni = (S/P)² + 1. The patch convolution (no bias, stride = kernel = P) is a matrix
// product over unfolded patches: [B, C, G, P, G, P] -> [B, G, G, C, P, P] -> [B, G², C·P·P],
// times the kernel [Hv, C·P·P]ᵀ, patches in row-major grid order as conv + flatten gives them.
func (b *builder) visionEmbeddings(pixels *graph.Node) *graph.Node {
	v := &b.cfg.Vision
	bsz, c, p, hv := b.opts.Batch, v.NumChannels, v.PatchSize, v.HiddenSize
	grid := v.ImageSize / p
	x := graph.Reshape(pixels, bsz, c, grid, p, grid, p)
	x = graph.Transpose(x, 0, 2, 4, 1, 3, 5)
	x = graph.Reshape(x, bsz, grid*grid, c*p*p)
	kernel := graph.Reshape(b.p(visionPrefix+"embeddings.patch_embedding.weight"), hv, c*p*p)
	patches := graph.Linear(x, kernel, nil) // [B G² Hv]
	cls := graph.BroadcastTo(graph.Reshape(b.p(visionPrefix+"embeddings.class_embedding"), 1, 1, hv), graph.Shape{bsz, 1, hv})
	x = graph.Concat(1, cls, patches)
	x = graph.Add(x, b.p(visionPrefix+"embeddings.position_embedding.weight"))
	return b.layerNorm(x, visionPrefix+"ln_pre", v.LayerNormEps)
}

// visionBlock is CLIP residual block i on x [B, Ni, Hv]:
// x += out_proj(MHA(ln_1(x))); x += c_proj(QuickGELU(c_fc(ln_2(x)))), with hidden/64 heads and
// the packed in_proj (rows q; k; v). No attention mask (HF ignores pixel_mask).
func (b *builder) visionBlock(i int, x *graph.Node) *graph.Node {
	v := &b.cfg.Vision
	p := visionPrefix + "transformer.resblocks." + strconv.Itoa(i) + "."
	eps, hv := v.LayerNormEps, v.HiddenSize
	h := b.layerNorm(x, p+"ln_1", eps)
	qkv := graph.Linear(h, b.p(p+"attn.in_proj_weight"), b.p(p+"attn.in_proj_bias")) // [B Ni 3Hv]
	q := graph.SliceAxis(qkv, -1, 0, hv)
	k := graph.SliceAxis(qkv, -1, hv, 2*hv)
	val := graph.SliceAxis(qkv, -1, 2*hv, 3*hv)
	a := b.multiHead(q, k, val, nil, hv/64, "", 0) // CLIP has no dropout
	x = graph.Add(x, b.linear(a, p+"attn.out_proj"))
	h = b.layerNorm(x, p+"ln_2", eps)
	h = b.linear(graph.QuickGELU(b.linear(h, p+"mlp.c_fc")), p+"mlp.c_proj")
	return graph.Add(x, h)
}

// lnPost is CLIP's ln_post, applied to every bridged vision hidden state.
func (b *builder) lnPost(x *graph.Node) *graph.Node {
	return b.layerNorm(x, visionPrefix+"ln_post", b.cfg.Vision.LayerNormEps)
}

// sequenceFirst turns [B, N, D] into [N, B, D], the layout HF returns vision hidden states in.
func sequenceFirst(x *graph.Node) *graph.Node { return graph.Transpose(x, 1, 0, 2) }
