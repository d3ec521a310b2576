import numpy as np
from scipy.ndimage import center_of_mass

from common.io import imread, imwrite
from darsr.make_div2krk import degrade, main, random_kernel
from tests.darsr.conftest import synthetic_hr


def test_random_kernel_properties():
    rng = np.random.default_rng(0)
    for scale, size in ((2, 13), (4, 21)):
        k = random_kernel(scale, size, rng)
        assert k.shape == (size, size) and abs(k.sum() - 1) < 1e-9 and k.min() >= 0
        mu = size // 2 + 0.5 * (scale - size % 2)
        np.testing.assert_allclose(center_of_mass(k), (mu, mu), atol=0.05)


def test_degrade_size():
    k = random_kernel(2, 13, np.random.default_rng(1))
    assert degrade(synthetic_hr(40, 50), k, 2).shape == (20, 25, 3)


def test_cli(tmp_path, capsys):
    imwrite(tmp_path / "hr" / "a.png", synthetic_hr(41, 50))
    out = tmp_path / "set"
    assert main(["--hr_dir", str(tmp_path / "hr"), "--scale", "2", "--out", str(out)]) == 0
    assert imread(out / "LRx2" / "a.png").shape == (20, 25, 3)
    assert imread(out / "HR" / "a.png").shape == (40, 50, 3)
    assert np.load(out / "gt_k_x2" / "a.npy").shape == (13, 13)
    assert main(["--hr_dir", str(tmp_path / "none"), "--out", str(out)]) == 2
    assert "none" in capsys.readouterr().err


def test_bench_kernel_error():
    from benchmarks.div2krk import kernel_error

    k = random_kernel(2, 13, np.random.default_rng(2))
    assert kernel_error(k, k) < 1e-12
    assert kernel_error(np.pad(k, 4), k) < 1e-6                 # size-independent
    assert kernel_error(np.full((13, 13), 1 / 169), k) > 1e-3


def test_bench_stage_times_give_every_stage():
    from benchmarks.bench_darsr import stage_times

    (row,) = stage_times(presets=("tiny",), size=56, repeats=1)
    assert row["preset"] == "tiny" and row["threads"] >= 1
    for key in ("sec_per_dsem_iter", "sec_per_joint_iter", "sec_infer_56px"):
        assert 0 < row[key] < 30


def test_the_readme_commands_run_verbatim_from_a_folder(tmp_path):
    """make_div2krk.py with its defaults, then main.py with the authors' flags (tiny preset to stay short)."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    p = subprocess.run([sys.executable, os.path.join(REPO, "darsr", "make_div2krk.py"), "--limit", "1", "--crop", "128"],
                       cwd=tmp_path, capture_output=True, text=True, env=env)
    assert p.returncode == 0 and "--input_dir LRx2 --gt_dir HR" in p.stdout
    assert (tmp_path / "LRx2" / "baby.png").is_file() and (tmp_path / "HR" / "baby.png").is_file()
    p = subprocess.run([sys.executable, os.path.join(REPO, "darsr", "main.py"), "--input_dir", "LRx2", "--gt_dir", "HR",
                        "--scale_factor", "2", "--scale_factor_downsampler", "0.5", "--preset", "tiny"],
                       cwd=tmp_path, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert "preset tiny" in p.stdout and "estimated time per image like baby.png" in p.stdout
    p = subprocess.run([sys.executable, os.path.join(REPO, "darsr", "main.py"), "--input_dir", "nowhere"],
                       cwd=tmp_path, capture_output=True, text=True, env=env)
    assert p.returncode != 0 and "make_div2krk.py" in p.stderr and p.stderr.count("\n") == 1


def test_bad_image_in_the_middle_others_written_exit_1(tmp_path, capsys):
    from tests.common.test_io import png_bomb

    hr = tmp_path / "hr"
    imwrite(hr / "a.png", synthetic_hr(30, 30))
    (hr / "b.png").write_bytes(png_bomb(100000, 100000))
    imwrite(hr / "c.png", synthetic_hr(30, 30, seed=1))
    out = tmp_path / "set"
    assert main(["--hr_dir", str(hr), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and str(hr / "b.png") in err[0]
    assert sorted(p.name for p in (out / "LRx2").iterdir()) == ["a.png", "c.png"]
    # the kernel of c does not depend on whether b could be read
    assert main(["--hr_dir", str(hr), "--out", str(tmp_path / "again")]) == 1
    assert np.array_equal(np.load(out / "gt_k_x2" / "c.npy"), np.load(tmp_path / "again" / "gt_k_x2" / "c.npy"))


def test_bad_flags_and_unwritable_output(tmp_path, capsys):
    import pytest

    for flags, why in ((["--kernel_size", "-3"], "--kernel_size"), (["--limit", "0"], "--limit"),
                       (["--crop", "-1"], "--crop")):
        assert main(flags + ["--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and why in err
    with pytest.raises(SystemExit) as exc:
        main(["--scale", "3"])                                          # argparse choices
    assert exc.value.code == 2
    capsys.readouterr()
    (tmp_path / "somefile").write_text("not a folder")
    assert main(["--limit", "1", "--crop", "32", "--out", str(tmp_path / "somefile" / "sub")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "somefile" in err and "Traceback" not in err
