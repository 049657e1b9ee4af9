import sys, hashlib, os
from PIL import Image
# usage: pilhash.py DIR -> "name sha256" of Image.open(f).convert("RGB") bytes
d = sys.argv[1]
for n in sorted(os.listdir(d)):
    im = Image.open(os.path.join(d, n)).convert("RGB")
    print(n, hashlib.sha256(im.tobytes()).hexdigest())
