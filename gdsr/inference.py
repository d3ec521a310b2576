"""Upscale a folder or a single image with GDSR (SR_fused, the output the authors evaluate).

    python gdsr/inference.py --input LR_FOLDER_OR_IMAGE --output results [--weights latest_G.pth]
        [--tile N] [--tile_overlap N] [--precision fp32|fp16|bf16] [--device cpu|cuda|auto]

Without --weights, the reduced GDSR trained here (gdsr/weights/GDSR_x4.pth, its card in gdsr/weights/README.md);
--weights takes a *_G.pth from gdsr/train.py or the authors' 200000_G.pth.
Writes <output>/<stem>_gdsr_x4.png for every image. Exit status 0 if all were written, 1 if some
failed (one ``error:`` line each), 2 for a bad command line, input, output folder or weights file.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.inference import main  # noqa: E402
from gdsr import api  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(api, "gdsr/inference.py", __doc__, default_model="gdsr", scales=(4,),
                  weights_help="a *_G.pth (gdsr/train.py) or the authors' 200000_G.pth (default: the bundled reduced GDSR)"))
