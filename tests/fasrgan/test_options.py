import glob
import json
import os

import pytest

from fasrgan.utils.options import OptionError, parse, strip_comments

from .helpers import REPO


def test_comments_are_stripped_outside_strings():
    text = '{"a": "http://x//y", // comment\n "b": 1 // more\n}'
    assert json.loads(strip_comments(text)) == {"a": "http://x//y", "b": 1}


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(REPO, "fasrgan", "options", "*", "*.json"))))
def test_shipped_option_files_parse(path):
    opt = parse(path, is_train="/train/" in path.replace(os.sep, "/"))
    assert opt["scale"] == 4 and opt["name"]


def test_shipped_weights_match_the_paper():
    o = parse(os.path.join(REPO, "fasrgan", "options", "train", "train_FASRGAN.json"))
    t = o["train"]
    assert (t["pixel_weight"], t["feature_weight"], t["gan_weight"], t["atten_weight"], t["gan_mask_weight"]) == \
        (1e-2, 1, 5e-3, 5e-2, 5e-3)
    assert t["lr_steps"] == [50000, 100000, 200000, 300000] and t["niter"] == 500000
    o = parse(os.path.join(REPO, "fasrgan", "options", "train", "train_FsSRGAN.json"))
    assert o["network_G"]["nb"] == 16 and o["network_E"]["nb"] == 1 and o["datasets"]["train"]["HR_size"] == 192


def _write(tmp_path, text):
    p = tmp_path / "o.json"
    p.write_text(text)
    return str(p)


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    p = _write(tmp_path, '{"name": "x", "datasets": {"train": {"dataroot_HR": "a"}}, "train": {"pixel_wieght": 1}}')
    with pytest.raises(OptionError, match=r"'pixel_wieght' in train.*pixel_weight"):
        parse(p)


def test_authors_wrong_extractor_key_is_reported(tmp_path):
    p = _write(tmp_path, '{"name": "x", "model": "FsSRGAN", "datasets": {"train": {"dataroot_HR": "a"}},'
                         ' "network_E": {"which_model_G": "model_ex"}}')
    with pytest.raises(OptionError, match="'which_model_G' in network_E"):
        parse(p)


def test_invalid_json_names_file_and_line(tmp_path):
    p = _write(tmp_path, '{"name": "x",\n "scale": 4,,\n}')
    with pytest.raises(OptionError, match=r"o\.json: invalid JSON at line 2"):
        parse(p)


def test_defaults_fill_missing_keys(tmp_path):
    p = _write(tmp_path, '{"name": "x", "datasets": {"train": {"dataroot_HR": "a"}}}')
    o = parse(p)
    assert o["train"]["lr_G"] == 1e-4 and o["logger"]["print_freq"] == 200 and o["network_G"]["nb"] == 23
