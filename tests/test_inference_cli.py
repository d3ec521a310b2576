"""<package>/inference.py end to end: a folder with a corrupt file, a single image, bad paths."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from common.io import imread, imwrite, save_checkpoint
from tests.conftest import REPO

PACKAGES = ("jtf_sisr", "gdsr", "fasrgan", "dgpnet")
SUFFIX = {"jtf_sisr": "jtf_sisr_x4", "gdsr": "gdsr_x4", "fasrgan": "fasrgan_x4", "dgpnet": "dgpnet_x4"}


def _checkpoint(package, folder):
    """A weights file api.load accepts: None for jtf_sisr (bundled x4), else a random network."""
    torch.manual_seed(0)
    path = os.path.join(folder, f"{package}.pth")
    if package == "jtf_sisr":
        return None
    if package == "gdsr":            # load() builds the paper's network (27 M parameters; 0.1 s on 12x10)
        from gdsr import api
        save_checkpoint(api.build("gdsr", 4).state_dict(), path)
    elif package == "fasrgan":       # load() reads nf, nb and gc from the file
        from fasrgan import api
        save_checkpoint(api.build("fasrgan", 4, nf=8, nb=1, gc=4).state_dict(), path)
    else:                            # load() takes the architecture from the file's network_g
        from dgpnet import api
        net = api.build("dgpnet", 4, num_feat=8, num_block=1)
        save_checkpoint({"params": net.state_dict(),
                         "network_g": dict(type="DGPNet", num_feat=8, num_block=1, upscale=4)}, path)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """lr/ with a 12x10 RGB image, a 10x12 gray one and a corrupt .png; the weights files."""
    root = tmp_path_factory.mktemp("inference")
    rng = np.random.default_rng(0)
    imwrite(root / "lr" / "rgb.png", rng.integers(0, 256, (12, 10, 3), dtype=np.uint8))
    imwrite(root / "lr" / "gray.png", rng.integers(0, 256, (10, 12), dtype=np.uint8))
    (root / "lr" / "broken.png").write_text("not a png")
    weights = {p: _checkpoint(p, str(root)) for p in PACKAGES}
    return root, weights


def _run(package, *args, weights=None, cwd=None):
    cmd = [sys.executable, os.path.join(REPO, package, "inference.py"), *map(str, args), "--device", "cpu"]
    if weights:
        cmd += ["--weights", weights]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def _errors(stderr):
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("package", PACKAGES)
def test_folder_with_a_corrupt_file(package, inputs, tmp_path):
    root, weights = inputs
    out = tmp_path / "out"
    res = _run(package, "--input", root / "lr", "--output", out, weights=weights[package], cwd=tmp_path)
    assert res.returncode == 1, res.stderr
    errors = _errors(res.stderr)
    assert len(errors) == 1 and "broken.png" in errors[0], res.stderr
    for stem, (h, w) in (("rgb", (12, 10)), ("gray", (10, 12))):
        path = out / f"{stem}_{SUFFIX[package]}.png"
        assert imread(path).shape == (h * 4, w * 4, 3)
        assert str(path) in res.stdout
    assert sorted(os.listdir(out)) == [f"gray_{SUFFIX[package]}.png", f"rgb_{SUFFIX[package]}.png"]
    assert "2 image(s) written" in res.stdout and "1 failed: broken.png" in res.stdout


@pytest.mark.parametrize("package", PACKAGES)
def test_single_image(package, inputs, tmp_path):
    root, weights = inputs
    res = _run(package, "--input", root / "lr" / "rgb.png", "--output", tmp_path / "out", "--tile", 6,
               weights=weights[package])
    assert res.returncode == 0, res.stderr
    path = tmp_path / "out" / f"rgb_{SUFFIX[package]}.png"
    assert imread(path).shape == (48, 40, 3) and str(path) in res.stdout
    assert not _errors(res.stderr)


@pytest.mark.parametrize("package", PACKAGES)
def test_missing_input_is_a_usage_error(package, inputs, tmp_path):
    root, weights = inputs
    res = _run(package, "--input", tmp_path / "nowhere", "--output", tmp_path / "out", weights=weights[package])
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [f"error: {tmp_path / 'nowhere'}: --input is not a file or a folder"]
    assert not (tmp_path / "out").exists()
