package checkpoint

import (
	"fmt"
	"strings"
)

// The original microsoft/BridgeTower code saves PyTorch-Lightning checkpoints: a torch pickle
// whose top-level dict holds "state_dict" (plus epoch, global_step, optimizer_states, ...).
// Its parameter names differ from HF's in the vision and text towers:
//
//	vit_model.visual.conv1.weight             -> vision_model.visual.embeddings.patch_embedding.weight
//	vit_model.visual.class_embedding          -> vision_model.visual.embeddings.class_embedding
//	vit_model.visual.positional_embedding     -> vision_model.visual.embeddings.position_embedding.weight
//	vit_model.visual.<rest>                   -> vision_model.visual.<rest>  (ln_pre, ln_post, resblocks, ln_separate)
//	text_transformer.<rest>                   -> text_model.<rest>
//	vit_model.positional_embedding, vit_model.ln_final.*   dropped (CLIP text-side leftovers)
//
// Everything else keeps its name: cross_modal_*, token_type_embeddings, mlm_score.*, itm_score.*
// (shared with HF) and the task heads HF does not have (vqa_classifier.*, nlvr2_classifier.*,
// snli_classifier.*, rank_output.*, itc_*_head.*, temperature).

var lightningRenames = map[string]string{
	"vit_model.visual.conv1.weight":         "vision_model.visual.embeddings.patch_embedding.weight",
	"vit_model.visual.class_embedding":      "vision_model.visual.embeddings.class_embedding",
	"vit_model.visual.positional_embedding": "vision_model.visual.embeddings.position_embedding.weight",
}

// LightningName maps an original BridgeTower parameter name to its HF name. keep is false for
// the leftovers that HF has no place for.
func LightningName(orig string) (hf string, keep bool) {
	if n, ok := lightningRenames[orig]; ok {
		return n, true
	}
	switch {
	case orig == "vit_model.positional_embedding" || strings.HasPrefix(orig, "vit_model.ln_final."):
		return "", false
	case strings.HasPrefix(orig, "vit_model.visual."):
		return "vision_model.visual." + strings.TrimPrefix(orig, "vit_model.visual."), true
	case strings.HasPrefix(orig, "text_transformer."):
		return "text_model." + strings.TrimPrefix(orig, "text_transformer."), true
	}
	return orig, true
}

// lightningMetadata collects the scalar bookkeeping entries of a Lightning checkpoint.
func lightningMetadata(root any) map[string]string {
	meta := map[string]string{}
	for _, key := range []string{"epoch", "global_step", "pytorch-lightning_version"} {
		if v, ok := lookup(root, key); ok {
			switch v.(type) {
			case int, string, float64:
				meta[key] = fmt.Sprint(v)
			}
		}
	}
	return meta
}
