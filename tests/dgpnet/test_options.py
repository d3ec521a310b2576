"""Options files: // comments, defaults, unknown keys and invalid JSON named."""
import pytest

from dgpnet.utils.options import OptionError, parse_options
from tests.dgpnet.conftest import train_options, write_json


def test_comments_and_defaults(tmp_path):
    path = tmp_path / "o.json"
    opt = train_options(str(tmp_path))
    text = write_json(path, opt)
    with open(text) as f:
        body = f.read().replace('"name": "tiny",', '"name": "tiny",  // the experiment name, "quoted // text"')
    path.write_text(body.replace('"gt_size": 16,', '"gt_size": 16,  // patch'))
    o = parse_options(str(path))
    assert o["name"] == "tiny" and o["train"]["optim_g"]["lr"] == 2e-4
    assert o["val"]["metrics"]["psnr"]["crop_border"] == 2 and o["network_g"]["upscale"] == 2
    assert o["datasets"]["train"]["use_hflip"] is True
    d = parse_options(str(path), debug=True)
    assert d["name"] == "debug_tiny" and d["val"]["val_freq"] == 8 and d["logger"]["print_freq"] == 1


@pytest.mark.parametrize("where, key", [((), "nmae"), (("train",), "totl_iter"), (("datasets", "train"), "gt_szie"),
                                        (("network_g",), "num_feats"), (("train", "scheduler"), "gama")])
def test_unknown_key_is_named(tmp_path, where, key):
    opt = train_options(str(tmp_path))
    d = opt
    for w in where:
        d = d[w]
    d[key] = 1
    with pytest.raises(OptionError, match=key):
        parse_options(write_json(tmp_path / "o.json", opt))


def test_invalid_json_names_file_and_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{\n "name": "x",\n "scale": 4,,\n}')
    with pytest.raises(OptionError, match=r"bad.json: invalid JSON at line 3"):
        parse_options(str(p))


def test_missing_required_key(tmp_path):
    opt = train_options(str(tmp_path))
    del opt["train"]["total_iter"]
    with pytest.raises(OptionError, match="train.total_iter"):
        parse_options(write_json(tmp_path / "o.json", opt))


def test_shipped_option_files_parse():
    import glob
    import os

    root = os.path.join(os.path.dirname(__file__), "..", "..", "dgpnet", "options")
    files = sorted(glob.glob(os.path.join(root, "*", "*.json")))
    assert len(files) >= 5
    for f in files:
        o = parse_options(f, is_train=os.path.basename(os.path.dirname(f)) == "train")
        assert o["scale"] == 4 and o["network_g"]["type"] in ("DGPNet", "MSRResNet")


def test_force_opt_overrides(tmp_path):
    path = write_json(tmp_path / "o.json", train_options(str(tmp_path)))
    o = parse_options(path, overrides=["train:total_iter=7", "train:optim_g:lr=0.001", "name=other"])
    assert o["train"]["total_iter"] == 7 and o["train"]["optim_g"]["lr"] == 0.001 and o["name"] == "other"
    with pytest.raises(OptionError, match="'totl' in train"):
        parse_options(path, overrides=["train:totl=7"])
