"""BridgeTower-base forward in plain PyTorch eager (no transformers package): the baseline of
scripts/bench_vs_torch.sh for `bt bench --preset base`.

The model is written from Hugging Face's modeling_bridgetower.py (BridgeTowerForMaskedLM's
backbone plus the ITM head): RoBERTa text encoder (12 post-LN layers, exact GELU), CLIP ViT-B/16
at 288 px (conv patch embedding without bias, class token, positions, ln_pre, 12 pre-LN blocks
with nn.MultiheadAttention and QuickGELU, the shared ln_post applied to each bridged layer),
cross_modal_{text,image}_transform, token-type embeddings 0/1, 6 BERT-style cross-modal layers per
side (self-attention, cross-attention, FFN), 5 "add" link towers per side (LayerNorm(x + y)),
poolers (dense + tanh on the first token), ITM head Linear(2H, 2) and MLM head (dense, GELU, LN,
decoder to the 50,265-token vocabulary) on the cross-modal text features. Weights are PyTorch's
default random initialisation; the shapes are those of bt bench --preset base at batch 1:
40 tokens, 3x288x288 pixels.

Prints one JSON line: import, build and first-forward seconds (wall, measured inside Python from
its first line), then the median/min/max wall time and the median process CPU time of the timed
forwards (after --warmup untimed ones; with --warmup 0 the first forward is also the first timed
one), and the GEMM FLOPs of the forward computed from the shapes (the same sum of 2mnk that
bt bench reports).

--save FILE writes the random weights (torch.save of the state_dict) and exits; --load FILE builds
without random initialisation and loads them (torch.load + load_state_dict, reported as load_s),
the whole-process counterpart of bt bench --model DIR.

Usage: /usr/bin/python3 scripts/torch_bridgetower.py [--runs N] [--warmup N] [--threads 2] [--batch 1]
       [--save FILE | --load FILE]
"""
import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

T_IMPORTED = time.perf_counter()

H, HEADS, FFN, VOCAB, POSITIONS = 768, 12, 3072, 50265, 514
TEXT_LAYERS, VISION_LAYERS, CROSS_LAYERS = 12, 12, 6
IMAGE, PATCH = 288, 16
PAD = 1


class SelfOutput(nn.Module):
    """BertSelfOutput / BertOutput: dense, dropout (eval: none), LayerNorm(x + input)."""

    def __init__(self, d_in, eps=1e-5):
        super().__init__()
        self.dense = nn.Linear(d_in, H)
        self.LayerNorm = nn.LayerNorm(H, eps=eps)

    def forward(self, x, inp):
        return self.LayerNorm(self.dense(x) + inp)


class BertAttention(nn.Module):
    """BertSelfAttention + BertSelfOutput; keys and values from `other` (cross-attention) or x."""

    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)
        self.output = SelfOutput(H)

    def forward(self, x, mask, other=None):
        kv = x if other is None else other
        b, n, _ = x.shape
        m = kv.shape[1]
        q = self.query(x).view(b, n, HEADS, -1).transpose(1, 2)
        k = self.key(kv).view(b, m, HEADS, -1).transpose(1, 2)
        v = self.value(kv).view(b, m, HEADS, -1).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-1, -2)) / (H // HEADS) ** 0.5 + mask
        ctx = torch.matmul(s.softmax(-1), v).transpose(1, 2).reshape(b, n, H)
        return self.output(ctx, x)


class TextLayer(nn.Module):
    """RoBERTa layer (cross=False) or BridgeTower's cross-modal layer (cross=True)."""

    def __init__(self, cross):
        super().__init__()
        self.attention = BertAttention()
        self.crossattention = BertAttention() if cross else None
        self.intermediate = nn.Linear(H, FFN)
        self.output = SelfOutput(FFN)

    def forward(self, x, mask, other=None, other_mask=None):
        x = self.attention(x, mask)
        if self.crossattention is not None:
            x = self.crossattention(x, other_mask, other)
        return self.output(F.gelu(self.intermediate(x)), x)


class TextEmbeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, H, padding_idx=PAD)
        self.position_embeddings = nn.Embedding(POSITIONS, H, padding_idx=PAD)
        self.token_type_embeddings = nn.Embedding(1, H)
        self.LayerNorm = nn.LayerNorm(H, eps=1e-5)

    def forward(self, ids):
        keep = ids.ne(PAD).int()
        pos = (torch.cumsum(keep, 1) * keep).long() + PAD
        x = self.word_embeddings(ids) + self.position_embeddings(pos) + self.token_type_embeddings(torch.zeros_like(ids))
        return self.LayerNorm(x)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    """CLIP block, sequence-first [N, B, D] as in BridgeTower's vision tower."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(H, H // 64)
        self.ln_1 = nn.LayerNorm(H)
        self.mlp = nn.Sequential(nn.Linear(H, 4 * H), QuickGELU(), nn.Linear(4 * H, H))
        self.ln_2 = nn.LayerNorm(H)

    def forward(self, x):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class VisualTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        grid = IMAGE // PATCH
        self.conv1 = nn.Conv2d(3, H, PATCH, PATCH, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(H) * H ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn(grid * grid + 1, H) * H ** -0.5)
        self.ln_pre = nn.LayerNorm(H)
        self.resblocks = nn.ModuleList(ResidualAttentionBlock() for _ in range(VISION_LAYERS))
        self.ln_post = nn.LayerNorm(H)

    def forward_pre(self, px):
        x = self.conv1(px).flatten(2).transpose(1, 2)  # [B, G*G, H]
        cls = self.class_embedding.expand(x.shape[0], 1, H)
        x = self.ln_pre(torch.cat([cls, x], 1) + self.positional_embedding)
        return x.transpose(0, 1)  # [N, B, H]

    def forward_post(self, x):
        return self.ln_post(x.transpose(0, 1))


class Pooler(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(H, H)

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


def extended(mask):
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


class BridgeTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = TextEmbeddings()
        self.text_layers = nn.ModuleList(TextLayer(False) for _ in range(TEXT_LAYERS))
        self.visual = VisualTransformer()
        self.cross_modal_text_transform = nn.Linear(H, H)
        self.cross_modal_image_transform = nn.Linear(H, H)
        self.token_type_embeddings = nn.Embedding(2, H)
        self.cross_modal_text_layers = nn.ModuleList(TextLayer(True) for _ in range(CROSS_LAYERS))
        self.cross_modal_image_layers = nn.ModuleList(TextLayer(True) for _ in range(CROSS_LAYERS))
        self.cross_modal_text_layernorm = nn.LayerNorm(H)
        self.cross_modal_image_layernorm = nn.LayerNorm(H)
        self.text_link_tower = nn.ModuleList(nn.LayerNorm(H) for _ in range(CROSS_LAYERS - 1))
        self.image_link_tower = nn.ModuleList(nn.LayerNorm(H) for _ in range(CROSS_LAYERS - 1))
        self.cross_modal_text_pooler = Pooler()
        self.cross_modal_image_pooler = Pooler()
        self.itm_score = nn.Linear(2 * H, 2)
        self.mlm_transform = nn.Linear(H, H)
        self.mlm_layernorm = nn.LayerNorm(H, eps=1e-5)
        self.mlm_decoder = nn.Linear(H, VOCAB)

    def forward(self, ids, px):
        text_mask = extended(torch.ones_like(ids))
        text = self.embeddings(ids)
        split = TEXT_LAYERS - CROSS_LAYERS + 1
        for layer in self.text_layers[:split]:
            text = layer(text, text_mask)
        image = self.visual.forward_pre(px)
        for block in self.visual.resblocks[:split]:
            image = block(image)
        tt_text = self.token_type_embeddings(torch.zeros(1, dtype=torch.long))
        tt_image = self.token_type_embeddings(torch.ones(1, dtype=torch.long))
        cross_text = self.cross_modal_text_layernorm(self.cross_modal_text_transform(text) + tt_text)
        cross_image = self.cross_modal_image_layernorm(
            self.cross_modal_image_transform(self.visual.forward_post(image)) + tt_image)
        image_mask = extended(torch.ones(cross_image.shape[:2]))
        text_feat = self.cross_modal_text_layers[0](cross_text, text_mask, cross_image, image_mask)
        image_feat = self.cross_modal_image_layers[0](cross_image, image_mask, cross_text, text_mask)
        for j, i in enumerate(range(split, TEXT_LAYERS)):
            text = self.text_layers[i](text, text_mask)
            image = self.visual.resblocks[i](image)
            t_in = self.text_link_tower[j](self.cross_modal_text_transform(text) + tt_text + text_feat)
            i_in = self.image_link_tower[j](
                self.cross_modal_image_transform(self.visual.forward_post(image)) + tt_image + image_feat)
            text_feat = self.cross_modal_text_layers[j + 1](t_in, text_mask, i_in, image_mask)
            image_feat = self.cross_modal_image_layers[j + 1](i_in, image_mask, t_in, text_mask)
        pooled = torch.cat([self.cross_modal_text_pooler(text_feat), self.cross_modal_image_pooler(image_feat)], -1)
        itm = self.itm_score(pooled)
        mlm = self.mlm_decoder(self.mlm_layernorm(F.gelu(self.mlm_transform(text_feat))))
        return text_feat, image_feat, pooled, itm, mlm


def gemm_flops(b, t):
    """2·m·n·k summed over the forward's matrix products (bt bench's GEMM count)."""
    ni = (IMAGE // PATCH) ** 2 + 1

    def layer(n, m, h, i):
        return 4 * n * h * h + 4 * m * h * h + 4 * n * m * h + 4 * n * h * i

    f = 0  # the position ids are a scan (no product) in bt as in torch
    f += TEXT_LAYERS * layer(t, t, H, FFN) + 2 * (ni - 1) * 3 * PATCH * PATCH * H + VISION_LAYERS * layer(ni, ni, H, 4 * H)
    f += CROSS_LAYERS * (2 * t * H * H + 2 * ni * H * H)
    f += CROSS_LAYERS * (layer(t, t, H, 0) + layer(t, ni, H, FFN) + layer(ni, ni, H, 0) + layer(ni, t, H, FFN))
    f += 4 * H * H + 4 * H * 2 + 2 * t * H * H + 2 * t * H * VOCAB
    return b * f


def skip_init():
    """Turns the modules' random initialisation off (their parameters stay torch.empty), as
    transformers' no_init_weights does before loading a checkpoint."""
    for cls in (nn.Linear, nn.Embedding, nn.LayerNorm, nn.Conv2d):
        cls.reset_parameters = lambda self: None
    nn.MultiheadAttention._reset_parameters = lambda self: None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--tokens", type=int, default=40)
    ap.add_argument("--save", help="write the random weights' state_dict (torch.save) to this file and exit")
    ap.add_argument("--load", help="build without initialising (as transformers' from_pretrained) and load this state_dict")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    t0 = time.perf_counter()
    if a.load:
        skip_init()
    model = BridgeTower().eval()
    t_build = time.perf_counter() - t0
    t_load = None
    if a.save:
        torch.save(model.state_dict(), a.save + ".tmp")
        os.replace(a.save + ".tmp", a.save)
        return
    if a.load:
        t0 = time.perf_counter()
        model.load_state_dict(torch.load(a.load))
        t_load = time.perf_counter() - t0
    ids = torch.randint(3, VOCAB, (a.batch, a.tokens))
    ids[:, 0], ids[:, -1] = 0, 2
    px = torch.randn(a.batch, 3, IMAGE, IMAGE)
    times, cpus = [], []
    with torch.inference_mode():
        for i in range(max(a.warmup, 1) + a.runs - (0 if a.warmup else 1)):
            t0, c0 = time.perf_counter(), time.process_time()
            out = model(ids, px)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if i == 0:
                first = wall
                assert out[4].shape == (a.batch, a.tokens, VOCAB) and out[2].shape == (a.batch, 2 * H)
                t_first_end = time.perf_counter() - T_START
            if i >= a.warmup:
                times.append(wall)
                cpus.append(cpu)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch, "text_len": a.tokens,
        "params": sum(p.numel() for p in model.parameters()),
        "import_s": T_IMPORTED - T_START, "build_s": t_build, "load_s": t_load, "first_forward_s": first,
        "start_to_first_forward_end_s": t_first_end,
        "runs": len(times), "median_ms": 1e3 * statistics.median(times), "min_ms": 1e3 * min(times),
        "cpu_median_ms": 1e3 * statistics.median(cpus),
        "max_ms": 1e3 * max(times), "gemm_gflop": gemm_flops(a.batch, a.tokens) / 1e9,
    }))


if __name__ == "__main__":
    main()
