"""Bad option values, unwritable outputs, failed runs beside a finished one, interrupts, wrong checkpoints."""
import errno
import glob
import json
import os
import signal

import pytest
import torch

from fasrgan import test as test_script
from fasrgan import train as train_script
from fasrgan.models.sr_model import SRModel

from .helpers import make_images, make_test_options, train_options


@pytest.fixture
def data(tmp_path):
    hr, lr = make_images(str(tmp_path / "d"), n=4, size=32, lr_scale=4)
    return str(tmp_path), hr, lr


def _opt(data, name="x", niter=2, save=2, **edit):
    tmp, hr, lr = data
    path = train_options("RRDB_PSNR", tmp, hr, lr, hr, None, niter=niter, save=save, name=name)
    with open(path) as f:
        opt = json.load(f)
    for dotted, value in edit.items():
        node, keys = opt, dotted.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    with open(path, "w") as f:
        json.dump(opt, f)
    return path


def _error(capsys, rc, code, *needles):
    err = capsys.readouterr().err.strip()
    assert rc == code, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


@pytest.mark.parametrize("key,value,needles", [
    ("datasets__train__batch_size", "2", ["'datasets.train.batch_size' must be a positive integer", '"2"']),
    ("datasets__train__batch_size", -2, ["'datasets.train.batch_size' must be a positive integer", "-2"]),
    ("datasets__train__batchsize", 2, ["unknown key 'batchsize' in datasets.train (did you mean 'batch_size'?)"]),
    ("train__lr_G", "fast", ["'train.lr_G' must be a number > 0", '"fast"']),
    ("train__niter", 2.5, ["'train.niter' must be a positive integer", "2.5"]),
])
def test_option_values_exit_2_naming_the_key(data, capsys, key, value, needles):
    path = _opt(data, **{key: value})
    _error(capsys, train_script.main(["-opt", path]), 2, os.path.basename(path), *needles)
    assert not os.path.exists(os.path.join(data[0], "experiments"))


def test_read_only_output_folder_is_one_line(data, capsys, monkeypatch):
    makedirs = os.makedirs

    def read_only(path, *a, **k):
        if "experiments" in str(path) or "results" in str(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return makedirs(path, *a, **k)

    monkeypatch.setattr(os, "makedirs", read_only)
    _error(capsys, train_script.main(["-opt", _opt(data)]), 1, "experiments", "read-only file system")
    monkeypatch.setattr(os, "makedirs", makedirs)
    assert train_script.main(["-opt", _opt(data, "ok")]) == 0
    monkeypatch.setattr(os, "makedirs", read_only)
    topt = make_test_options("RRDB_PSNR", data[0], os.path.join(data[0], "experiments", "ok"), data[1])
    _error(capsys, test_script.main(["-opt", topt]), 1, "results", "read-only file system")


def test_failed_run_keeps_the_finished_one_and_auto_resume_of_an_empty_run_is_an_error(data, capsys):
    tmp, hr, _ = data
    assert train_script.main(["-opt", _opt(data, "r")]) == 0
    exp = os.path.join(tmp, "experiments", "r")
    before = sorted(os.listdir(os.path.join(exp, "models")))
    _error(capsys, train_script.main(["-opt", _opt(data, "r", datasets__train__dataroot_HR=hr + "_typo")]), 1,
           "_typo")
    _error(capsys, train_script.main(["-opt", _opt(data, "r", path__pretrain_model_G="no_G.pth")]), 1, "no_G.pth")
    assert sorted(os.listdir(os.path.join(exp, "models"))) == before
    assert not glob.glob(exp + "_archived_*")
    os.makedirs(os.path.join(tmp, "experiments", "empty", "models"))
    _error(capsys, train_script.main(["-opt", _opt(data, "empty"), "--auto_resume"]), 2, "--auto_resume",
           "no training state")


def test_interrupt_saves_a_resumable_state(data, capsys, monkeypatch):
    step = SRModel.optimize_parameters

    def interrupted_at_3(self, it):
        out = step(self, it)
        if it == 3:
            os.kill(os.getpid(), signal.SIGINT)       # Ctrl-C during iteration 3 (mid-epoch: 2 per epoch)
        return out

    path = _opt(data, "i", niter=4, save=100)
    monkeypatch.setattr(SRModel, "optimize_parameters", interrupted_at_3)
    _error(capsys, train_script.main(["-opt", path]), 130, "interrupted", "--auto_resume")
    exp = os.path.join(data[0], "experiments", "i")
    assert os.path.isfile(os.path.join(exp, "training_states", "3.state"))
    monkeypatch.setattr(SRModel, "optimize_parameters", step)
    assert train_script.main(["-opt", path, "--auto_resume"]) == 0
    assert train_script.main(["-opt", _opt(data, "s", niter=4, save=100)]) == 0
    a = torch.load(os.path.join(exp, "models", "net_G_4.pth"), weights_only=True)["params"]
    b = torch.load(os.path.join(data[0], "experiments", "s", "models", "net_G_4.pth"), weights_only=True)["params"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_wrong_architecture_checkpoint_names_file_and_keys(data, capsys):
    tmp = data[0]
    assert train_script.main(["-opt", _opt(data, "a", niter=1, save=1)]) == 0
    g = os.path.join(tmp, "experiments", "a", "models", "net_G_1.pth")
    path = _opt(data, "b", network_G__nb=2, path__pretrain_model_G=g)
    _error(capsys, train_script.main(["-opt", path]), 1, "net_G_1.pth", "missing keys model.1.sub.1.RDB1")
    # a resume whose networks no longer fit the options
    os.rename(os.path.join(tmp, "experiments", "a"), os.path.join(tmp, "experiments", "b"))
    path = _opt(data, "b", niter=2, network_G__nb=2)
    _error(capsys, train_script.main(["-opt", path, "--auto_resume"]), 1, "net_G_1.pth", "missing keys")
