"""common.experiment, common.rng_state, common.curves, common.interrupt, common.state_match."""
import os
import random
import signal

import numpy as np
import pytest
import torch

from common.cli import UsageError, one_line
from common.curves import plot_curves, plot_panels
from common.experiment import archive, latest_state, prepare, remove_stale_temp, resume_path, write_checkpoint
from common.interrupt import StopRequest
from common.io import CheckpointError, load_checkpoint
from common.rng_state import get_state, seed_all, set_state
from common.state_match import load_matching


def test_prepare_archives_a_fresh_run_and_keeps_a_resumed_one(tmp_path):
    root = str(tmp_path / "exp")
    assert prepare(root, resume=False) is None
    (tmp_path / "exp" / "models" / "1_G.pth").write_bytes(b"x")
    (tmp_path / "exp" / "log" / ".loss.abc.tmp.png").write_bytes(b"half")     # left by kill -9
    assert prepare(root, resume=True) is None
    assert (tmp_path / "exp" / "models" / "1_G.pth").is_file()
    assert not (tmp_path / "exp" / "log" / ".loss.abc.tmp.png").exists()
    archived = prepare(root, resume=False)
    assert os.path.basename(archived).startswith("exp_archived_") and os.path.isfile(os.path.join(archived, "models",
                                                                                                  "1_G.pth"))
    assert sorted(os.listdir(root)) == ["log", "models", "training_states", "visualization"]
    second = archive(root)          # same second: a free name, never an overwrite
    assert second != archived and os.path.isdir(second) and os.path.isdir(archived)


def test_resume_path_never_restarts_silently(tmp_path):
    root = str(tmp_path / "exp")
    assert resume_path(root, auto_resume=True) is None             # no run of that name: fresh (BasicSR)
    os.makedirs(os.path.join(root, "training_states"))
    with pytest.raises(UsageError, match="--auto_resume: .*exp holds no training state"):
        resume_path(root, auto_resume=True)
    for n in ("8.state", "16.state", "latest.state", "9.state"):
        open(os.path.join(root, "training_states", n), "wb").close()
    assert resume_path(root, auto_resume=True).endswith("16.state")
    assert latest_state(os.path.join(root, "training_states")).endswith("16.state")
    assert resume_path(root) is None
    with pytest.raises(UsageError, match="path.resume_state: .*none.state: no such training state"):
        resume_path(root, str(tmp_path / "none.state"))


def test_remove_stale_temp_keeps_other_files(tmp_path):
    for n in (".a.123.tmp.pth", ".keep", "b.png", "c.tmp"):
        (tmp_path / n).write_bytes(b"")
    remove_stale_temp(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == [".keep", "b.png", "c.tmp"]


def test_rng_state_round_trip_through_a_weights_only_file(tmp_path):
    seed_all(3)
    write_checkpoint({"rng": get_state()}, str(tmp_path / "s.state"))
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_state(load_checkpoint(str(tmp_path / "s.state"), key=None)["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_write_checkpoint_full_disk_is_one_line(tmp_path, monkeypatch):
    def full(obj, f, *a, **k):
        raise RuntimeError("[enforce fail at inline_container.cc:603] . PytorchStreamWriter failed writing file")

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(OSError, match=r"writing the checkpoint failed \(full disk") as info:
        write_checkpoint({}, str(tmp_path / "s.state"))
    assert one_line(info.value).startswith(str(tmp_path / "s.state") + ": writing the checkpoint failed")
    assert os.listdir(tmp_path) == []


def test_curves_are_written_atomically(tmp_path):
    plot_curves(str(tmp_path / "a.png"), {"l1": [(1, 0.5), (2, 0.25)]}, "t", "loss", logy=True)
    plot_panels(str(tmp_path / "b.png"), {"psnr": {"psnr": [(1, 20.0)]}, "empty": {"x": []}}, "t")
    plot_curves(str(tmp_path / "c.png"), {"l1": []})
    assert sorted(os.listdir(tmp_path)) == ["a.png", "b.png"]


def test_stop_request_defers_the_first_signal():
    before = signal.getsignal(signal.SIGINT)     # SIG_IGN when the suite runs in the background
    with StopRequest() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.should_stop()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


def test_load_matching_names_file_and_keys():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Conv2d(2, 2, 1))
    state = net.state_dict()
    with pytest.raises(CheckpointError, match=r"w.pth: not a checkpoint of this G: missing keys 1.weight, 1.bias"):
        load_matching(net, {k: v for k, v in state.items() if k.startswith("0.")}, "w.pth", what="G")
    with pytest.raises(CheckpointError, match=r"unexpected keys 2.weight"):
        load_matching(net, dict(state, **{"2.weight": state["1.weight"]}), "w.pth")
    with pytest.raises(CheckpointError, match=r"other shapes, e.g. 0.weight \(2, 1, 1, 1\) vs \(2, 1, 3, 3\)"):
        load_matching(net, dict(state, **{"0.weight": torch.zeros(2, 1, 1, 1)}), "w.pth")
    assert load_matching(net, {k: v for k, v in state.items() if k.startswith("0.")}, "w.pth", strict=False) == \
        (["1.weight", "1.bias"], [])


def _tiny_run(package, root, name, niter):
    """An option file for a tiny run of ``package`` saving every iteration; returns (path, final weights file)."""
    exp = os.path.join(root, "experiments", name)
    if package == "gdsr":
        from tests.gdsr.conftest import train_opt, write_opt
        opt = train_opt(root, name, "DualSR_pretrain", niter=niter, train={"val_freq": niter},
                        logger={"print_freq": 1, "save_checkpoint_freq": 1})
        return write_opt(os.path.join(root, f"{name}.json"), opt), os.path.join(exp, "models", f"{niter}_G.pth")
    if package == "fasrgan":
        from tests.fasrgan.helpers import train_options
        path = train_options("RRDB_PSNR", root, os.path.join(root, "f", "HR"), os.path.join(root, "f", "LR"),
                             os.path.join(root, "f", "HR"), None, niter=niter, save=1, name=name)
        return path, os.path.join(exp, "models", f"net_G_{niter}.pth")
    from tests.dgpnet.conftest import train_options, write_json
    opt = train_options(root, name=name, total_iter=niter)
    opt["logger"].update(save_checkpoint_freq=1)
    opt["val"]["val_freq"] = niter
    return write_json(os.path.join(root, f"{name}.json"), opt), os.path.join(exp, "models", f"net_g_{niter}.pth")


def _make_data(package, root):
    import pathlib

    if package == "gdsr":
        from tests.gdsr.conftest import make_data
        make_data(pathlib.Path(root))
    elif package == "fasrgan":
        from tests.fasrgan.helpers import make_images
        make_images(os.path.join(root, "f"), n=4, size=32, lr_scale=4)
    else:
        from tests.dgpnet.conftest import make_pairs
        make_pairs(root)


@pytest.mark.slow
@pytest.mark.parametrize("package", ["gdsr", "fasrgan", "dgpnet"])
def test_kill_9_then_resume_equals_an_uninterrupted_run(package, tmp_path):
    """kill -9 at a random point after the first checkpoint, --auto_resume until done: the final weights are
    those of an uninterrupted run of the same seed, and no temporary file is left behind."""
    import subprocess
    import sys
    import time

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    root = str(tmp_path)
    _make_data(package, root)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=repo)
    script = os.path.join(repo, package, "train.py")
    niter = 8
    ref_opt, ref_weights = _tiny_run(package, root, "straight", niter)
    subprocess.run([sys.executable, script, "-opt", ref_opt], cwd=root, env=env, check=True, capture_output=True,
                   timeout=600)
    opt, weights = _tiny_run(package, root, "killed", niter)
    states = os.path.join(root, "experiments", "killed", "training_states")
    rng = random.Random(os.getpid())
    kills = 0
    for attempt in range(6):
        args = [sys.executable, script, "-opt", opt] + (["--auto_resume"] if attempt else [])
        p = subprocess.Popen(args, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if attempt < 2:     # kill twice, each time at a random point after a checkpoint exists
            t0 = time.time()
            while p.poll() is None and not latest_state(states) and time.time() - t0 < 300:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 1.5))
            if p.poll() is None:
                p.kill()
                kills += 1
        _, err = p.communicate(timeout=600)
        if p.returncode == 0:
            break
        assert p.returncode == -signal.SIGKILL, err.decode()
    assert p.returncode == 0 and kills >= 1
    a = load_checkpoint(weights)
    b = load_checkpoint(ref_weights)
    assert a.keys() == b.keys()
    assert max((a[k].double() - b[k].double()).abs().max().item() for k in a) <= 1e-6
    left = [os.path.join(d, f) for d, _, files in os.walk(os.path.join(root, "experiments"))
            for f in files if f.startswith(".")]
    assert not left, left


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_log_file_on_a_full_disk_raises_instead_of_printing_a_traceback():
    import errno

    from common.run_logger import close_logger, get_logger

    log = get_logger("full_disk_test", "/dev/full")
    try:
        with pytest.raises(OSError) as info:
            log.info("x")
        assert info.value.errno == errno.ENOSPC
    finally:
        close_logger("full_disk_test")
