"""Bad input: a one-line error naming the file or folder and a non-zero exit (in-process)."""
import pytest

from common.io import imwrite
from darsr import main as darsr_main
from darsr.options import ConfigError, make_config, parse
from tests.darsr.conftest import synthetic_hr

TINY = ["--preset", "tiny", "--threads", "1", "--device", "cpu"]


def run(argv, capsys):
    try:
        code = darsr_main.main(argv + TINY)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.startswith(("error:", "darsr/main.py: error:"))]


def test_missing_input_dir(tmp_path, capsys):
    code, errors = run(["-i", str(tmp_path / "nope"), "-o", str(tmp_path / "out")], capsys)
    assert code == 2 and len(errors) == 1 and "nope" in errors[0]
    assert not (tmp_path / "out").exists()


def test_empty_input_dir(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, errors = run(["-i", str(tmp_path / "empty"), "-o", str(tmp_path / "out")], capsys)
    assert code == 2 and len(errors) == 1 and "empty" in errors[0] and "no images" in errors[0]


@pytest.mark.parametrize("flags", [["--scale_factor", "4"], ["--scale_factor", "2", "--scale_factor_downsampler", "0.25"],
                                   ["--scale_factor", "3", "--scale_factor_downsampler", "0.3333333333"]])
def test_inconsistent_scale_flags(tmp_path, capsys, lr_gt_dirs, flags):
    code, errors = run(["-i", str(lr_gt_dirs[0]), "-o", str(tmp_path / "out"), *flags], capsys)
    assert code == 2 and len(errors) == 1 and "scale_factor" in errors[0]


def test_oracle_needs_gt(tmp_path, capsys, lr_gt_dirs):
    code, errors = run(["-i", str(lr_gt_dirs[0]), "-o", str(tmp_path / "out"), "--oracle"], capsys)
    assert code == 2 and "--gt_dir" in errors[0]


def test_gt_of_wrong_size(tmp_path, capsys, lr_gt_dirs):
    lr_dir, gt_dir = lr_gt_dirs
    imwrite(gt_dir / "img.png", synthetic_hr(100, 100))
    code, errors = run(["-i", str(lr_dir), "-g", str(gt_dir), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and len(errors) == 1 and str(gt_dir / "img.png") in errors[0] and "GT" in errors[0]


def test_missing_gt(tmp_path, capsys, lr_gt_dirs):
    lr_dir, gt_dir = lr_gt_dirs
    (gt_dir / "img.png").unlink()
    imwrite(gt_dir / "other.png", synthetic_hr(20, 20))
    code, errors = run(["-i", str(lr_dir), "-g", str(gt_dir), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and len(errors) == 1 and "img.png" in errors[0]


@pytest.mark.parametrize("content", [b"", b"garbage bytes"])
def test_corrupt_image(tmp_path, capsys, content):
    (tmp_path / "lr").mkdir()
    (tmp_path / "lr" / "broken.png").write_bytes(content)
    code, errors = run(["-i", str(tmp_path / "lr"), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and len(errors) == 1 and "broken.png" in errors[0]
    assert "error" in (tmp_path / "out" / "metrics_x2_honest.csv").read_text()


def test_image_smaller_than_crop(tmp_path, capsys):
    imwrite(tmp_path / "lr" / "small.png", synthetic_hr(40, 40))
    code, errors = run(["-i", str(tmp_path / "lr"), "-o", str(tmp_path / "out"), "--input_crop_size", "32"], capsys)
    assert code == 1 and len(errors) == 1 and "small.png" in errors[0] and "crop size" in errors[0]


def test_options_match_the_original():
    c = parse([])
    expected = dict(input_dir="LR", output_dir="results", gt_dir="", input_crop_size=128, batch_size=16,
                    scale_factor=2, scale_factor_downsampler=0.5, lambda_cycle=5, lambda_interp=2,
                    lambda_regularization=2, lr_G_UP=0.001, lr_G_DN=0.0002, lr_D_DN=0.0002,
                    beta1=0.5, num_iters=3000, eval_iters=10, device="auto", seed=0, oracle=False)
    assert {k: getattr(c, k) for k in expected} == expected
    assert parse(["--scalr_factor", "4", "--scale_factor_downsampler", "0.25"]).scale_factor == 4
    fast = parse(["--preset", "fast", "--num_iters", "7"])
    assert fast.num_iters == 7 and fast.dsem_iters == 200 and fast.batch_size == 4
    assert fast.correction == "analytic" and parse(["--preset", "paper"]).correction == "darm"
    assert parse(["--preset", "fast", "--correction", "darm"]).correction == "darm"      # explicit wins
    assert parse(["--preset", "fast", "--oracle", "--gt_dir", "x"]).correction == "darm"  # the oracle needs DARM
    with pytest.raises(SystemExit):
        parse(["--lambda_cycle", "0.5"])                       # int-typed, as in the original
    with pytest.raises(ConfigError):
        make_config(scale_factor=4, scale_factor_downsampler=0.5)


def test_cuda_requested_without_cuda(tmp_path, capsys, lr_gt_dirs):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    try:
        code = darsr_main.main(["-i", str(lr_gt_dirs[0]), "-o", str(tmp_path / "out"), "--device", "cuda"])
    except SystemExit as exc:
        code = exc.code
    assert code == 2 and "cuda" in capsys.readouterr().err and not (tmp_path / "out").exists()
