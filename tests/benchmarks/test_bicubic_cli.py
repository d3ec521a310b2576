"""benchmarks.bicubic as a command: bad images are one line each, the set goes on; bad flags exit 2."""
import json
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.bicubic import main
from common.io import imwrite
from tests.conftest import REPO


@pytest.fixture
def root(tmp_path):
    """<root>/Tiny/HR with two good 40x40 images."""
    rng = np.random.default_rng(0)
    for i in range(2):
        imwrite(tmp_path / "Tiny" / "HR" / f"ok{i}.png", rng.integers(0, 256, (40, 40, 3), dtype=np.uint8))
    return tmp_path


@pytest.mark.parametrize("content", ["corrupt", "empty", "1x1", "bomb"])
def test_bad_hr_is_one_line_and_the_others_are_scored(root, tmp_path, capsys, content):
    from tests.common.test_io import png_bomb

    bad = root / "Tiny" / "HR" / "bad.png"
    if content == "1x1":
        imwrite(bad, np.zeros((1, 1, 3), np.uint8))
    else:
        bad.write_bytes({"corrupt": b"not a png", "empty": b"", "bomb": png_bomb(100000, 100000)}[content])
    out_json = tmp_path / "r.json"
    assert main(["--root", str(root), "--sets", "Tiny", "--scales", "2", "--json", str(out_json)]) == 1
    captured = capsys.readouterr()
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: ") and str(bad) in errors[0]
    assert "(1 images failed)" in captured.out
    (r,) = json.loads(out_json.read_text())
    assert r["status"] == "ok" and r["psnr"] > 0 and len(r["failed"]) == 1


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "benchmarks.bicubic", *args], cwd=REPO, capture_output=True, text=True)


@pytest.mark.parametrize("flags,why", [(["--scales", "0"], "--scales must be at least 1, got 0"),
                                       (["--scales", "2", "-3"], "--scales must be at least 1, got -3"),
                                       (["--root", "/nonexistent/folder"], "--root is not a folder")])
def test_bad_flags_exit_2(flags, why):
    p = _cli(*flags)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and why in p.stderr


def test_unwritable_json_is_one_line(root, tmp_path):
    (tmp_path / "somefile").write_text("a file, not a folder")
    p = _cli("--root", str(root), "--sets", "Tiny", "--scales", "2", "--json", str(tmp_path / "somefile" / "sub" / "r.json"))
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr and "somefile" in p.stderr
