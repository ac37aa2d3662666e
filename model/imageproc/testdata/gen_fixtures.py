#!/usr/bin/python3
"""Generate the decoder fixtures of model/imageproc with Pillow 9.4 (Debian python3-pil).

For every input file X.<ext> in fixtures/ this writes X.want.png: the RGB pixels that
transformers' load_image obtains, i.e. ImageOps.exif_transpose(Image.open(X)).convert("RGB"),
stored losslessly. 4:4:0 and 4:1:1 JPEGs come from libjpeg-turbo's cjpeg (libjpeg-turbo-progs).
Run from this directory: /usr/bin/python3 gen_fixtures.py
"""
import io
import os
import struct
import subprocess
import zlib

import numpy as np
import PIL
from PIL import Image, ImageOps

assert PIL.__version__ == "9.4.0", PIL.__version__
OUT = "fixtures"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20240601)


def pattern(w, h):
    """Colour blocks with hard chroma edges, gradients and noise (uint8 HxWx3)."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.float64)
    img[..., 0] = 255 * x / max(w - 1, 1)
    img[..., 1] = 255 * y / max(h - 1, 1)
    img[..., 2] = 128 + 100 * np.sin(x / 3.0 + y / 5.0)
    block = ((x // 5) + (y // 4)) % 3
    img[block == 0] = img[block == 0] * 0.3 + np.array([250, 10, 10]) * 0.7
    img[block == 1] = img[block == 1] * 0.5 + np.array([10, 10, 240]) * 0.5
    img += rng.integers(-20, 21, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def write_want(name):
    src = os.path.join(OUT, name)
    with Image.open(src) as im:
        rgb = ImageOps.exif_transpose(im).convert("RGB")
    rgb = Image.frombytes("RGB", rgb.size, rgb.tobytes())  # pixels only, no transparency info
    stem = name.rsplit(".", 1)[0]
    rgb.save(os.path.join(OUT, stem + ".want.png"))


def png_chunk(typ, data):
    c = typ + data
    return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)


def write_png(name, w, h, depth, ctype, rows, extra=()):
    """Minimal PNG writer for layouts Pillow cannot save (16-bit RGB/RGBA/LA, tRNS, 2-bit)."""
    raw = b"".join(b"\x00" + r for r in rows)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
    for typ, d in extra:
        data += png_chunk(typ, d)
    data += png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    write_want(name)


def tiff_orientation(o, big_endian=False):
    """EXIF block: "Exif\\0\\0" + TIFF header + IFD0 with one SHORT Orientation entry."""
    e = ">" if big_endian else "<"
    head = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", 8)
    ifd = struct.pack(e + "H", 1) + struct.pack(e + "HHI", 0x0112, 3, 1) + struct.pack(e + "HH", o, 0) + struct.pack(e + "I", 0)
    return b"Exif\x00\x00" + head + ifd


W, H = 37, 23
base = pattern(W, H)
Image.fromarray(base).save(os.path.join(OUT, "png_rgb8.png"))
write_want("png_rgb8.png")

# --- PNG layouts and Pillow's conversion rules -------------------------------------------
gray = (base.astype(np.uint32).sum(axis=2) // 3).astype(np.uint8)
Image.fromarray(gray, "L").save(os.path.join(OUT, "png_gray8.png"))
write_want("png_gray8.png")

rgba = np.dstack([base, rng.integers(0, 256, size=(H, W), dtype=np.uint8)])
Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "png_rgba8.png"))
write_want("png_rgba8.png")

Image.fromarray(np.dstack([gray, 255 - gray]), "LA").save(os.path.join(OUT, "png_la8.png"))
write_want("png_la8.png")

pal_img = Image.fromarray(base).quantize(colors=16)
pal_img.save(os.path.join(OUT, "png_pal4_trns.png"), transparency=bytes(range(0, 256, 16)), bits=4)
write_want("png_pal4_trns.png")

# 16-bit gray: Pillow opens mode I and clips to 255 on convert("RGB"); include small values.
g16 = (rng.integers(0, 65536, size=(H, W))).astype(np.uint16)
g16[:, :8] = rng.integers(0, 300, size=(H, 8))
Image.fromarray(g16, "I;16").save(os.path.join(OUT, "png_gray16.png"))
write_want("png_gray16.png")

write_png("png_gray16_trns.png", W, H, 16, 0, [g16[y].astype(">u2").tobytes() for y in range(H)],
          extra=[(b"tRNS", struct.pack(">H", int(g16[0, 0])))])
rgb16 = rng.integers(0, 65536, size=(H, W, 3)).astype(">u2")
write_png("png_rgb16.png", W, H, 16, 2, [rgb16[y].tobytes() for y in range(H)])
rgba16 = rng.integers(0, 65536, size=(H, W, 4)).astype(">u2")
write_png("png_rgba16.png", W, H, 16, 6, [rgba16[y].tobytes() for y in range(H)])
la16 = rng.integers(0, 65536, size=(H, W, 2)).astype(">u2")
write_png("png_la16.png", W, H, 16, 4, [la16[y].tobytes() for y in range(H)])
write_png("png_rgb8_trns.png", W, H, 8, 2, [base[y].tobytes() for y in range(H)],
          extra=[(b"tRNS", struct.pack(">HHH", *[int(v) for v in base[0, 0]]))])
g2 = rng.integers(0, 4, size=(H, W))
g2p = np.zeros((H, (W + 3) // 4), np.uint8)
for x in range(W):
    g2p[:, x // 4] |= (g2[:, x] << (6 - 2 * (x % 4))).astype(np.uint8)
write_png("png_gray2.png", W, H, 2, 0, [g2p[y].tobytes() for y in range(H)])

# CMYK → RGB formula: every (value, K) pair, written as PIL's RGB of a 256x256 CMYK image with
# C = x, M = 255 - x, Y = 37x mod 256, K = y. The test builds the same CMYK pixels in Go.
xs, ys = np.mgrid[0:256, 0:256][::-1]
cmyk = np.dstack([xs, 255 - xs, (37 * xs) % 256, ys]).astype(np.uint8)
Image.fromarray(cmyk, "CMYK").convert("RGB").save(os.path.join(OUT, "cmyk_table.want.png"))

# --- GIF: transparent index keeps its palette colour; a frame smaller than the screen ------
gif_img = Image.fromarray(base).quantize(colors=32)
gif_img.save(os.path.join(OUT, "gif_trns.gif"), transparency=5)
write_want("gif_trns.gif")
buf = io.BytesIO()
gif_img.save(buf, format="GIF", transparency=7)
g = bytearray(buf.getvalue())
# Enlarge the logical screen by (6, 4) and move the first frame to (4, 3).
g[6:8] = struct.pack("<H", W + 6)
g[8:10] = struct.pack("<H", H + 4)
i = g.index(b"\x2c", 13 + (3 << ((g[10] & 7) + 1)))
g[i + 1:i + 5] = struct.pack("<HH", 4, 3)
with open(os.path.join(OUT, "gif_offset.gif"), "wb") as f:
    f.write(bytes(g))
write_want("gif_offset.gif")

# --- WebP ----------------------------------------------------------------------------------
Image.fromarray(base).save(os.path.join(OUT, "webp_lossy.webp"), quality=80)
write_want("webp_lossy.webp")
Image.fromarray(pattern(36, 22)).save(os.path.join(OUT, "webp_lossy_even.webp"), quality=60)
write_want("webp_lossy_even.webp")
Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "webp_lossy_alpha.webp"), quality=70)
write_want("webp_lossy_alpha.webp")
Image.fromarray(base).save(os.path.join(OUT, "webp_lossless.webp"), lossless=True)
write_want("webp_lossless.webp")

# --- EXIF orientation: every value in PNG (exact), JPEG (decoder bound), WebP, big-endian ---
for o in range(1, 9):
    Image.fromarray(base).save(os.path.join(OUT, f"exif_png_o{o}.png"), exif=tiff_orientation(o))
    write_want(f"exif_png_o{o}.png")
    Image.fromarray(base).save(os.path.join(OUT, f"exif_jpeg_o{o}.jpg"), quality=95, exif=tiff_orientation(o))
    write_want(f"exif_jpeg_o{o}.jpg")
Image.fromarray(base).save(os.path.join(OUT, "exif_png_o6_mm.png"), exif=tiff_orientation(6, big_endian=True))
write_want("exif_png_o6_mm.png")
Image.fromarray(base).save(os.path.join(OUT, "exif_webp_o8.webp"), lossless=True, exif=tiff_orientation(8))
write_want("exif_webp_o8.webp")

# --- JPEG sampling layouts (libjpeg-turbo fancy upsampling paths) ---------------------------
jp = pattern(45, 31)
Image.fromarray(jp).save(os.path.join(OUT, "jpeg_444.jpg"), quality=92, subsampling=0)
Image.fromarray(jp).save(os.path.join(OUT, "jpeg_422.jpg"), quality=92, subsampling=1)
Image.fromarray(jp).save(os.path.join(OUT, "jpeg_420.jpg"), quality=92, subsampling=2)
Image.fromarray(pattern(64, 48)).save(os.path.join(OUT, "jpeg_420_even.jpg"), quality=85, subsampling=2)
Image.fromarray(jp).save(os.path.join(OUT, "jpeg_420_progressive.jpg"), quality=92, subsampling=2, progressive=True)
Image.fromarray(pattern(4, 9)).save(os.path.join(OUT, "jpeg_420_narrow.jpg"), quality=92, subsampling=2)
Image.fromarray(jp[:, :, 0]).save(os.path.join(OUT, "jpeg_gray.jpg"), quality=92)
Image.fromarray(jp).convert("CMYK").save(os.path.join(OUT, "jpeg_cmyk.jpg"), quality=92)
ppm = os.path.join(OUT, "tmp.ppm")
Image.fromarray(jp).save(ppm)
for name, sample in (("jpeg_440.jpg", "1x2"), ("jpeg_411.jpg", "4x1")):
    subprocess.run(["cjpeg", "-quality", "92", "-sample", sample, "-outfile", os.path.join(OUT, name), ppm], check=True)
os.remove(ppm)
for name in ("jpeg_444.jpg", "jpeg_422.jpg", "jpeg_420.jpg", "jpeg_420_even.jpg", "jpeg_420_progressive.jpg",
             "jpeg_420_narrow.jpg", "jpeg_gray.jpg", "jpeg_cmyk.jpg", "jpeg_440.jpg", "jpeg_411.jpg"):
    write_want(name)
print("ok", len(os.listdir(OUT)), "files")

# --- Resize: Pillow BICUBIC on an RGB image to sizes that exercise every path ----------------
# (non-integer up/down scales, extreme ratios, 1-pixel sides, one axis only, same size = copy)
RS = "resize"
os.makedirs(RS, exist_ok=True)
src = Image.fromarray(pattern(97, 61))
src.save(os.path.join(RS, "src_97x61.png"))
for w, h in ((384, 288), (32, 20), (13, 61), (97, 7), (1, 1), (1, 61), (200, 3), (97, 61), (45, 130), (9, 9)):
    src.resize((w, h), Image.BICUBIC).save(os.path.join(RS, f"bicubic_{w}x{h}.png"))
print("ok resize")

# --- Benchmark input: the golden 640x480 PNG as a q90 4:2:0 JPEG ---------------------------
with Image.open("../../../testdata/golden/images/img01_640x480_rgb_png/image.png") as im:
    im.convert("RGB").save(os.path.join(OUT, "bench_640x480_q90.jpg"), quality=90, subsampling=2)
print("ok bench")

# --- Tiny sizes: edge paths of the WebP and JPEG chroma upsamplers (width/height 1..3, odd) ---
TINY = ((1, 1), (2, 2), (3, 3), (1, 5), (5, 1), (2, 7), (7, 2), (3, 4))
for w, h in TINY:
    Image.fromarray(pattern(w, h)).save(os.path.join(OUT, f"webp_tiny_{w}x{h}.webp"), quality=75)
    write_want(f"webp_tiny_{w}x{h}.webp")
    Image.fromarray(pattern(w, h)).save(os.path.join(OUT, f"jpeg_tiny_{w}x{h}.jpg"), quality=90, subsampling=2)
    write_want(f"jpeg_tiny_{w}x{h}.jpg")
print("ok tiny")
