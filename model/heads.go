package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the task heads on top of the backbone — image-text matching, masked LM, contrastive
// (HF's three-way ITC), the original repository's VQA classifier and an SNLI-VE-style classifier —
// and their losses, with the per-row mask (row_mask) of training batches.

// Head names a task head.
type Head string

// The heads.
const (
	HeadITM        Head = "itm"        // itm_score: Linear(2H, 2) on pooler_output
	HeadMLM        Head = "mlm"        // mlm_score: dense, act, LN, decoder + bias on text_features
	HeadITC        Head = "itc"        // itc_*_head + logit_scale (BridgeTowerForContrastiveLearning)
	HeadVQA        Head = "vqa"        // vqa_classifier: Linear, LN, GELU, Linear to the answers
	HeadClassifier Head = "classifier" // snli_classifier: same shape, NumLabels classes
)

// AllHeads lists the heads in a fixed order.
var AllHeads = []Head{HeadITM, HeadMLM, HeadITC, HeadVQA, HeadClassifier}

// headGroup is the parameter group of each head.
var headGroup = map[Head]string{HeadITM: GroupITM, HeadMLM: GroupMLM, HeadITC: GroupITC, HeadVQA: GroupVQA, HeadClassifier: GroupClassifier}

// ParseHeads reads a comma-separated head list ("itm,mlm,itc"); "" is no head.
func ParseHeads(s string) ([]Head, error) {
	var out []Head
	seen := map[Head]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		h := Head(f)
		if _, ok := headGroup[h]; !ok {
			return nil, fmt.Errorf("model: unknown head %q (known: itm, mlm, itc, vqa, classifier)", f)
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return headIndex(out[i]) < headIndex(out[j]) })
	return out, nil
}

func headIndex(h Head) int {
	for i, x := range AllHeads {
		if x == h {
			return i
		}
	}
	return len(AllHeads)
}

// itmHead is itm_score.fc on pooler_output [B, 2H], giving logits [B, 2].
func (b *builder) itmHead(pooled *graph.Node) {
	logits := b.linear(pooled, "itm_score.fc")
	b.out["itm.logits"] = logits
	if b.wantLoss(HeadITM) {
		labels := b.maskLabels(b.input(InputITMLabels, graph.I64, graph.Shape{b.opts.Batch}))
		b.out["itm.loss"] = graph.SoftmaxCrossEntropy(logits, labels, -100)
	}
}

// mlmHead is the MLM head on text_features [B, T, H]: decoder(LN(act(dense(x)))) + bias, with
// the top-level hidden_act and layer_norm_eps; logits [B, T, V]. The decoder is the word
// embedding table when tie_word_embeddings is true, mlm_score.decoder.weight otherwise.
func (b *builder) mlmHead(text *graph.Node) {
	h := b.headAct(b.linear(text, "mlm_score.transform.dense"))
	h = b.layerNorm(h, "mlm_score.transform.LayerNorm", b.cfg.LayerNormEps)
	decoder := "mlm_score.decoder.weight"
	if b.cfg.TieWordEmbeddings {
		decoder = "text_model.embeddings.word_embeddings.weight"
	}
	logits := graph.Add(graph.Linear(h, b.p(decoder), nil), b.p("mlm_score.bias"))
	b.out["mlm.logits"] = logits
	if b.wantLoss(HeadMLM) {
		v := b.cfg.Text.VocabSize
		labels := b.maskLabels(b.input(InputMLMLabels, graph.I64, graph.Shape{b.opts.Batch, b.opts.TextLen}))
		b.out["mlm.loss"] = graph.SoftmaxCrossEntropy(graph.Reshape(logits, -1, v), graph.Reshape(labels, -1), -100)
	}
}

// contrastiveHead is BridgeTowerForContrastiveLearning: text from the last uni-modal text
// hidden state's token 0, image from image_transform(ln_post(last vision hidden state)) +
// token type 1 at token 0 (no cross-modal LayerNorm), cross from pooler_output; each through its
// Linear and L2-normalised ([B, C]); logits stack them to [B, 3, C]; the loss is the mean of the
// text-image, text-cross and image-cross cross-entropies of exp(logit_scale)-scaled similarities
// against the diagonal.
func (b *builder) contrastiveHead(pooled *graph.Node) {
	last := len(b.textHidden) - 1
	text := l2Normalize(b.linear(firstToken(b.textHidden[last]), "itc_text_head.fc"))
	image := l2Normalize(b.linear(firstToken(b.imageBridgeInput(b.cfg.NumHiddenLayers-1, len(b.imageHidden)-1)), "itc_image_head.fc"))
	cross := l2Normalize(b.linear(pooled, "itc_cross_modal_head.fc"))
	bsz, c := b.opts.Batch, b.cfg.ContrastiveHiddenSize
	row := func(x *graph.Node) *graph.Node { return graph.Reshape(x, bsz, 1, c) }
	b.out["contrastive.text_embeds"] = text
	b.out["contrastive.image_embeds"] = image
	b.out["contrastive.cross_embeds"] = cross
	b.out["contrastive.logits"] = graph.Concat(1, row(text), row(image), row(cross))
	if b.wantLoss(HeadITC) {
		scale := graph.Exp(b.p("logit_scale"))
		labels := b.g.Iota(graph.I64, graph.Shape{bsz}, 0)
		ce := func(x, y *graph.Node) *graph.Node {
			return graph.SoftmaxCrossEntropy(graph.Mul(graph.MatMulT(x, y, false, true), scale), labels, -100)
		}
		sum := graph.Add(graph.Add(ce(text, image), ce(text, cross)), ce(image, cross))
		b.out["contrastive.loss"] = graph.Div(sum, b.g.Scalar(3, b.dt))
	}
}

// l2Normalize is torch's F.normalize(x, p=2, dim=-1): x / max(‖x‖, 1e-12).
func l2Normalize(x *graph.Node) *graph.Node {
	if !x.Valid() {
		return x
	}
	ax := x.Rank() - 1
	norm := graph.KeepDims(graph.Sqrt(graph.ReduceSum(graph.Square(x), ax)), x, ax)
	return graph.Div(x, graph.Max(norm, x.Graph().Scalar(1e-12, x.DType())))
}

// classifierHead is the original repository's VQA/SNLI-VE classifier on pooler_output [B, 2H]:
// prefix.0 Linear(2H, 2H·s), prefix.1 LayerNorm (torch default eps 1e-5), exact GELU, prefix.3
// Linear(2H·s, NumLabels). VQA's loss is the mean BCE-with-logits against soft scores times the
// answer count (as the original compute_vqa); the classifier's is cross-entropy.
func (b *builder) classifierHead(h Head, prefix string, pooled *graph.Node) {
	x := b.linear(pooled, prefix+".0")
	x = graph.GELU(b.layerNorm(x, prefix+".1", 1e-5))
	logits := b.linear(x, prefix+".3")
	name := string(h)
	b.out[name+".logits"] = logits
	if !b.wantLoss(h) {
		return
	}
	n := b.cfg.NumLabels()
	if h == HeadVQA {
		targets := b.input(InputVQATargets, b.dt, graph.Shape{b.opts.Batch, n})
		if b.opts.RowMask {
			b.out[name+".loss"] = b.maskedVQALoss(logits, targets)
			return
		}
		b.out[name+".loss"] = graph.MulScalar(graph.BCEWithLogits(logits, targets), float64(n))
		return
	}
	labels := b.maskLabels(b.input(InputClassLabels, graph.I64, graph.Shape{b.opts.Batch}))
	b.out[name+".loss"] = graph.SoftmaxCrossEntropy(logits, labels, -100)
}

// HeadGroup is the parameter group (Group* constants) of a head's weights.
func HeadGroup(h Head) string { return headGroup[h] }

// CheckHead reports why cfg cannot carry head h (nil when it can).
func CheckHead(cfg *Config, h Head) error {
	switch h {
	case HeadITC:
		if cfg.ContrastiveHiddenSize <= 0 {
			return fmt.Errorf("model: the itc head needs contrastive_hidden_size > 0 in the config")
		}
		if cfg.Vision.HiddenSize != cfg.HiddenSize {
			return fmt.Errorf("model: the itc head needs vision_config.hidden_size (%d) = hidden_size (%d): Hugging Face's BridgeTowerForContrastiveLearning fails otherwise, so there is no reference behaviour", cfg.Vision.HiddenSize, cfg.HiddenSize)
		}
	case HeadVQA, HeadClassifier:
		if cfg.NumLabels() < 1 {
			return fmt.Errorf("model: the %s head needs at least one label in the config's id2label", h)
		}
	}
	return nil
}

// realRows is row_mask > 0 ([B] Bool), or nil without BuildOptions.RowMask.
func (b *builder) realRows() *graph.Node {
	if !b.opts.RowMask {
		return nil
	}
	m := b.input(InputRowMask, b.dt, graph.Shape{b.opts.Batch})
	return graph.Greater(m, b.g.Scalar(0, b.dt))
}

// maskLabels sets integer labels [B, ...] to -100 (ignored) on padding rows; labels unchanged
// without a row mask.
func (b *builder) maskLabels(labels *graph.Node) *graph.Node {
	real := b.realRows()
	if real == nil || !labels.Valid() {
		return labels
	}
	s := labels.Shape()
	shape := make([]int, len(s))
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = s[0]
	cond := graph.BroadcastTo(graph.Reshape(real, shape...), s)
	return graph.Where(cond, labels, b.g.Full(-100, labels.DType(), s))
}

// maskedVQALoss is the VQA loss with a row mask m [B]: Σ_b m_b·Σ_j bce(x_bj, z_bj) / Σ_b m_b,
// with bce = max(x, 0) − x·z + log(1 + exp(−|x|)) (BCEWithLogitsOp's formula). With every m_b = 1
// it is the unmasked mean BCE times the answer count.
func (b *builder) maskedVQALoss(logits, targets *graph.Node) *graph.Node {
	m := b.input(InputRowMask, b.dt, graph.Shape{b.opts.Batch})
	x, z := logits, targets
	l := graph.Add(graph.Sub(graph.Max(x, graph.ZerosLike(x)), graph.Mul(x, z)), graph.Log(graph.AddScalar(graph.Exp(graph.Neg(graph.Abs(x))), 1)))
	rows := graph.ReduceSum(l, 1) // [B]
	return graph.Div(graph.ReduceSum(graph.Mul(rows, m)), graph.ReduceSum(m))
}
