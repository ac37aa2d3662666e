// Package model is BridgeTower: the vision-language model of Xu et al. (AAAI 2023) as Hugging
// Face transformers implements it, written once as a compute graph.
//
// It holds the model configuration (Config, read from and written to HF's config.json), the
// binding of checkpoint tensors to the model's parameters by their HF names, the text tower
// (RoBERTa), the vision tower (CLIP ViT), the bridge (link tower) layers that feed the top
// uni-modal layers into the cross-modal layers, the cross-modal transformer, the poolers and the
// task heads (image-text matching, masked LM, contrastive, VQA and classification).
//
// For fine-tuning, BuildOptions.Training adds HF's dropout (seeded per site, replayable from the
// step input) and BuildOptions.RowMask a per-row mask of the losses; InitWeights draws parameters
// by HF's _init_weights rules, LoadForTask fills the parameters a checkpoint lacks (a new task
// head) and reports them, and PresetConfig gives the configs of bt init.
//
// Reading and writing weights lives in the sub-packages safetensors (the safetensors format) and
// checkpoint (any supported checkpoint file or directory, with HF key names).
package model
