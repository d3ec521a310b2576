import json
import os
import subprocess
import sys

import pytest

from .helpers import REPO, make_images, make_vgg, train_options


@pytest.mark.parametrize("kind", ["FASRGAN", "FsSRGAN"])
def test_torchrun_two_processes_on_cpu(tmp_path, kind):
    """DistributedDataParallel (gloo): G and D (and Fs-SRGAN's E, run twice per step) stay identical."""
    tmp = str(tmp_path)
    hr, lr = make_images(os.path.join(tmp, "train"), n=4, size=32, lr_scale=4)
    opt = train_options(kind, tmp, hr, lr, hr, make_vgg(os.path.join(tmp, "vgg19.pth")), niter=2, save=2,
                        name="ddp")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "fasrgan/train.py", "-opt", opt, "--launcher", "pytorch"]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    if r.returncode != 0 and any(s in r.stderr.lower() for s in ("address already in use", "rendezvous")):
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)  # port race
    info = f"rc={r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    assert r.returncode == 0, info
    assert "processes 2" in r.stdout, info
    assert "DDP: net_G max difference between processes 0" in r.stdout, info
    assert "DDP: net_D max difference between processes 0" in r.stdout, info
    if kind == "FsSRGAN":
        assert "DDP: net_E max difference between processes 0" in r.stdout, info
    exp = os.path.join(tmp, "experiments", "ddp")
    with open(os.path.join(exp, "log", "loss_log.jsonl")) as f:
        assert [json.loads(line)["iter"] for line in f] == [1, 2]
    assert os.path.isfile(os.path.join(exp, "models", "net_G_2.pth"))
