#!/usr/bin/python3
"""Writes the torch checkpoint fixtures of package checkpoint (run with Debian's python3-torch).

    cd model/checkpoint/testdata && /usr/bin/python3 gen_fixtures.py

Outputs (all small, committed):
  state_zip.bin      torch.save of a state dict, zip format (torch >= 1.6 default)
  state_legacy.bin   the same dict, legacy format (_use_new_zipfile_serialization=False)
  lightning.ckpt     a fake PyTorch-Lightning checkpoint of the original microsoft/BridgeTower
                     code: original key names, optimizer state, hyper_parameters holding
                     classes the reader does not know
  lightning_legacy.ckpt  the same in the legacy format
  expected.json      for every tensor: dtype, shape and the row-major values (f16/bf16 as raw
                     uint16 bits) computed by torch, the oracle for the Go tests
"""
import collections
import json
import sys
import types

import torch

torch.manual_seed(0)


def state_dict():
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1.25
    sd = collections.OrderedDict()
    sd["f32"] = torch.tensor([[1.5, -2.25, 3.0], [4.0, 5.5, -6.75]])
    # f16: normal, max, smallest subnormal, negative zero, infinity, a rounded third
    sd["f16"] = torch.tensor([0.5, 65504.0, 2.0 ** -24, -0.0, float("inf"), 1.0 / 3.0], dtype=torch.float16)
    sd["bf16"] = torch.tensor([[1.0, -2.5], [3.140625, 1e38]], dtype=torch.bfloat16)
    sd["f64"] = torch.tensor([3.141592653589793, -1e-300], dtype=torch.float64)
    sd["position_ids"] = torch.arange(6, dtype=torch.int64).reshape(1, 6)
    sd["i32"] = torch.tensor([-7, 2147483647], dtype=torch.int32)
    sd["u8"] = torch.tensor([0, 128, 255], dtype=torch.uint8)
    sd["mask"] = torch.tensor([True, False, True])
    # Views of one storage: a transpose (strides (1, 4)) and a slice with storage offset 5.
    sd["base"] = base
    sd["transposed"] = base.t()
    sd["slice"] = base[1:, 1:3]
    # A strided view of a 3-d tensor: permuted and stepped.
    cube = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    sd["permuted_step"] = cube.permute(2, 0, 1)[::2]
    sd["scalar"] = torch.tensor(2.6592)
    sd["empty"] = torch.zeros(0, 3)
    return sd


def describe(t):
    names = {torch.float32: "f32", torch.float64: "f64", torch.float16: "f16", torch.bfloat16: "bf16",
             torch.int64: "i64", torch.int32: "i32", torch.uint8: "u8", torch.bool: "bool"}
    c = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        values = [int(v) & 0xFFFF for v in c.view(torch.int16).flatten().tolist()]
    elif t.dtype == torch.bool:
        values = [bool(v) for v in c.flatten().tolist()]
    else:
        values = c.flatten().tolist()
    info = {"dtype": names[t.dtype], "shape": list(t.shape), "values": values,
            "contiguous": t.is_contiguous(), "storage_offset": t.storage_offset(), "stride": list(t.stride())}
    return info


# Classes that live only in the training code: the Go reader must load around them.
pl = types.ModuleType("pytorch_lightning.utilities.parsing")


class AttributeDict(dict):
    pass


AttributeDict.__module__ = "pytorch_lightning.utilities.parsing"
pl.AttributeDict = AttributeDict
sys.modules["pytorch_lightning.utilities.parsing"] = pl
for parent in ("pytorch_lightning", "pytorch_lightning.utilities"):
    sys.modules.setdefault(parent, types.ModuleType(parent))


class Namespace:
    def __init__(self, **kw):
        self.__dict__.update(kw)


Namespace.__module__ = "argparse_like"
ns_mod = types.ModuleType("argparse_like")
ns_mod.Namespace = Namespace
sys.modules["argparse_like"] = ns_mod


def lightning_state_dict():
    g = torch.Generator().manual_seed(1)

    def r(*shape):
        return torch.randn(*shape, generator=g)

    sd = collections.OrderedDict()
    sd["vit_model.visual.class_embedding"] = r(8)
    sd["vit_model.visual.positional_embedding"] = r(5, 8)
    sd["vit_model.visual.conv1.weight"] = r(8, 3, 4, 4)
    sd["vit_model.visual.ln_pre.weight"] = r(8)
    sd["vit_model.visual.transformer.resblocks.0.attn.in_proj_weight"] = r(24, 8)
    sd["vit_model.visual.transformer.resblocks.0.mlp.c_fc.bias"] = r(32)
    sd["vit_model.visual.ln_post.bias"] = r(8)
    sd["vit_model.visual.ln_separate.0.weight"] = r(8)
    sd["vit_model.positional_embedding"] = r(7, 8)  # CLIP text-side leftover
    sd["vit_model.ln_final.weight"] = r(8)  # CLIP text-side leftover
    sd["vit_model.ln_final.bias"] = r(8)
    sd["text_transformer.embeddings.word_embeddings.weight"] = r(10, 8)
    sd["text_transformer.embeddings.position_ids"] = torch.arange(7).reshape(1, 7)
    sd["text_transformer.encoder.layer.0.attention.self.query.weight"] = r(8, 8).t()  # non-contiguous
    sd["text_transformer.pooler.dense.bias"] = r(8)
    sd["cross_modal_text_transform.weight"] = r(8, 8)
    sd["cross_modal_image_link_tower.0.LayerNorm.weight"] = r(8)
    sd["token_type_embeddings.weight"] = r(2, 8)
    sd["mlm_score.bias"] = r(10)
    sd["itm_score.fc.weight"] = r(2, 16)
    sd["vqa_classifier.0.weight"] = r(16, 8)
    sd["vqa_classifier.1.bias"] = r(16)
    sd["vqa_classifier.3.weight"] = r(5, 16)
    sd["temperature"] = torch.tensor(0.07)
    return sd


def main():
    sd = state_dict()
    torch.save(sd, "state_zip.bin")
    torch.save(sd, "state_legacy.bin", _use_new_zipfile_serialization=False)
    lsd = lightning_state_dict()
    ckpt = {
        "epoch": 3,
        "global_step": 1000,
        "pytorch-lightning_version": "1.3.2",
        "state_dict": lsd,
        "optimizer_states": [{"state": {0: {"step": 10, "exp_avg": torch.ones(8), "exp_avg_sq": torch.ones(8)}},
                              "param_groups": [{"lr": 1e-5, "params": [0]}]}],
        "lr_schedulers": [],
        "hyper_parameters": AttributeDict(config=AttributeDict(max_text_len=40, image_size=576),
                                          args=Namespace(lr=1e-5, seed=0)),
    }
    torch.save(ckpt, "lightning.ckpt")
    torch.save(ckpt, "lightning_legacy.ckpt", _use_new_zipfile_serialization=False)
    expected = {"state": {k: describe(v) for k, v in sd.items()},
                "lightning": {k: describe(v) for k, v in lsd.items()},
                "torch_version": torch.__version__}
    with open("expected.json", "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
