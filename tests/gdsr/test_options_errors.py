"""Option parsing, and every bad input ending in one line on stderr with a non-zero exit."""
import json
import os
import subprocess
import sys

import pytest

from gdsr import test as gdsr_test
from gdsr import train as gdsr_train
from gdsr.utils.options import OptionError, parse, strip_comments
from tests.gdsr.conftest import REPO, TINY_G, train_opt, write_opt

SHIPPED = [("train/train_GDSR_pretrain.json", True), ("train/train_GDSR.json", True), ("test/test_GDSR.json", False)]


@pytest.mark.parametrize("name,is_train", SHIPPED)
def test_shipped_options_parse(name, is_train, tmp_path):
    opt = parse(os.path.join(REPO, "gdsr", "options", name), is_train=is_train)
    assert opt["scale"] == 4 and opt["network_G"]["nf"] == 64 and opt["network_G"]["nb_l_1"] == 10
    if is_train:
        assert opt["path"]["experiments_root"].endswith(os.path.join("experiments", opt["name"]))
    if name.endswith("train_GDSR.json"):
        t = opt["train"]
        assert (t["pixel_weight"], t["feature_weight"], t["gan_weight"], t["cri_fea_low"]) == (1.0, 1.0, 5e-3, 1.0)
        assert (t["lr_G"], t["lr_D"], t["lr_steps"]) == (1e-4, 1e-4, [50000, 100000, 200000, 300000])
        assert opt["network_D"]["input_size"] == 128


def test_comments_and_debug(tmp_path):
    assert json.loads(strip_comments('{"a": "http://x", // c\n"b": "say \\"//\\"" // d\n}')) == \
        {"a": "http://x", "b": 'say "//"'}
    opt = train_opt(tmp_path, "demo", "DualSR_pretrain")
    parsed = parse(write_opt(tmp_path / "o.json", opt), debug=True)
    assert parsed["name"] == "debug_demo" and parsed["logger"]["print_freq"] == 1
    assert parsed["train"]["val_freq"] == 8 and parsed["path"]["models"].endswith("debug_demo/models")
    assert parsed["datasets"]["train"]["dataroot_HR"] == str(tmp_path / "hr")


@pytest.mark.parametrize("mutate,pattern", [
    (lambda o: o["train"].update(lr_g=1e-4), r"unknown key 'lr_g' in train \(did you mean 'lr_G'\?\)"),
    (lambda o: o.update(sclae=4), r"unknown key 'sclae' \(did you mean 'scale'\?\)"),
    (lambda o: o["datasets"]["train"].update(HR_size="128"), r"'datasets.train.HR_size' must be a positive integer"),
    (lambda o: o["datasets"].update(validation={}), r"unknown key 'validation' in datasets"),
    (lambda o: o.pop("name"), r"missing required key 'name'"),
    (lambda o: o["datasets"]["train"].update(dataroot_HR=None), r"'datasets.train.dataroot_HR' may not be null"),
    (lambda o: o["train"].update(niter=None), r"'train.niter' may not be null"),
    (lambda o: o.update(model="SRGAN"), r"'model' must be one of"),
    (lambda o: o["network_G"].update(which_model_G="DualSR_RCAN"), r"'network_G.which_model_G' must be"),
    (lambda o: o["datasets"]["train"].update(HR_size=30), r"multiple of the scale"),
])
def test_option_errors(tmp_path, mutate, pattern):
    opt = train_opt(tmp_path, "x", "DualSR_pretrain")
    mutate(opt)
    with pytest.raises(OptionError, match=pattern):
        parse(write_opt(tmp_path / "o.json", opt))


def _fails(main, argv, capsys, *needles):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def test_invalid_json(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "name": "x",\n  "scale": 4,\n}\n')      # the authors' trailing-comma bug
    _fails(gdsr_train.main, ["-opt", str(bad)], capsys, "bad.json", "invalid JSON at line 4")
    _fails(gdsr_test.main, ["-opt", str(bad)], capsys, "bad.json", "invalid JSON")
    _fails(gdsr_train.main, ["-opt", str(tmp_path / "none.json")], capsys, "none.json", "no such option file")


def test_unknown_key(data, capsys):
    opt = train_opt(data, "x", "DualSR_pretrain")
    opt["logger"]["print_frq"] = 10
    _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "o.json", "'print_frq' in logger")


def test_missing_folder(data, capsys):
    opt = train_opt(data, "x", "DualSR_pretrain")
    opt["datasets"]["train"]["dataroot_HR"] = "nowhere"
    _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "nowhere", "datasets.train.dataroot_HR")
    opt = train_opt(data, "y", "DualSR_pretrain")
    opt["datasets"]["val"]["dataroot_LR"] = "no_lr"
    _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "no_lr")


def test_missing_vgg_file(data, capsys):
    opt = train_opt(data, "x", "DualSR", path={"vgg19": "weights/vgg19.pth"})
    _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "weights/vgg19.pth",
           "no such checkpoint")
    opt["path"]["vgg19"] = None
    _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "path.vgg19")


def test_corrupt_image(data, capsys):
    (data / "hr" / "im1.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not a png")
    opt = train_opt(data, "x", "DualSR_pretrain")
    _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "im1.png", "not a readable image")


def test_corrupt_image_in_loader_worker(data, capsys):
    (data / "hr" / "im0.png").write_bytes(b"")
    opt = train_opt(data, "x", "DualSR_pretrain")
    opt["datasets"]["train"]["n_workers"] = 1
    line = _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "im0.png", "empty file")
    assert "ImageError" not in line and "worker" not in line


def test_launcher_pytorch_without_torchrun(data, capsys, monkeypatch):
    for var in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    opt = write_opt(data / "o.json", train_opt(data, "x", "DualSR_pretrain"))
    _fails(gdsr_train.main, ["-opt", opt, "--launcher", "pytorch"], capsys, "needs torchrun")
    assert not (data / "experiments").exists()


def test_mismatched_pair_and_tiny_image(data, capsys):
    from common.io import imwrite
    import numpy as np

    (data / "lr").mkdir()
    for i in range(3):
        imwrite(data / "lr" / f"im{i}x4.png", np.zeros((12, 14 if i else 13, 3), np.uint8))
    opt = train_opt(data, "x", "DualSR_pretrain")
    opt["datasets"]["train"]["dataroot_LR"] = "lr"
    _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "im0x4.png", "does not match")
    opt = train_opt(data, "y", "DualSR_pretrain")
    opt["datasets"]["train"]["HR_size"] = 64             # LR patch 16 > the 12x14 LR images: found before training
    _fails(gdsr_train.main, ["-opt", write_opt(data / "o.json", opt)], capsys, "im0.png", "smaller than HR_size 64")


def test_test_script_missing_checkpoint(data, capsys):
    topt = {"name": "t", "datasets": {"test_1": {"name": "tiny", "dataroot_HR": "val"}},
            "path": {"root": str(data), "pretrain_model_G": "experiments/none/models/latest_G.pth"},
            "network_G": TINY_G}
    _fails(gdsr_test.main, ["-opt", write_opt(data / "t.json", topt)], capsys, "latest_G.pth", "no such checkpoint")
    assert not (data / "results").exists()


def test_cli_one_line_error_subprocess(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "model": "DualSR_pretrain", "datasets": {"train": {"dataroot_HR": "hr"}}, '
                   '"trian": {}}')
    p = subprocess.run([sys.executable, os.path.join(REPO, "gdsr", "train.py"), "-opt", str(bad)], cwd=str(tmp_path),
                       capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=120)
    assert p.returncode != 0
    expected = f"gdsr/train.py: error: {bad}: unknown key 'trian' (did you mean 'train'?)"
    assert p.stderr.strip().splitlines() == [expected]
