#!/usr/bin/python3
# Makes the scaled-decoding test images and their reference hashes.
# Run with Debian's /usr/bin/python3 (Pillow 9.4, libjpeg-turbo 2.1.5):
#   cd preprocess/testdata/scaled && /usr/bin/python3 make.py
# Images: a deterministic synthetic photo-like pattern (gradients, edges,
# texture from a fixed-seed generator) saved in the JPEG layouts scaled
# decoding treats differently. Hashes: SHA-256 of the RGB bytes Pillow
# gives after Image.draft("RGB", ...) at scale 1/1, 1/2, 1/4, 1/8.
import hashlib, sys
import numpy as np
from PIL import Image

def pattern(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / 7.0 + seed) * np.cos(y / 11.0)
    g = 255 * (x / max(w - 1, 1)) * (y % 37 < 20)
    b = 128 + 120 * np.sign(np.sin((x + 2 * y) / 13.0))
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 18, (h, w, 3))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")

# name, size, subsampling (Pillow: 0=4:4:4, 1=4:2:2, 2=4:2:0, or a
# libjpeg sampling string via the "qtables"-free "sampling" argument),
# progressive, mode
cases = [
    ("s420_203x157.jpg", (203, 157), 2, False, "RGB"),
    ("s420_320x240.jpg", (320, 240), 2, False, "RGB"),
    ("s422_171x133.jpg", (171, 133), 1, False, "RGB"),
    ("s444_150x98.jpg", (150, 98), 0, False, "RGB"),
    ("p420_257x191.jpg", (257, 191), 2, True, "RGB"),
    ("p422_96x77.jpg", (96, 77), 1, True, "RGB"),
    ("grey_133x101.jpg", (133, 101), 0, False, "L"),
    ("s420_17x9.jpg", (17, 9), 2, False, "RGB"),
    ("s420_35x21.jpg", (35, 21), 2, False, "RGB"),
]

def main():
    out = []
    for i, (name, size, sub, prog, mode) in enumerate(cases):
        im = pattern(size[0], size[1], i)
        if mode == "L":
            im = im.convert("L")
        im.save(name, quality=88, subsampling=sub, progressive=prog, optimize=prog)
    # 4:4:0 and 4:1:1 need cjpeg's -sample.
    import subprocess
    for name, size, samp in [("s440_121x93.jpg", (121, 93), "1x2,1x1,1x1"), ("s411_145x77.jpg", (145, 77), "4x1,1x1,1x1")]:
        pattern(size[0], size[1], len(name)).save("/tmp/_scaled.ppm")
        subprocess.run(["cjpeg", "-quality", "88", "-sample", samp, "-outfile", name, "/tmp/_scaled.ppm"], check=True)
        cases.append((name, size, None, False, "RGB"))
    for name, size, *_ in cases:
        for denom in (1, 2, 4, 8):
            im = Image.open(name)
            w, h = im.size
            if denom > 1:
                im.draft("RGB", (w // denom, h // denom))
            want = ((w + denom - 1) // denom, (h + denom - 1) // denom)
            if im.size != want:
                sys.exit(f"{name} 1/{denom}: draft gave {im.size}, want {want}")
            rgb = im.convert("RGB")
            out.append(f"{name} {denom} {rgb.size[0]}x{rgb.size[1]} {hashlib.sha256(rgb.tobytes()).hexdigest()}")
    with open("pillow-draft.sha256", "w") as f:
        f.write("\n".join(out) + "\n")
    # The shared camera frames (not committed; tests find them through
    # EDGED_TESTDATA) get their own table.
    import glob, os
    frames = sorted(glob.glob(os.path.join(os.environ.get("EDGED_TESTDATA", "../../../../shared"), "frames", "*.jpg")))
    out = []
    for path in frames:
        for denom in (1, 2, 4, 8):
            im = Image.open(path)
            w, h = im.size
            if denom > 1:
                im.draft("RGB", (w // denom, h // denom))
            rgb = im.convert("RGB")
            out.append(f"{os.path.basename(path)} {denom} {rgb.size[0]}x{rgb.size[1]} {hashlib.sha256(rgb.tobytes()).hexdigest()}")
    if out:
        with open("pillow-draft-frames.sha256", "w") as f:
            f.write("\n".join(out) + "\n")

main()
