"""jtf_sisr/main.py when things go wrong: failed runs, bad --load/--pre_train, interrupts, full disks."""
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from common.io import load_checkpoint, save_checkpoint
from jtf_sisr.main import main
from tests.conftest import REPO
from tests.jtf_sisr.test_cli import TINY, data  # noqa: F401  (the fixture)

MAIN = os.path.join(REPO, "jtf_sisr", "main.py")


def _args(root, *extra):
    return TINY + ["--dir_data", str(root / "data"), "--data_train", "Tiny", "--data_test", "Mini",
                   "--dir_experiment", str(root / "experiment"), *extra]


def _cli(root, *extra, **kw):
    return subprocess.run([sys.executable, MAIN, *_args(root, *extra)], cwd=root, capture_output=True, text=True,
                          timeout=300, **kw)


def _errors(capsys):
    return [line for line in capsys.readouterr().err.splitlines() if "error:" in line]


def _weights(root, name):
    return load_checkpoint(root / "experiment" / name / "state_latest.pt", key=None)["model"]


def _same(a, b, tol=1e-6):
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a) <= tol


@pytest.mark.parametrize("failure", ["dataset typo", "corrupt image", "missing pre_train", "wrong pre_train"])
def test_a_failed_run_leaves_the_finished_experiment_as_it_was(data, capsys, failure):
    assert main(_args(data, "--save", "done", "--epochs", "1")) == 0
    exp = data / "experiment"
    before = {p: os.path.getmtime(exp / "done" / p) for p in ("state_latest.pt", "log.txt")}
    extra = {"dataset typo": ["--data_train", "Tinyy"], "missing pre_train": ["--pre_train", str(data / "no.pt")],
             "wrong pre_train": ["--pre_train", str(data / "edsr.pt")], "corrupt image": []}[failure]
    image = data / "data" / "Tiny" / "HR" / "im1.png"
    good = image.read_bytes()
    if failure == "corrupt image":
        image.write_bytes(b"not a png")
    if failure == "wrong pre_train":
        from jtf_sisr.api import build
        save_checkpoint(build("edsr", 2, n_feats=8, n_resblocks=2).state_dict(), data / "edsr.pt")
    capsys.readouterr()
    assert main(_args(data, "--save", "done", "--epochs", "1", *extra)) == 1
    assert len(_errors(capsys)) == 1
    assert sorted(os.listdir(exp)) == ["done"]                           # nothing archived
    assert {p: os.path.getmtime(exp / "done" / p) for p in before} == before
    # and --load still continues the finished run
    image.write_bytes(good)
    assert main(_args(data, "--load", "done", "--epochs", "2")) == 0
    assert "Continue from epoch 1" in capsys.readouterr().out


def test_a_new_run_archives_the_old_folder_once_it_has_started(data):
    assert main(_args(data, "--save", "x", "--epochs", "1")) == 0
    assert main(_args(data, "--save", "x", "--epochs", "1")) == 0
    names = sorted(os.listdir(data / "experiment"))
    assert names[0] == "x" and names[1].startswith("x_archived_") and len(names) == 2


def test_load_of_a_missing_or_empty_folder_is_an_error(data, capsys):
    assert main(_args(data, "--load", "nothing")) == 2
    (err,) = _errors(capsys)
    assert "--load nothing" in err and "no experiment folder" in err
    (data / "experiment" / "empty").mkdir(parents=True)
    assert main(_args(data, "--load", "empty")) == 2
    (err,) = _errors(capsys)
    assert "holds no checkpoint" in err and not os.listdir(data / "experiment" / "empty")


def test_pre_train_of_another_network_names_the_file_and_keys(data, capsys):
    from jtf_sisr.api import build

    bigger = build("jtf_sisr", 2, n_feats=16, n_resblocks=2, n_stages=2, jtf_groups=2)
    save_checkpoint(bigger.state_dict(), data / "bigger.pt")
    for mode in ([], ["--test_only"]):
        assert main(_args(data, "--save", "ft", "--pre_train", str(data / "bigger.pt"), *mode)) == 1
        (err,) = _errors(capsys)
        assert "bigger.pt: not a checkpoint of this network" in err and "head_image.weight" in err
    # another scale (EDSR's x3-from-x2 fine-tuning) is fine: only the upsamplers stay random
    x3 = build("jtf_sisr", 3, n_feats=8, n_resblocks=2, n_stages=2, jtf_groups=2)
    save_checkpoint(x3.state_dict(), data / "x3.pt")
    assert main(_args(data, "--save", "ft", "--pre_train", str(data / "x3.pt"), "--epochs", "1")) == 0
    assert "4 upsampler tensors" in capsys.readouterr().out


@pytest.mark.parametrize("flags,why", [(["--scale", "0"], "--scale must be at least 1, got 0"),
                                       (["--scale", "2+x"], "--scale must be whole numbers"),
                                       (["--batch_size", "0"], "--batch_size must be at least 1"),
                                       (["--patch_size", "-5"], "--patch_size must be at least 1"),
                                       (["--lr", "0"], "--lr must be positive")])
def test_values_out_of_range_exit_2(data, capsys, flags, why):
    assert main(_args(data, "--save", "bad", *flags)) == 2
    (err,) = _errors(capsys)
    assert why in err and not (data / "experiment").exists()


@pytest.mark.parametrize("flag", [["--act", "relu"], ["--shift_mean", "True"], ["--dilation"], ["--extend", "x.pt"],
                                  ["--split_batch", "2"], ["--gan_k", "2"]])
def test_dead_edsr_flags_are_rejected(data, flag):
    with pytest.raises(SystemExit) as exc:
        main(_args(data, *flag))
    assert exc.value.code == 2


def test_scale_0_from_the_command_line(data):
    p = _cli(data, "--scale", "0")
    assert p.returncode == 2 and p.stderr.strip() == "jtf_sisr/main.py: error: --scale must be at least 1, got 0"


def test_full_disk_is_one_line(data, capsys, monkeypatch):
    def full(obj, f, *a, **kw):
        raise RuntimeError("[enforce fail at inline_container.cc:603] . PytorchStreamWriter failed writing file "
                           "data/3: file write failed")

    monkeypatch.setattr(torch, "save", full)
    assert main(_args(data, "--save", "full", "--epochs", "1")) == 1
    (err,) = _errors(capsys)
    assert "state_latest.pt: writing the checkpoint failed (full disk" in err


def test_unwritable_experiment_folder_is_one_line(data, capsys):
    (data / "somefile").write_text("a file, not a folder")
    argv = _args(data, "--save", "x", "--epochs", "1")
    argv[argv.index("--dir_experiment") + 1] = str(data / "somefile" / "sub")
    assert main(argv) == 1
    (err,) = _errors(capsys)
    assert "somefile" in err


def _legacy(folder):
    """Turn an experiment folder into the earlier layout: model/model_latest.pt + optimizer.pt + psnr_log.pt."""
    state = load_checkpoint(folder / "state_latest.pt", key=None)
    save_checkpoint(state["trainer"], folder / "optimizer.pt")
    os.remove(folder / "state_latest.pt")
    return sorted(os.listdir(folder / "model")), state


def test_earlier_layout_still_resumes_and_matches_an_uninterrupted_run(data, capsys):
    assert main(_args(data, "--save", "full", "--epochs", "2")) == 0
    assert main(_args(data, "--save", "old", "--epochs", "1")) == 0
    models, state = _legacy(data / "experiment" / "old")
    assert models == ["model_best.pt", "model_latest.pt"] and set(state["trainer"]) >= {
        "optimizer", "scheduler", "epoch", "psnr_log", "ssim_log", "best", "best_epoch", "loss_terms", "loss_log",
        "rng_torch", "scaler"}
    assert main(_args(data, "--load", "old", "--epochs", "2")) == 0
    assert "Continue from epoch 1" in capsys.readouterr().out
    assert _same(_weights(data, "old"), _weights(data, "full"))


def test_stale_temporary_files_are_removed_at_start(data):
    assert main(_args(data, "--save", "x", "--epochs", "1")) == 0
    exp = data / "experiment" / "x"
    for path in (exp / ".test_Mini.a1b2c3d4.tmp.png", exp / "model" / ".model_latest.zz99yy88.tmp.pt"):
        path.write_bytes(b"left by kill -9")
    assert main(_args(data, "--load", "x", "--epochs", "2")) == 0
    assert not [f for _, _, files in os.walk(exp) for f in files if f.startswith(".")]


def test_sigint_during_training_exits_130_and_resumes_exactly(data):
    """Ctrl-C in the middle of a run: exit 130, a hint naming --load, and the resumed run ends with the
    weights of an uninterrupted one."""
    assert main(_args(data, "--save", "full", "--epochs", "4")) == 0
    proc = subprocess.Popen([sys.executable, MAIN, *_args(data, "--save", "cut", "--epochs", "4")], cwd=data,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    state = data / "experiment" / "cut" / "state_latest.pt"
    while not state.exists() and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "jtf_sisr/main.py: interrupted; resume with the same command and --load cut"
    assert main(_args(data, "--load", "cut", "--epochs", "4")) == 0
    assert _same(_weights(data, "cut"), _weights(data, "full"))


@pytest.mark.slow
def test_kill_9_at_a_random_point_then_resume_gives_the_uninterrupted_weights(data):
    epochs = "6"
    assert main(_args(data, "--save", "full", "--epochs", epochs)) == 0
    state = data / "experiment" / "cut" / "state_latest.pt"
    proc = subprocess.Popen([sys.executable, MAIN, *_args(data, "--save", "cut", "--epochs", epochs)], cwd=data,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not state.exists() and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(random.uniform(0, 2.0))
    proc.kill()                                          # SIGKILL: no handler runs
    proc.wait()
    assert main(_args(data, "--load", "cut", "--epochs", epochs)) == 0
    assert _same(_weights(data, "cut"), _weights(data, "full"))
    exp = data / "experiment" / "cut"
    assert not [f for _, _, files in os.walk(exp) for f in files if f.startswith(".") or ".tmp" in f]
    assert _same(load_checkpoint(exp / "model" / "model_latest.pt"), _weights(data, "full"))


def test_sigint_during_the_checkpoint_writes_lets_them_finish(data, capsys, monkeypatch):
    import jtf_sisr.experiment

    real, calls = jtf_sisr.experiment.save_checkpoint, []

    def save_then_signal(obj, path):
        calls.append(os.path.basename(path))
        if calls.count("state_latest.pt") == 2 and len(calls) == 5:     # epoch 1's state file; the others follow
            os.kill(os.getpid(), signal.SIGINT)
        real(obj, path)

    monkeypatch.setattr(jtf_sisr.experiment, "save_checkpoint", save_then_signal)
    old = signal.getsignal(signal.SIGTERM)
    try:
        assert main(_args(data, "--save", "x", "--epochs", "3")) == 130
    finally:
        signal.signal(signal.SIGTERM, old)
    captured = capsys.readouterr()
    assert "holds epoch 1" in captured.out
    assert captured.err.strip().splitlines()[-1].endswith("resume with the same command and --load x")
    exp = data / "experiment" / "x"
    assert load_checkpoint(exp / "state_latest.pt", key=None)["trainer"]["epoch"] == 1
    assert load_checkpoint(exp / "psnr_log.pt", key=None).shape[0] == 1            # written after the signal
    assert _same(load_checkpoint(exp / "model" / "model_latest.pt"), _weights(data, "x"))
