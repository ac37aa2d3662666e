package model

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/bridgetower-go/bt/graph"
)

// Input names of the model graph.
const (
	InputIDs         = "input_ids"      // int [B, T]
	InputMask        = "attention_mask" // [B, T], 1 keep / 0 pad (optional: all ones)
	InputPixels      = "pixel_values"   // float [B, C, S, S], S = vision_config.image_size
	InputPixelMask   = "pixel_mask"     // [B, S, S]: accepted and ignored, as HF does
	InputMLMLabels   = "mlm_labels"     // int [B, T], -100 ignored
	InputITMLabels   = "itm_labels"     // int [B]
	InputVQATargets  = "vqa_targets"    // float [B, NumLabels] soft scores
	InputClassLabels = "class_labels"   // int [B]
	// InputStep is the training step, an int scalar []: with BuildOptions.Training the dropout
	// masks are drawn from (BuildOptions.DropoutSeed, step), so a step replays exactly.
	InputStep = "step"
	// InputRowMask is float [B], 1 for a real row and 0 for a padding row (a short last batch
	// padded to the compiled batch size); only with BuildOptions.RowMask, default all ones. The
	// ITM, MLM, VQA and classifier losses then average over the real rows only: their labels
	// are ignored (-100) on padding rows, and the VQA loss is Σ_b m_b·Σ_j bce_bj / Σ_b m_b
	// (= the unmasked loss when every m_b is 1). All rows padding gives NaN, as torch does with
	// every label ignored. The contrastive loss is batch-wide and refuses row_mask.
	InputRowMask = "row_mask"
)

// BuildOptions chooses the graph: compute dtype, input shape, heads and extra outputs.
type BuildOptions struct {
	DType          graph.DType // F32 (also the zero value) or F64
	Batch, TextLen int         // B and T of input_ids
	Heads          []Head      // heads to build on the backbone
	// Losses lists heads whose loss is computed; it adds their label input (itc needs none).
	Losses []Head
	// HiddenStates adds model.hidden_states.{text,image,cross}.* outputs.
	HiddenStates bool
	// Training turns dropout on where HF has it (text_config.hidden_dropout_prob after the text
	// embeddings and after each attention output and feed-forward projection of the text and
	// cross-modal layers; attention_probs_dropout_prob on their attention probabilities; none in
	// CLIP, the bridges, poolers or heads) and adds the step input. Each dropout site draws its
	// mask from its own seed, derived from DropoutSeed and the site's parameter prefix. Without
	// Training the graph is the eval graph, unchanged.
	Training    bool
	DropoutSeed uint64
	// RowMask adds the row_mask input (see InputRowMask) to the losses.
	RowMask bool
}

// Model is a BridgeTower forward graph for one input shape. Outputs use the golden names:
// model.text_features [B,T,H], model.image_features [B,Ni,H], model.pooler_output [B,2H],
// model.hidden_states.text.{k} [B,T,Ht], model.hidden_states.image.{k} [Ni,B,Hv] (sequence
// first, as HF), model.hidden_states.cross.{j}.text / .image, and per head itm.*, mlm.*,
// contrastive.*, vqa.*, classifier.* (logits, and loss when asked for).
type Model struct {
	Config  *Config
	Options BuildOptions
	Wiring  Wiring
	Graph   *graph.Graph
	Params  map[string]*graph.Node // Param nodes by canonical HF name (label = name)
	Inputs  map[string]*graph.Node // Input nodes by input name
	Outputs map[string]*graph.Node // output nodes by golden name

	specs []ParamInfo
}

// ParamNames returns the names of the parameters the graph uses, sorted.
func (m *Model) ParamNames() []string { return sortedKeys(m.Params) }

// OutputNames returns the output names, sorted.
func (m *Model) OutputNames() []string { return sortedKeys(m.Outputs) }

// ParamInfos is the architecture's parameter list (see the function ParamInfos).
func (m *Model) ParamInfos() []ParamInfo { return append([]ParamInfo(nil), m.specs...) }

func sortedKeys(m map[string]*graph.Node) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// builder carries the state of one Build.
type builder struct {
	cfg    *Config
	opts   BuildOptions
	g      *graph.Graph
	dt     graph.DType
	spec   map[string]ParamInfo
	params map[string]*graph.Node
	inputs map[string]*graph.Node
	out    map[string]*graph.Node
	losses map[Head]bool
	err    error

	textAct, headAct func(*graph.Node) *graph.Node

	textHidden, imageHidden []*graph.Node // uni-modal hidden states; [0] = embeddings
	textBridge, imageBridge map[bridgeKey]*graph.Node
	ext                     Extensions
	frozen                  map[string]*graph.Node // detached Params of frozen encoders
}

func (b *builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("model: "+format, args...)
	}
}

// p returns the Param node of an architecture parameter, created on first use with the shape
// of the parameter list; a parameter of an encoder bt_frozen names is returned detached.
func (b *builder) p(name string) *graph.Node {
	if n, ok := b.frozen[name]; ok {
		return n
	}
	if n, ok := b.params[name]; ok {
		return n
	}
	info, ok := b.spec[name]
	if !ok {
		b.fail("internal: parameter %q is not in the architecture's parameter list", name)
		info.Shape = graph.Shape{0}
	}
	n := b.g.Param(name, b.dt, info.Shape)
	b.params[name] = n
	if (b.ext.FrozenText && info.Group == GroupText) || (b.ext.FrozenVision && info.Group == GroupVision) {
		d := graph.StopGradient(n)
		b.frozen[name] = d
		return d
	}
	return n
}

// input returns the Input node of a name, created on first use.
func (b *builder) input(name string, dt graph.DType, shape graph.Shape) *graph.Node {
	if n, ok := b.inputs[name]; ok {
		return n
	}
	n := b.g.Input(name, dt, shape)
	b.inputs[name] = n
	return n
}

func (b *builder) wantLoss(h Head) bool { return b.losses[h] }

// linear is prefix.weight / prefix.bias applied as nn.Linear.
func (b *builder) linear(x *graph.Node, prefix string) *graph.Node {
	return graph.Linear(x, b.p(prefix+".weight"), b.p(prefix+".bias"))
}

// layerNorm is prefix.weight / prefix.bias applied as nn.LayerNorm(eps).
func (b *builder) layerNorm(x *graph.Node, prefix string, eps float64) *graph.Node {
	return graph.LayerNorm(x, b.p(prefix+".weight"), b.p(prefix+".bias"), eps)
}

// Build constructs the BridgeTower forward graph of cfg for the given options. It refuses the
// configurations HF cannot run (Config.CheckSupported) and heads the config cannot carry.
func Build(cfg *Config, opts BuildOptions) (*Model, error) {
	if opts.DType == graph.Invalid {
		opts.DType = graph.F32
	}
	if opts.DType != graph.F32 && opts.DType != graph.F64 {
		return nil, fmt.Errorf("model: compute dtype %v is not supported (f32 or f64)", opts.DType)
	}
	specs, err := ParamInfos(cfg)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckSupported(); err != nil {
		return nil, err
	}
	wiring, err := cfg.Wiring()
	if err != nil {
		return nil, err
	}
	ext, err := cfg.Extensions()
	if err != nil {
		return nil, err
	}
	if opts.Batch < 1 || opts.TextLen < 1 {
		return nil, fmt.Errorf("model: batch %d and text length %d must be positive", opts.Batch, opts.TextLen)
	}
	pad := *cfg.Text.PadTokenID
	if maxPos := cfg.Text.MaxPositionEmbeddings; pad+opts.TextLen >= maxPos {
		return nil, fmt.Errorf("model: text length %d is too long: position ids reach pad_token_id + length = %d, and text_config.max_position_embeddings is %d", opts.TextLen, pad+opts.TextLen, maxPos)
	}
	heads := map[Head]bool{}
	for _, h := range opts.Heads {
		if _, ok := headGroup[h]; !ok {
			return nil, fmt.Errorf("model: unknown head %q", h)
		}
		if err := CheckHead(cfg, h); err != nil {
			return nil, err
		}
		heads[h] = true
	}
	losses := map[Head]bool{}
	for _, h := range opts.Losses {
		if !heads[h] {
			return nil, fmt.Errorf("model: loss of head %q asked for without the head", h)
		}
		if h == HeadITC && opts.RowMask {
			return nil, fmt.Errorf("model: the contrastive (itc) loss does not support row_mask: it compares every row with every other, so a padding row would act as a negative")
		}
		losses[h] = true
	}
	b := &builder{
		cfg: cfg, opts: opts, g: graph.New(), dt: opts.DType, spec: map[string]ParamInfo{},
		params: map[string]*graph.Node{}, inputs: map[string]*graph.Node{}, out: map[string]*graph.Node{},
		losses: losses, textBridge: map[bridgeKey]*graph.Node{}, imageBridge: map[bridgeKey]*graph.Node{},
		ext: ext, frozen: map[string]*graph.Node{},
	}
	for _, s := range specs {
		b.spec[s.Name] = s
	}
	b.textAct, _ = activation("text_config.hidden_act", cfg.Text.HiddenAct)
	b.headAct, _ = activation("hidden_act", cfg.HiddenAct)
	b.forward(wiring, heads)
	if b.err == nil {
		b.err = b.g.Err()
	}
	if b.err != nil {
		return nil, b.err
	}
	return &Model{Config: cfg, Options: opts, Wiring: wiring, Graph: b.g, Params: b.params, Inputs: b.inputs, Outputs: b.out, specs: specs}, nil
}

// forward builds the backbone (HF BridgeTowerModel.forward with the config's wiring) and heads.
func (b *builder) forward(w Wiring, heads map[Head]bool) {
	cfg, o := b.cfg, b.opts
	v := &cfg.Vision
	ids := b.input(InputIDs, graph.I64, graph.Shape{o.Batch, o.TextLen})
	mask := b.input(InputMask, b.dt, graph.Shape{o.Batch, o.TextLen})
	pixels := b.input(InputPixels, b.dt, graph.Shape{o.Batch, v.NumChannels, v.ImageSize, v.ImageSize})
	textMask := additiveMask(mask) // [B 1 1 T]; the image mask is all ones: no mask

	// Uni-modal towers, up to the deepest layer the wiring reads.
	b.textHidden = []*graph.Node{b.textEmbeddings(ids)}
	for i := 0; i < w.TextLayers; i++ {
		b.textHidden = append(b.textHidden, b.textLayer(i, b.textHidden[i], textMask))
	}
	b.imageHidden = []*graph.Node{b.visionEmbeddings(pixels)}
	for i := 0; i < w.VisionLayers; i++ {
		b.imageHidden = append(b.imageHidden, b.visionBlock(i, b.imageHidden[i]))
	}

	// Cross-modal encoder: layer 0 takes the LayerNormed bridge inputs, later layers the link
	// towers' merge of the bridge input with the previous cross-modal output (with
	// link_tower_type none, the previous output alone).
	link, _ := LinkTowerFor(cfg.LinkTowerType)
	xt := b.layerNorm(b.textBridgeInput(0, w.Text[0]), "cross_modal_text_layernorm", cfg.LayerNormEps)
	xi := b.layerNorm(b.imageBridgeInput(0, w.Image[0]), "cross_modal_image_layernorm", cfg.LayerNormEps)
	var crossText, crossImage []*graph.Node
	for j := 0; j < cfg.NumHiddenLayers; j++ {
		switch {
		case j > 0 && link.NoBridge:
			xt, xi = crossText[j-1], crossImage[j-1]
		case j > 0:
			xt = b.linkTower("text", j-1, b.textBridgeInput(j, w.Text[j]), crossText[j-1])
			xi = b.linkTower("image", j-1, b.imageBridgeInput(j, w.Image[j]), crossImage[j-1])
		}
		crossText = append(crossText, b.crossLayer("text", j, xt, xi, textMask, nil))
		crossImage = append(crossImage, b.crossLayer("image", j, xi, xt, nil, textMask))
	}
	textFeatures, imageFeatures := crossText[len(crossText)-1], crossImage[len(crossImage)-1]
	pooled := graph.Concat(-1, b.pooler("text", textFeatures), b.pooler("image", imageFeatures))
	b.out["model.text_features"] = textFeatures
	b.out["model.image_features"] = imageFeatures
	b.out["model.pooler_output"] = pooled
	if o.HiddenStates {
		for k, h := range b.textHidden {
			b.out["model.hidden_states.text."+strconv.Itoa(k)] = h
		}
		for k, h := range b.imageHidden {
			b.out["model.hidden_states.image."+strconv.Itoa(k)] = sequenceFirst(h)
		}
		for j := range crossText {
			b.out["model.hidden_states.cross."+strconv.Itoa(j)+".text"] = crossText[j]
			b.out["model.hidden_states.cross."+strconv.Itoa(j)+".image"] = crossImage[j]
		}
	}

	if heads[HeadITM] {
		b.itmHead(pooled)
	}
	if heads[HeadMLM] {
		b.mlmHead(textFeatures)
	}
	if heads[HeadITC] {
		b.contrastiveHead(pooled)
	}
	if heads[HeadVQA] {
		b.classifierHead(HeadVQA, "vqa_classifier", pooled)
	}
	if heads[HeadClassifier] {
		b.classifierHead(HeadClassifier, "snli_classifier", pooled)
	}
}
