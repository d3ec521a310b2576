"""Upscale a folder or a single image with FASRGAN or Fs-SRGAN.

    python fasrgan/inference.py --input LR_FOLDER_OR_IMAGE --output results --weights FASRGAN_G.pth
        [--model fasrgan|fs_srgan] [--tile N] [--tile_overlap N] [--precision fp32|fp16|bf16] [--device cpu|cuda|auto]

Without --weights: the reduced-size GAN generator trained here (fasrgan/weights/README.md; for images, the
card recommends its PSNR stage, --weights fasrgan/weights/RRDB_PSNR_reduced_x4.pth). Else pass the authors'
FASRGAN_G.pth, ESRGAN's RRDB_*_x4.pth or a net_G_*.pth from fasrgan/train.py; for fs_srgan a G file (run on the
bundled extractor E) or one file holding {'E': ..., 'G': ...}. Writes <output>/<stem>_<model>_x4.png for every image. Exit status 0 if
all were written, 1 if some failed (one ``error:`` line each), 2 for a bad command line, input, output
folder or weights file.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.inference import main  # noqa: E402
from fasrgan import api  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(api, "fasrgan/inference.py", __doc__, default_model="fasrgan", scales=(4,),
                  weights_help="the generator file (fs_srgan: G, or one file with E and G); default: the "
                               "reduced-size file bundled in fasrgan/weights"))
