"""common.experiment, common.rng_state, common.curves, common.interrupt, common.state_match."""
import os
import random
import signal

import numpy as np
import pytest
import torch

from common.cli import DataError, UsageError
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
    with pytest.raises(DataError, match=r"s\.state: writing the checkpoint failed \(full disk\?\)"):
        write_checkpoint({}, str(tmp_path / "s.state"))
    assert os.listdir(tmp_path) == []


def test_curves_are_written_atomically(tmp_path):
    plot_curves(str(tmp_path / "a.png"), {"l1": [(1, 0.5), (2, 0.25)]}, "t", "loss", logy=True)
    plot_panels(str(tmp_path / "b.png"), {"psnr": {"psnr": [(1, 20.0)]}, "empty": {"x": []}}, "t")
    plot_curves(str(tmp_path / "c.png"), {"l1": []})
    assert sorted(os.listdir(tmp_path)) == ["a.png", "b.png"]


def test_stop_request_defers_the_first_signal():
    with StopRequest() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.should_stop()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


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
