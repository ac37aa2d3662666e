"""Writes the torch checkpoints the hub tests serve, from the golden m01 model.safetensors.

    /usr/bin/python3 gen_torch_fixtures.py   (torch 1.13 and numpy from Debian; run in hub/testdata)

m01_pytorch_model.bin          torch.save(OrderedDict) of every tensor of
                               ../../testdata/golden/models/m01_add_b1_nopad/model.safetensors,
                               names, dtypes and values unchanged (the format the BridgeTower/*
                               repositories publish).
m01_sharded/                   the same tensors split in two torch shards with an HF index
                               (pytorch_model-00001-of-00002.bin, ...-00002-of-00002.bin,
                               pytorch_model.bin.index.json): names sorted, the first half in
                               shard 1.
The safetensors file is parsed here by hand (8-byte header length, JSON header) so that the
fixtures do not depend on bt's reader.
"""
import collections
import json
import os
import struct

import numpy as np
import torch

SRC = "../../testdata/golden/models/m01_add_b1_nopad/model.safetensors"
DT = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = collections.OrderedDict()
    for name in sorted(k for k in header if k != "__metadata__"):
        e = header[name]
        a, b = e["data_offsets"]
        arr = np.frombuffer(data[base + a : base + b], dtype=DT[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def main():
    sd = read_safetensors(SRC)
    torch.save(sd, "m01_pytorch_model.bin")
    names = list(sd)
    half = len(names) // 2
    os.makedirs("m01_sharded", exist_ok=True)
    weight_map, total = {}, 0
    for i, part in enumerate([names[:half], names[half:]], start=1):
        fname = "pytorch_model-%05d-of-00002.bin" % i
        torch.save(collections.OrderedDict((n, sd[n]) for n in part), os.path.join("m01_sharded", fname))
        for n in part:
            weight_map[n] = fname
            total += sd[n].numel() * sd[n].element_size()
    with open(os.path.join("m01_sharded", "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
        f.write("\n")
    print("tensors", len(names), "bytes", total)


if __name__ == "__main__":
    main()
