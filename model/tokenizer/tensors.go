package tokenizer

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// BatchTensors packs encodings of equal length (padded by EncodeBatch) into the model inputs:
// input_ids and attention_mask, both int64 [B, T] as HF's processor returns them.
func BatchTensors(encs []Encoding) (ids, mask *graph.Tensor, err error) {
	if len(encs) == 0 {
		return nil, nil, fmt.Errorf("tokenizer: no encodings to pack")
	}
	T := len(encs[0].IDs)
	idData := make([]int64, 0, len(encs)*T)
	maskData := make([]int64, 0, len(encs)*T)
	for i, e := range encs {
		if len(e.IDs) != T || len(e.AttentionMask) != T {
			return nil, nil, fmt.Errorf("tokenizer: encoding %d has %d tokens, encoding 0 has %d: pad the batch", i, len(e.IDs), T)
		}
		for k := range e.IDs {
			idData = append(idData, int64(e.IDs[k]))
			maskData = append(maskData, int64(e.AttentionMask[k]))
		}
	}
	shape := graph.Shape{len(encs), T}
	return graph.FromInt64(shape, idData), graph.FromInt64(shape, maskData), nil
}
