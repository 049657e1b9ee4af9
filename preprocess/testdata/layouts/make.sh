#!/usr/bin/env bash
# Regenerates the JPEG layout test images and prints their golden hashes
# (SHA-256 of Pillow's Image.open(f).convert("RGB").tobytes()) for
# preprocess/jpeg_layouts_test.go. Needs libjpeg-turbo-progs (cjpeg,
# jpegtran) and Debian's python3-pil (Pillow 9.4 on libjpeg-turbo 2.1.5,
# the same decoder torchvision's PIL uses): run with /usr/bin/python3,
# not a pyenv python. The images are ours: a synthetic pattern (gradients,
# hard colour edges, a checkerboard and seeded noise) that makes chroma
# upsampling, IDCT rounding and block edges visible.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# pattern W H OUT.ppm
pattern() {
  /usr/bin/python3 - "$@" <<'PY'
import sys, random
from PIL import Image
w, h, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(w * 1000 + h)
im = Image.new("RGB", (w, h))
px = im.load()
for y in range(h):
    for x in range(w):
        r = (x * 255) // max(w - 1, 1)
        g = (y * 255) // max(h - 1, 1)
        b = 255 if ((x // 3) + (y // 3)) % 2 else 0
        if x > w // 2 and y < h // 2:  # a saturated block with hard edges
            r, g, b = 220, 20, 180
        n = rnd.randint(-24, 24)
        px[x, y] = tuple(min(max(v + n, 0), 255) for v in (r, g, b))
im.save(out)
PY
}

# name W H cjpeg-args...
make() {
  local name=$1 w=$2 h=$3
  shift 3
  [ -f "$tmp/$w.$h.ppm" ] || pattern "$w" "$h" "$tmp/$w.$h.ppm"
  cjpeg -quality 85 "$@" -outfile "$name" "$tmp/$w.$h.ppm"
}

make b420_odd_53x41.jpg 53 41 -sample 2x2
make b420_1x1.jpg 1 1 -sample 2x2
make b420_17x1.jpg 17 1 -sample 2x2
make b420_1x17.jpg 1 17 -sample 2x2
make b422_odd_51x29.jpg 51 29 -sample 2x1
make b440_odd_27x45.jpg 27 45 -sample 1x2
make b411_odd_61x19.jpg 61 19 -sample 4x1
make b444_optimized_33x35.jpg 33 35 -sample 1x1 -optimize
make b420_restart1_53x41.jpg 53 41 -sample 2x2 -restart 1B
make b422_restart_rows_51x29.jpg 51 29 -sample 2x1 -restart 1
make p420_odd_53x41.jpg 53 41 -sample 2x2 -progressive
make p422_restart3_51x29.jpg 51 29 -sample 2x1 -progressive -restart 3B
make p440_odd_27x45.jpg 27 45 -sample 1x2 -progressive
make p411_odd_61x19.jpg 61 19 -sample 4x1 -progressive
make p444_restart2_33x35.jpg 33 35 -sample 1x1 -progressive -restart 2B
make grey_odd_23x31.jpg 23 31 -grayscale
make grey_restart1_23x31.jpg 23 31 -grayscale -restart 1B
make rgb_nontransformed_21x13.jpg 21 13 -rgb
# A single-scan 4:2:0 file rewritten as non-interleaved sequential scans.
printf '0;\n1;\n2;\n' >"$tmp/scans"
jpegtran -scans "$tmp/scans" -outfile b420_noninterleaved_53x41.jpg b420_odd_53x41.jpg

# CMYK (Adobe APP14, inverted as Photoshop writes it), from Pillow.
/usr/bin/python3 - "$tmp/53.41.ppm" <<'PY'
import sys
from PIL import Image
Image.open(sys.argv[1]).convert("CMYK").save("cmyk_53x41.jpg", quality=85)
PY

echo "// name: SHA-256 of Pillow's RGB bytes"
/usr/bin/python3 - *.jpg <<'PY'
import sys, hashlib
from PIL import Image
for f in sorted(sys.argv[1:]):
    im = Image.open(f)
    rgb = im.convert("RGB")
    print('\t{"%s", %d, %d, "%s", "%s"},' % (f, rgb.width, rgb.height, im.mode, hashlib.sha256(rgb.tobytes()).hexdigest()))
PY
