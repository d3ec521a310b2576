"""The shipped option files at full network size (23/16 RRDBs, 70M-parameter U-Net D): one iteration
on tiny data. Minutes on a CPU, so marked slow (make test-slow)."""
import json
import math
import os

import pytest

from fasrgan import train as train_script
from fasrgan.utils.options import strip_comments

from .helpers import REPO, make_images, make_vgg


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["FASRGAN", "FsSRGAN"])
def test_shipped_gan_options_one_iteration(tmp_path, kind):
    tmp = str(tmp_path)
    with open(os.path.join(REPO, "fasrgan", "options", "train", f"train_{kind}.json")) as f:
        opt = json.loads(strip_comments(f.read()))
    size = opt["datasets"]["train"]["HR_size"]          # 128 (FASRGAN) / 192 (Fs-SRGAN): the paper's D inputs
    hr, lr = make_images(os.path.join(tmp, "d"), n=1, size=size, lr_scale=4)
    opt["datasets"]["train"].update(dataroot_HR=hr, dataroot_LR=lr, batch_size=1, n_workers=0)
    del opt["datasets"]["val"]
    opt["path"] = {"experiments_root": os.path.join(tmp, "exp"), "vgg19": make_vgg(os.path.join(tmp, "vgg.pth"))}
    opt["train"]["niter"] = 1
    opt["logger"] = {"print_freq": 1, "save_checkpoint_freq": 1}
    p = os.path.join(tmp, "o.json")
    with open(p, "w") as f:
        json.dump(opt, f)
    assert train_script.main(["-opt", p]) == 0
    with open(os.path.join(tmp, "exp", opt["name"], "log", "loss_log.jsonl")) as f:
        rec = json.loads(f.readline())
    assert all(math.isfinite(v) for v in rec.values() if isinstance(v, float))
