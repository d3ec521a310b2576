"""Upscale a folder or a single image with DGPNet (run fused: plain convolutions only).

    python dgpnet/inference.py --input LR_FOLDER_OR_IMAGE --output results [--weights net_g_latest.pth]
        [--model dgpnet|dgpnet_s] [--tile N] [--tile_overlap N] [--precision fp32|fp16|bf16] [--device cpu|cuda|auto]

Without --weights: the bundled bicubic-trained x4 file (dgpnet/weights/DGPNet_x4.pth, trained here; the authors
released none); otherwise a net_g_*.pth from dgpnet/train.py or a dgpnet/fuse.py export. Writes <output>/<stem>_<model>_x4.png for every image. Exit status 0 if all
were written, 1 if some failed (one ``error:`` line each), 2 for a bad command line, input, output
folder or weights file.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.inference import main  # noqa: E402
from dgpnet import api  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(api, "dgpnet/inference.py", __doc__, default_model="dgpnet", scales=(4,),
                  weights_help="a net_g_*.pth (dgpnet/train.py) or a dgpnet/fuse.py export (default: the bundled "
                               "bicubic-trained x4 file)"))
