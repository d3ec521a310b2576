"""Upscale a folder or a single image with JTF-SISR (or the EDSR baseline); the bundled weights by default.

    python jtf_sisr/inference.py --input LR_FOLDER_OR_IMAGE --output results [--scale 2|3|4] [--weights W.pt]
        [--model jtf_sisr|edsr] [--tile N] [--tile_overlap N] [--precision fp32|fp16|bf16] [--device cpu|cuda|auto]

Writes <output>/<stem>_<model>_x<scale>.png for every image. Exit status 0 if all were written, 1 if some
failed (one ``error:`` line each), 2 for a bad command line, input, output folder or weights file.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.inference import main  # noqa: E402
from jtf_sisr import api  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(api, "jtf_sisr/inference.py", __doc__, default_model="jtf_sisr", scales=(2, 3, 4),
                  weights_help="a model_best.pt or a jtf_sisr.weights export (default: the bundled weights)"))
