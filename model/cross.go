package model

import (
	"strconv"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the cross-modal encoder (BERT post-LN layers with self-attention, cross-attention
// and a feed-forward block, built from text_config) and the poolers.

// crossLayer is cross-modal layer j of a side ("text" or "image") on its input x [B, Tx, H],
// attending to the other side's input of the same depth, other [B, To, H]. selfMask masks x's
// keys, otherMask the other side's keys (nil: all ones, as HF's image mask).
func (b *builder) crossLayer(side string, j int, x, other, selfMask, otherMask *graph.Node) *graph.Node {
	p := "cross_modal_" + side + "_layers." + strconv.Itoa(j)
	x = b.bertAttention(p+".attention", x, x, selfMask)
	x = b.bertAttention(p+".crossattention", x, other, otherMask)
	return b.bertFeedForward(p, x)
}

// pooler is tanh(dense(x[:, 0])) for x [B, T, H], giving [B, H].
func (b *builder) pooler(side string, x *graph.Node) *graph.Node {
	return graph.Tanh(b.linear(firstToken(x), "cross_modal_"+side+"_pooler.dense"))
}

// firstToken is x[:, 0] for x [B, T, D], giving [B, D].
func firstToken(x *graph.Node) *graph.Node {
	if !x.Valid() {
		return x
	}
	s := x.Shape()
	return graph.Reshape(graph.SliceAxis(x, 1, 0, 1), s[0], s[2])
}
