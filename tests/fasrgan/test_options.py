import glob
import json
import os

import pytest

from fasrgan.utils.options import OptionError, parse, strip_comments

from .helpers import REPO


def test_comments_are_stripped_outside_strings():
    text = '{"a": "http://x//y", // comment\n "b": 1 // more\n}'
    assert json.loads(strip_comments(text)) == {"a": "http://x//y", "b": 1}


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(REPO, "fasrgan", "options", "**", "*.json"),
                                                  recursive=True)))
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


def test_force_opt_overrides_keys_and_still_checks_them(tmp_path):
    from fasrgan.utils.options import parse
    path = os.path.join(REPO, "fasrgan", "options", "train", "reduced", "train_FASRGAN.json")
    opt = parse(path, overrides=["train:niter=7", "name=run2", 'datasets:train:dataroot_HR=["a", "b"]'])
    assert opt["train"]["niter"] == 7 and opt["name"] == "run2"
    assert opt["datasets"]["train"]["dataroot_HR"] == ["a", "b"]
    with pytest.raises(OptionError, match="niterr"):
        parse(path, overrides=["train:niterr=7"])


def test_reduced_arms_differ_only_in_their_discriminator_and_sharing():
    """The ablation's GAN arms: identical data, patch, batch, iterations, schedule and loss weights."""
    def opts(n):
        return parse(os.path.join(REPO, "fasrgan", "options", "train", "reduced", f"train_{n}.json"))
    arms = {n: opts(n) for n in ("ESRGAN", "FASRGAN", "FsSRGAN")}
    for o in arms.values():
        assert o["datasets"]["train"] == arms["FASRGAN"]["datasets"]["train"]
        same = ("niter", "lr_G", "lr_D", "lr_steps", "pixel_weight", "feature_weight", "gan_weight", "manual_seed")
        assert all(o["train"][k] == arms["FASRGAN"]["train"][k] for k in same)
        assert o["train"]["feature_weight"] == 0 and o["train"]["pixel_weight"] == 1   # L1 takes VGG's weight
    assert arms["ESRGAN"]["network_D"]["which_model_D"] == "discriminator_vgg_128"
    assert arms["FASRGAN"]["network_D"]["which_model_D"] == "Unet"
    psnr = opts("RRDB_PSNR")
    fs = opts("Fs_RRDB_PSNR")
    assert psnr["network_G"]["nb"] == fs["network_G"]["nb"] + fs["network_E"]["nb"] == 6
