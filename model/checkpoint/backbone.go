package checkpoint

import (
	"fmt"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// BackbonePrefix is how HF's head models (BridgeTowerForMaskedLM, ...ForImageAndTextRetrieval,
// ...ForContrastiveLearning) name the BridgeTowerModel inside them; BridgeTowerModel itself and
// the original Lightning checkpoints use the bare names.
const BackbonePrefix = "bridgetower."

// backboneRoots are the first components of BridgeTowerModel parameter names.
var backboneRoots = []string{"text_model.", "vision_model.", "cross_modal_", "token_type_embeddings."}

// IsBackboneName reports whether a bare name (no BackbonePrefix) belongs to BridgeTowerModel.
func IsBackboneName(name string) bool {
	for _, r := range backboneRoots {
		if strings.HasPrefix(name, r) {
			return true
		}
	}
	return false
}

// Split separates the tensors into the backbone (BridgeTowerModel names, BackbonePrefix
// removed) and the heads (mlm_score.*, itm_score.*, itc_*, logit_scale, vqa_classifier.*, ...).
// When any name carries the prefix, exactly the prefixed names are the backbone; otherwise the
// backbone is recognised by its root modules. A name present both with and without the prefix
// is an error.
func (c *Checkpoint) Split() (backbone, heads map[string]*graph.Tensor, err error) {
	prefixed := false
	for n := range c.Tensors {
		if strings.HasPrefix(n, BackbonePrefix) {
			prefixed = true
			break
		}
	}
	backbone, heads = map[string]*graph.Tensor{}, map[string]*graph.Tensor{}
	for n, t := range c.Tensors {
		switch {
		case prefixed && strings.HasPrefix(n, BackbonePrefix):
			backbone[strings.TrimPrefix(n, BackbonePrefix)] = t
		case !prefixed && IsBackboneName(n):
			backbone[n] = t
		default:
			heads[n] = t
		}
	}
	if prefixed {
		for n := range heads {
			if _, clash := backbone[n]; clash {
				return nil, nil, fmt.Errorf("checkpoint: %s: tensor %q is present both with and without the %q prefix", c.Path, n, BackbonePrefix)
			}
		}
	}
	return backbone, heads, nil
}
