"""Tiny synthetic data, a random-weight VGG19 stand-in and small option files for the tests."""
import json
import os

import numpy as np
import torch

from common.degradations import bi
from common.io import imwrite

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_images(folder, n=4, size=48, seed=0, lr_scale=None):
    """Smooth random RGB images (and their MATLAB-bicubic LR in ``folder``_LR when lr_scale)."""
    rng = np.random.default_rng(seed)
    hr_dir = os.path.join(folder, "HR")
    lr_dir = os.path.join(folder, "LR") if lr_scale else None
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        f = rng.uniform(1, 4, size=(3, 2))
        img = np.stack([0.5 + 0.5 * np.sin(2 * np.pi * (f[c, 0] * xx + f[c, 1] * yy) + i) for c in range(3)], -1)
        img = np.clip(img * 255 + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
        imwrite(os.path.join(hr_dir, f"img{i}.png"), img)
        if lr_scale:
            imwrite(os.path.join(lr_dir, f"img{i}x{lr_scale}.png"), bi(img, lr_scale))
    return hr_dir, lr_dir


def make_vgg(path):
    """torchvision-format VGG19 state dict (features only) with random weights."""
    from fasrgan.archs.vgg_arch import vgg19_features

    torch.manual_seed(0)
    feats = vgg19_features()
    torch.save({f"features.{k}": v for k, v in feats.state_dict().items()}, path)
    return path


def make_alexnet(path):
    from fasrgan.archs.alexnet_arch import alexnet_features

    torch.manual_seed(0)
    torch.save({f"features.{k}": v for k, v in alexnet_features().state_dict().items()}, path)
    return path


TINY_G = {"nf": 8, "nb": 1, "gc": 4}
TINY_E = {"which_model_ex": "model_ex", "nf": 8, "nb": 1, "gc": 4}


def train_options(kind, tmp, hr_dir, lr_dir, val_hr, vgg, niter=2, save=2, name=None, lpips_alex=None):
    """A tiny version of the shipped option file ``kind`` (RRDB_PSNR, FASRGAN, FsSRGAN)."""
    from fasrgan.utils.options import strip_comments

    with open(os.path.join(REPO, "fasrgan", "options", "train", f"train_{kind}.json")) as f:
        opt = json.loads(strip_comments(f.read()))
    opt["name"] = name or f"tiny_{kind}"
    tr = opt["datasets"]["train"]
    tr.update(dataroot_HR=hr_dir, dataroot_LR=lr_dir, n_workers=0, batch_size=2, HR_size=32)
    opt["datasets"]["val"].update(dataroot_HR=val_hr, dataroot_LR=None)
    opt["path"] = {"experiments_root": os.path.join(tmp, "experiments")}
    if kind != "RRDB_PSNR":
        opt["path"]["vgg19"] = vgg
    if lpips_alex:
        opt["val_lpips"] = True
        opt["path"]["lpips_alex"] = lpips_alex
    opt["network_G"].update(TINY_G)
    if "network_E" in opt:
        opt["network_E"].update(TINY_E)
        opt["network_G"]["in_nc"] = TINY_E["nf"]
    if "network_D" in opt:
        opt["network_D"]["nf"] = 4
        opt["network_D"]["n_down"] = 4   # the VGG head on 32x32 patches
    opt["train"].update(niter=niter, val_freq=niter)
    opt["logger"] = {"print_freq": 1, "save_checkpoint_freq": save}
    path = os.path.join(tmp, f"train_{kind}_{niter}.json")
    with open(path, "w") as f:
        json.dump(opt, f, indent=1)
    return path


def make_test_options(kind, tmp, exp_dir, hr_dir, lr_dir=None, name=None, extra_path=None, **test):
    """A test option file for a tiny trained run (kind FASRGAN, FsSRGAN or RRDB_PSNR)."""
    from fasrgan.utils.options import strip_comments

    src = "FsSRGAN" if kind == "FsSRGAN" else "FASRGAN"
    with open(os.path.join(REPO, "fasrgan", "options", "test", f"test_{src}.json")) as f:
        opt = json.loads(strip_comments(f.read()))
    opt["name"] = name or f"test_tiny_{kind}"
    opt["model"] = "SR" if kind == "RRDB_PSNR" else kind
    opt["datasets"] = {"test_1": {"name": "tiny", "dataroot_HR": hr_dir, "dataroot_LR": lr_dir}}
    models = os.path.join(exp_dir, "models")
    opt["path"] = {"results_root": os.path.join(tmp, "results"),
                   "pretrain_model_G": os.path.join(models, "net_G_latest.pth")}
    if kind == "FsSRGAN":
        opt["path"]["pretrain_model_E"] = os.path.join(models, "net_E_latest.pth")
        opt["network_E"].update(TINY_E)
        opt["network_G"]["in_nc"] = TINY_E["nf"]
    opt["path"].update(extra_path or {})
    opt["network_G"].update(TINY_G)
    opt["test"].update(test)
    path = os.path.join(tmp, f"test_{kind}.json")
    with open(path, "w") as f:
        json.dump(opt, f, indent=1)
    return path
