package train

import (
	"fmt"
	"strings"
)

// This file: the optimizer settings of the original BridgeTower fine-tuning code
// (src/modules/meter_utils.py set_schedule): AdamW with betas (0.9, 0.98) and eps 1e-8, parameter
// groups by name, and HF's get_linear_schedule_with_warmup.

// AdamW holds the optimizer hyper-parameters. The zero values of Beta1, Beta2 and Eps mean the
// original code's 0.9, 0.98 and 1e-8.
type AdamW struct {
	LR               float64 `json:"lr"`                  // base learning rate
	WeightDecay      float64 `json:"weight_decay"`        // decoupled: p -= lr·wd·p before the Adam update
	Beta1            float64 `json:"beta1"`               // 0: 0.9
	Beta2            float64 `json:"beta2"`               // 0: 0.98
	Eps              float64 `json:"eps"`                 // 0: 1e-8
	LRMultCrossModal float64 `json:"lr_mult_cross_modal"` // lr multiplier of names containing "cross_modal" (0: 5)
	LRMultHead       float64 `json:"lr_mult_head"`        // lr multiplier of head names (0: 5)
}

func (a AdamW) withDefaults() AdamW {
	if a.Beta1 == 0 {
		a.Beta1 = 0.9
	}
	if a.Beta2 == 0 {
		a.Beta2 = 0.98
	}
	if a.Eps == 0 {
		a.Eps = 1e-8
	}
	if a.LRMultCrossModal == 0 {
		a.LRMultCrossModal = 5
	}
	if a.LRMultHead == 0 {
		a.LRMultHead = 5
	}
	return a
}

func (a AdamW) check() error {
	switch {
	case !(a.LR >= 0):
		return fmt.Errorf("train: learning rate %v must be >= 0", a.LR)
	case !(a.WeightDecay >= 0):
		return fmt.Errorf("train: weight decay %v must be >= 0", a.WeightDecay)
	case !(a.Beta1 >= 0 && a.Beta1 < 1 && a.Beta2 >= 0 && a.Beta2 < 1):
		return fmt.Errorf("train: AdamW betas (%v, %v) must be in [0, 1)", a.Beta1, a.Beta2)
	case !(a.Eps > 0):
		return fmt.Errorf("train: AdamW eps %v must be > 0", a.Eps)
	case !(a.LRMultCrossModal > 0 && a.LRMultHead > 0):
		return fmt.Errorf("train: lr multipliers (cross_modal %v, head %v) must be > 0", a.LRMultCrossModal, a.LRMultHead)
	}
	return nil
}

// headNames are the substrings that put a parameter in the head group (lr_mult_head).
var headNames = []string{"vqa_classifier", "nlvr2_classifier", "snli_classifier", "mlm_score", "itm_score", "itc_text_head", "itc_image_head"}

// noDecayNames are the substrings that exempt a parameter from weight decay. As in the original,
// CLIP's ln_1/ln_2/ln_pre/ln_post weights do not match and do decay.
var noDecayNames = []string{"bias", "LayerNorm.bias", "LayerNorm.weight", "norm.bias", "norm.weight", "norm1.bias", "norm1.weight", "norm2.bias", "norm2.weight"}

// Group is the optimizer group of one parameter.
type Group struct {
	Name  string  // "base", "cross_modal" or "head"
	LR    float64 // the group's base learning rate (before the schedule)
	Decay bool    // weight decay applies
}

// GroupOf returns the group of a parameter name (with or without the "bridgetower." prefix):
// a name containing "cross_modal" gets lr × LRMultCrossModal, else one containing a head name
// lr × LRMultHead, else the base lr; no decay when the name contains a no-decay substring.
func (a AdamW) GroupOf(name string) Group {
	a = a.withDefaults()
	g := Group{Name: "base", LR: a.LR, Decay: true}
	switch {
	case strings.Contains(name, "cross_modal"):
		g.Name, g.LR = "cross_modal", a.LR*a.LRMultCrossModal
	case containsAny(name, headNames):
		g.Name, g.LR = "head", a.LR*a.LRMultHead
	}
	if containsAny(name, noDecayNames) {
		g.Decay = false
	}
	return g
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// LRFactor is HF's get_linear_schedule_with_warmup multiplier at optimizer step s (counting from
// 0): s/warmup during the warm-up (so step 0 has lr 0), then (total-s)/(total-warmup), never below 0.
func LRFactor(s, warmup, total int) float64 {
	if s < warmup {
		return float64(s) / float64(max(1, warmup))
	}
	return max(0, float64(total-s)/float64(max(1, total-warmup)))
}
