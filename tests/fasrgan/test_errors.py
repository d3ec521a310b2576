"""Bad input: one line on stderr naming the file or key, non-zero exit, no traceback."""
import os
import subprocess
import sys

import pytest

from fasrgan import test as test_script
from fasrgan import train as train_script

from .helpers import REPO, make_images, make_test_options, train_options


@pytest.fixture
def data(tmp_path):
    hr, lr = make_images(str(tmp_path / "d"), n=2, size=32, lr_scale=4)
    return str(tmp_path), hr, lr


def _fails(main, argv, capsys, *needles):
    capsys.readouterr()
    assert main(argv) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in err, err
    return err


def test_invalid_json_from_the_command_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x",\n  oops\n}')
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "fasrgan/train.py", "-opt", str(bad)], cwd=REPO, capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode != 0
    assert r.stderr.strip().count("\n") == 0 and "bad.json" in r.stderr and "line 2" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_key(data, capsys):
    tmp, hr, lr = data
    p = os.path.join(tmp, "o.json")
    with open(p, "w") as f:
        f.write('{"name": "x", "datasets": {"train": {"dataroot_HR": "a", "batchsize": 2}}}')
    _fails(train_script.main, ["-opt", p], capsys, "unknown key 'batchsize' in datasets.train", "o.json",
           "did you mean 'batch_size'")
    _fails(test_script.main, ["-opt", p], capsys, "unknown key 'train' in datasets")


def test_missing_dataset_folder(data, capsys):
    tmp, hr, lr = data
    opt = train_options("RRDB_PSNR", tmp, os.path.join(tmp, "no_such_dir"), None, hr, None)
    _fails(train_script.main, ["-opt", opt], capsys, "no_such_dir")
    assert not os.path.exists(os.path.join(tmp, "experiments"))   # nothing written for a bad run


def test_missing_vgg_file(data, capsys):
    tmp, hr, lr = data
    opt = train_options("FASRGAN", tmp, hr, lr, hr, os.path.join(tmp, "vgg19-missing.pth"))
    _fails(train_script.main, ["-opt", opt], capsys, "vgg19-missing.pth")


def test_corrupt_image(data, capsys):
    tmp, hr, lr = data
    with open(os.path.join(hr, "img1.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n not really")
    opt = train_options("RRDB_PSNR", tmp, hr, None, hr, None)
    _fails(train_script.main, ["-opt", opt], capsys, "img1.png")


def test_test_script_missing_weights(data, capsys):
    tmp, hr, lr = data
    opt = make_test_options("FASRGAN", tmp, os.path.join(tmp, "nothing"), hr)
    _fails(test_script.main, ["-opt", opt], capsys, "net_G_latest.pth")


def test_debug_mode_names_the_run_and_shows_tracebacks(data, capsys):
    tmp, hr, lr = data
    opt = train_options("RRDB_PSNR", tmp, hr, lr, hr, None, niter=1, save=1)
    assert train_script.main(["-opt", opt, "--debug"]) == 0
    assert os.path.isdir(os.path.join(tmp, "experiments", "debug_tiny_RRDB_PSNR", "models"))
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write("{")
    with pytest.raises(ValueError):
        train_script.main(["-opt", bad, "--debug"])
