"""darsr/main.py under hostile conditions: header bombs, unwritable output, Ctrl-C mid-folder."""
import csv
import os
import signal

import numpy as np
import pytest

from common.cli import UsageError
from common.io import imwrite
from darsr import main as darsr_main
from tests.common.test_io import png_bomb
from tests.darsr.conftest import synthetic_hr

TINY = ["--preset", "tiny", "--threads", "1", "--device", "cpu"]


def fake_result(lr, conf, gt=None, **kw):
    """What run_image returns, without the minutes of work (x2 nearest-neighbour as every output)."""
    up = np.repeat(np.repeat(lr if lr.ndim == 3 else np.dstack([lr] * 3), 2, axis=0), 2, axis=1)
    out = dict(corrected=lr, ours=up, srfbns=up, kernel=np.full((13, 13), 1 / 169), seconds=0.1,
               seconds_dsem=0.05, seconds_sr=0.05, dsem_iters=1, num_iters=1)
    if gt is not None:
        out.update(psnr_srfbns=30.0, ssim_srfbns=0.9, psnr=31.0, ssim=0.91)
    return out


@pytest.fixture
def folder(tmp_path):
    """Three LR images with GT: a.png, b.png (a header bomb), c.png."""
    lr, gt = tmp_path / "lr", tmp_path / "gt"
    for name in ("a", "c"):
        hr = synthetic_hr(64, 64, seed=ord(name))
        imwrite(gt / f"{name}.png", hr)
        imwrite(lr / f"{name}.png", hr[::2, ::2])
    (lr / "b.png").write_bytes(png_bomb(100000, 100000))
    imwrite(gt / "b.png", synthetic_hr(64, 64))
    return lr, gt


@pytest.fixture
def fast(monkeypatch):
    import darsr.learner

    monkeypatch.setattr(darsr.learner, "run_image", fake_result)
    monkeypatch.setattr(darsr.learner, "estimate_seconds", lambda lr, conf: 1.0)


def _csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_header_bomb_fails_alone(folder, tmp_path, capsys, fast):
    lr, gt = folder
    out = tmp_path / "out"
    assert darsr_main.main(["-i", str(lr), "-g", str(gt), "-o", str(out), *TINY]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(lr / "b.png") in errors[0] and "exceeds the limit" in errors[0]
    rows = _csv(out / "metrics_x2_honest.csv")
    assert [(r["image"], r["status"]) for r in rows] == [("a.png", "ok"), ("b.png", "error"), ("c.png", "ok"),
                                                         ("MEAN", "2 images")]
    assert (out / "cx2_ours.png").is_file()


def test_unwritable_output_is_one_line(folder, tmp_path, capsys, fast):
    lr, _ = folder
    (tmp_path / "somefile").write_text("a file, not a folder")
    code = darsr_main.main(["-i", str(lr), "-o", str(tmp_path / "somefile" / "sub"), *TINY])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "somefile" in err and "Traceback" not in err


def test_full_disk_is_one_line(folder, tmp_path, capsys, fast, monkeypatch):
    import errno

    lr, gt = folder

    def full(path, img):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    monkeypatch.setattr(darsr_main, "imwrite", full)
    code = darsr_main.main(["-i", str(lr), "-g", str(gt), "-o", str(tmp_path / "out"), *TINY])
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1 and "no space left on the device" in last and "ax2_corrected.png" in last


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_writes_finishes_them_and_writes_the_csv(folder, tmp_path, capsys, fast, monkeypatch, signum):
    """The signal arrives while a.png's first output is written: all of a's outputs are finished, the CSV
    lists a, the run stops before c and exits 130 with a one-line hint."""
    lr, gt = folder
    real, calls = darsr_main.imwrite, []

    def imwrite_then_signal(path, img):
        calls.append(path)
        if len(calls) == 1:
            os.kill(os.getpid(), signum)
        real(path, img)

    monkeypatch.setattr(darsr_main, "imwrite", imwrite_then_signal)
    out = tmp_path / "out"
    old = signal.getsignal(signal.SIGTERM)
    try:
        code = darsr_main.main(["-i", str(lr), "-g", str(gt), "-o", str(out), *TINY])
    finally:
        signal.signal(signal.SIGTERM, old)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 130 and err[-1].startswith("darsr/main.py: interrupted; ") and "CSV" in err[-1]
    for name in ("ax2_corrected.png", "ax2_ours.png", "ax2_SRFBNs.png", "ax2_kernel.npy", "ax2_kernel.png"):
        assert (out / name).is_file(), name
    assert not (out / "cx2_ours.png").exists()
    rows = _csv(out / "metrics_x2_honest.csv")
    assert [(r["image"], r["status"]) for r in rows] == [("a.png", "ok"), ("MEAN", "1 images")]
    assert not [p for p in os.listdir(out) if p.startswith(".")]


def test_stale_temporary_files_are_removed(folder, tmp_path, fast):
    lr, gt = folder
    out = tmp_path / "out"
    out.mkdir()
    (out / ".ax2_kernel.k3j_9x2a.tmp.png").write_bytes(b"left by kill -9")
    darsr_main.main(["-i", str(lr), "-o", str(out), *TINY])
    assert not [p for p in os.listdir(out) if p.startswith(".")]


def test_psnr_max_is_not_a_flag(tmp_path):
    with pytest.raises(SystemExit) as exc:
        darsr_main.main(["-i", str(tmp_path), "--psnr_max", "3"])
    assert exc.value.code == 2


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(UsageError):
        darsr_main.main(["-i", str(tmp_path / "nowhere"), "--debug"])


def test_missing_weights_message_survives(folder, tmp_path, capsys, monkeypatch):
    import darsr.learner

    def no_weights(*a, **kw):
        raise FileNotFoundError("srfbn_s_x2.pth: SRFBN-S x2 weights not found; pass weights=<path to .pth>")

    monkeypatch.setattr(darsr.learner, "estimate_seconds", no_weights)
    assert darsr_main.main(["-i", str(folder[0]), "-o", str(tmp_path / "out"), *TINY]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == "darsr/main.py: error: srfbn_s_x2.pth: SRFBN-S x2 weights not found; pass weights=<path to .pth>"
