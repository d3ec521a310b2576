import json
import os
import subprocess
import sys

import numpy as np
import pytest

from common.degradations import modcrop
from common.evaluate import evaluate_folder, main
from common.imresize import imresize
from common.io import imread, imwrite
from tests.conftest import BUNDLED, REPO, SET5


@pytest.fixture
def bicubic_dirs(tmp_path):
    """Set5 x4 bicubic SR images named like EDSR's results, next to the bundled HR."""
    for name in SET5:
        hr = modcrop(imread(os.path.join(BUNDLED, "Set5", "HR", f"{name}.png")), 4)
        imwrite(tmp_path / "sr" / f"{name}_x4_SR.png", imresize(imresize(hr, 0.25), 4))
    return str(tmp_path / "sr"), os.path.join(BUNDLED, "Set5", "HR")


def test_folder_scores_match_the_published_set5_bicubic(bicubic_dirs, tmp_path, capsys):
    sr, hr = bicubic_dirs
    assert main(["--sr", sr, "--hr", hr, "--scale", "4", "--json", str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    assert "Y of MATLAB rgb2ycbcr" in out and "shave 4 px" in out and "baby.png" in out
    result = json.loads((tmp_path / "m.json").read_text())
    assert len(result["images"]) == 5
    assert abs(result["mean"]["psnr"] - 28.42) < 0.02 and abs(result["mean"]["ssim"] - 0.8104) < 0.0015
    rgb = evaluate_folder(sr, hr, 4, rgb=True)
    assert rgb["channel"] == "RGB" and rgb["mean"]["psnr"] < result["mean"]["psnr"]


def test_gray_hr_with_rgb_sr_is_scored_as_gray(tmp_path):
    gray = imread(os.path.join(BUNDLED, "Set14", "HR", "bridge.png"))
    hr = modcrop(gray, 2)
    sr = imresize(imresize(hr, 0.5), 2)
    imwrite(tmp_path / "hr" / "bridge.png", gray)
    imwrite(tmp_path / "sr" / "bridge.png", np.dstack([sr] * 3))
    r = evaluate_folder(tmp_path / "sr", tmp_path / "hr", 2)
    from common.metrics import calculate_psnr
    assert r["mean"]["psnr"] == pytest.approx(calculate_psnr(sr, hr, 2))


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "common.evaluate", *args], cwd=REPO,
                          capture_output=True, text=True)


def test_mismatched_size_is_a_one_line_error(bicubic_dirs):
    sr, hr = bicubic_dirs
    imwrite(os.path.join(sr, "bird_x4_SR.png"), np.zeros((100, 100, 3), np.uint8))
    p = _cli("--sr", sr, "--hr", hr, "--scale", "4")
    assert p.returncode == 1
    assert p.stderr.count("\n") == 1 and "bird_x4_SR.png" in p.stderr and "100x100" in p.stderr
    assert "1 of 5 images failed" in p.stdout and "baby.png" in p.stdout       # the others are scored


def test_missing_unmatched_and_corrupt_inputs(bicubic_dirs, tmp_path):
    sr, hr = bicubic_dirs
    os.remove(os.path.join(sr, "head_x4_SR.png"))
    p = _cli("--sr", sr, "--hr", hr, "--scale", "4")
    assert p.returncode == 1 and "no SR image for head.png" in p.stderr
    imwrite(os.path.join(sr, "head_x4_SR.png"), np.zeros((280, 280, 3), np.uint8))
    open(os.path.join(sr, "zebra.png"), "wb").write(b"junk")
    p = _cli("--sr", sr, "--hr", hr, "--scale", "4")
    assert p.returncode == 1 and "zebra.png" in p.stderr and "no HR image" in p.stderr
    open(os.path.join(sr, "bird_x4_SR.png"), "wb").write(b"junk")
    os.remove(os.path.join(sr, "zebra.png"))
    p = _cli("--sr", sr, "--hr", hr, "--scale", "4")
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and "bird_x4_SR.png: not a readable image" in p.stderr
    p = _cli("--sr", str(tmp_path / "nope"), "--hr", hr, "--scale", "4")
    assert p.returncode == 2 and "nope: --sr is not a folder" in p.stderr


def test_header_bomb_fails_alone_and_the_folder_goes_on(bicubic_dirs, tmp_path):
    from tests.common.test_io import png_bomb

    sr, hr = bicubic_dirs
    open(os.path.join(sr, "bird_x4_SR.png"), "wb").write(png_bomb(100000, 100000))
    main_json = tmp_path / "m.json"
    p = _cli("--sr", sr, "--hr", hr, "--scale", "4", "--json", str(main_json))
    assert p.returncode == 1 and "Traceback" not in p.stderr and p.stderr.count("\n") == 1
    assert "bird_x4_SR.png: 100000x100000 pixels exceeds the limit" in p.stderr
    result = json.loads(main_json.read_text())
    assert [r["image"] for r in result["failed"]] == ["bird.png"]
    assert len([r for r in result["images"] if "psnr" in r]) == 4 and result["mean"]["psnr"] > 20


@pytest.mark.parametrize("flags,why", [(["--scale", "0"], "--scale must be at least 1, got 0"),
                                       (["--scale", "-2"], "--scale must be at least 1"),
                                       (["--scale", "4", "--crop_border", "-1"], "--crop_border")])
def test_bad_values_are_usage_errors(bicubic_dirs, flags, why):
    sr, hr = bicubic_dirs
    p = _cli("--sr", sr, "--hr", hr, *flags)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and why in p.stderr


def test_unwritable_json_is_one_line(bicubic_dirs, tmp_path):
    sr, hr = bicubic_dirs
    (tmp_path / "somefile").write_text("a file, not a folder")
    p = _cli("--sr", sr, "--hr", hr, "--scale", "4", "--json", str(tmp_path / "somefile" / "sub" / "m.json"))
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert "somefile" in p.stderr


def test_suffix_chooses_among_several_outputs(bicubic_dirs):
    sr, hr = bicubic_dirs
    for name in SET5:
        img = imread(os.path.join(sr, f"{name}_x4_SR.png"))
        imwrite(os.path.join(sr, f"{name}_x4_LR.png"), img)
    with pytest.raises(ValueError, match="--suffix"):
        evaluate_folder(sr, hr, 4)
    assert len(evaluate_folder(sr, hr, 4, suffix="_x4_SR")["images"]) == 5
