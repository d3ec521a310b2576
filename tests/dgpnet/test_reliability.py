"""Bad option values, unwritable outputs, failed runs beside a finished one, interrupts, wrong checkpoints."""
import errno
import glob
import os
import signal

import pytest

from common.io import load_checkpoint
from dgpnet.models import DGPNetModel
from dgpnet.train import cli as train_cli
from tests.dgpnet.conftest import TINY_NET, train_options, write_json


def _error(capsys, rc, code, *needles):
    err = capsys.readouterr().err.strip()
    assert rc == code, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


def _set(opt, dotted, value):
    node, keys = opt, dotted.split(".")
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value
    return opt


@pytest.mark.parametrize("key,value,needles", [
    ("datasets.train.batch_size_per_gpu", "2", ["'datasets.train.batch_size_per_gpu' must be a positive integer"]),
    ("datasets.train.batch_size_per_gpu", -2, ["'datasets.train.batch_size_per_gpu' must be a positive integer"]),
    ("datasets.train.batchsize", 2, ["unknown key 'batchsize' in datasets.train"]),
    ("train.optim_g.lr", "fast", ["'train.optim_g.lr' must be a number > 0", '"fast"']),
    ("train.total_iter", "4", ["'train.total_iter' must be a positive integer"]),
    ("network_g.num_feat", "8", ["'network_g.num_feat' must be a positive integer"]),
])
def test_option_values_exit_2_naming_the_key(pairs, capsys, key, value, needles):
    opt = _set(train_options(str(pairs)), key, value)
    _error(capsys, train_cli(["-opt", write_json(pairs / "o.json", opt)]), 2, "o.json", *needles)
    assert not (pairs / "experiments").exists()


def test_read_only_output_folder_is_one_line(pairs, capsys, monkeypatch):
    makedirs = os.makedirs

    def read_only(path, *a, **k):
        if "experiments" in str(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return makedirs(path, *a, **k)

    monkeypatch.setattr(os, "makedirs", read_only)
    opt = write_json(pairs / "o.json", train_options(str(pairs)))
    _error(capsys, train_cli(["-opt", opt]), 1, "experiments", "read-only file system")


def test_full_disk_is_one_line(pairs, capsys, monkeypatch):
    import torch

    def full(obj, f, *a, **k):
        raise RuntimeError("[enforce fail at inline_container.cc:603] . PytorchStreamWriter failed writing file "
                           "data/0: file write failed")

    monkeypatch.setattr(torch, "save", full)
    opt = write_json(pairs / "o.json", train_options(str(pairs), total_iter=2))
    err = _error(capsys, train_cli(["-opt", opt]), 1, "full disk")
    assert "enforce fail" not in err


def test_failed_run_keeps_the_finished_one_and_auto_resume_of_an_empty_run_is_an_error(pairs, capsys):
    root = str(pairs)
    assert train_cli(["-opt", write_json(pairs / "o.json", train_options(root, name="r", total_iter=2))]) == 0
    exp = pairs / "experiments" / "r"
    before = sorted(os.listdir(exp / "models"))
    bad = _set(train_options(root, name="r"), "datasets.train.dataroot_gt", os.path.join(root, "hr_typo"))
    _error(capsys, train_cli(["-opt", write_json(pairs / "b.json", bad)]), 1, "hr_typo")
    bad = _set(train_options(root, name="r"), "path.pretrain_network_g", os.path.join(root, "no_g.pth"))
    _error(capsys, train_cli(["-opt", write_json(pairs / "b.json", bad)]), 1, "no_g.pth")
    (pairs / "lr" / "im0x2.png").write_bytes(b"\x89PNG\r\n\x1a\n corrupt")
    _error(capsys, train_cli(["-opt", write_json(pairs / "b.json", train_options(root, name="r"))]), 1, "im0x2.png")
    assert sorted(os.listdir(exp / "models")) == before and not glob.glob(str(exp) + "_archived_*")
    (pairs / "experiments" / "empty" / "models").mkdir(parents=True)
    opt = write_json(pairs / "e.json", train_options(root, name="empty"))
    _error(capsys, train_cli(["-opt", opt, "--auto_resume"]), 2, "--auto_resume", "no training state")


def test_interrupt_saves_a_resumable_state(pairs, capsys, monkeypatch):
    step = DGPNetModel.optimize

    def interrupted_at_3(self, batch, it):
        out = step(self, batch, it)
        if it == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return out

    root = str(pairs)
    opt = write_json(pairs / "i.json", train_options(root, name="i", total_iter=4))
    monkeypatch.setattr(DGPNetModel, "optimize", interrupted_at_3)
    _error(capsys, train_cli(["-opt", opt]), 130, "interrupted", "--auto_resume")
    exp = pairs / "experiments" / "i"
    assert (exp / "training_states" / "3.state").is_file()
    monkeypatch.setattr(DGPNetModel, "optimize", step)
    assert train_cli(["-opt", opt, "--auto_resume"]) == 0
    assert train_cli(["-opt", write_json(pairs / "s.json", train_options(root, name="s", total_iter=4))]) == 0
    a = load_checkpoint(exp / "models" / "net_g_4.pth", key="params")
    b = load_checkpoint(pairs / "experiments" / "s" / "models" / "net_g_4.pth", key="params")
    assert all((a[k] == b[k]).all() for k in a)


def test_wrong_architecture_checkpoint_names_file_and_keys(pairs, capsys):
    import torch

    from dgpnet.models import build_network

    root = str(pairs)
    torch.save({"params": build_network(dict(TINY_NET, num_block=2, upscale=2)).state_dict()}, pairs / "other_g.pth")
    opt = train_options(root, name="b")
    opt["path"]["pretrain_network_g"] = str(pairs / "other_g.pth")
    _error(capsys, train_cli(["-opt", write_json(pairs / "b.json", opt)]), 1, "other_g.pth", "unexpected keys body.1")
    # a resume whose network file no longer fits the options
    assert train_cli(["-opt", write_json(pairs / "a.json", train_options(root, name="c", total_iter=2))]) == 0
    opt = train_options(root, name="c", total_iter=3)
    opt["network_g"]["num_block"] = 2
    _error(capsys, train_cli(["-opt", write_json(pairs / "c.json", opt), "--auto_resume"]), 1, "net_g_2.pth",
           "missing keys body.1")
