"""Bad option values, unwritable outputs, failed runs beside a finished one, interrupts, wrong checkpoints."""
import errno
import glob
import os
import signal

import pytest
import torch

from gdsr import train as gdsr_train
from gdsr.archs import GDSRNet
from gdsr.models.pretrain_model import DualSRPretrainModel
from tests.gdsr.conftest import TINY_G, train_opt, write_opt


def _error(capsys, rc, code, *needles):
    err = capsys.readouterr().err.strip()
    assert rc == code, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


@pytest.mark.parametrize("section,key,value,needles", [
    ("datasets.train", "batch_size", "2", ["'datasets.train.batch_size' must be a positive integer", '"2"']),
    ("datasets.train", "batch_size", -2, ["'datasets.train.batch_size' must be a positive integer", "-2"]),
    ("datasets.train", "batch_size", True, ["'datasets.train.batch_size'"]),
    ("datasets.train", "batchsize", 2, ["unknown key 'batchsize' in datasets.train (did you mean 'batch_size'?)"]),
    ("train", "lr_G", "fast", ["'train.lr_G' must be a number > 0", '"fast"']),
    ("", "scale", 5, ["'scale' must be one of 2, 3, 4, 8"]),
])
def test_option_values_exit_2_naming_the_key(data, capsys, section, key, value, needles):
    opt = train_opt(data, "x", "DualSR_pretrain")
    node = opt
    for part in filter(None, section.split(".")):
        node = node[part]
    node[key] = value
    path = write_opt(data / "o.json", opt)
    _error(capsys, gdsr_train.main(["-opt", path]), 2, "o.json", *needles)
    assert not (data / "experiments").exists()


def test_read_only_output_folder_is_one_line(data, capsys, monkeypatch):
    makedirs = os.makedirs

    def read_only(path, *a, **k):
        if "experiments" in str(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return makedirs(path, *a, **k)

    monkeypatch.setattr(os, "makedirs", read_only)
    opt = write_opt(data / "o.json", train_opt(data, "x", "DualSR_pretrain", niter=1))
    _error(capsys, gdsr_train.main(["-opt", opt]), 1, "experiments", "read-only file system")


def test_failed_run_keeps_the_finished_one_and_auto_resume_of_an_empty_run_is_an_error(data, capsys):
    opt = train_opt(data, "r", "DualSR_pretrain", niter=2)
    assert gdsr_train.main(["-opt", write_opt(data / "o.json", opt)]) == 0
    exp = data / "experiments" / "r"
    before = sorted(os.listdir(exp / "models"))
    opt["datasets"]["train"]["dataroot_HR"] = "hr_typo"                     # a typo in the dataset path
    _error(capsys, gdsr_train.main(["-opt", write_opt(data / "bad.json", opt)]), 1, "hr_typo")
    opt = train_opt(data, "r", "DualSR_pretrain", niter=2, path={"pretrain_model_G": "nothing_G.pth"})
    _error(capsys, gdsr_train.main(["-opt", write_opt(data / "bad.json", opt)]), 1, "nothing_G.pth")   # bad pretrain
    (data / "hr" / "im0.png").write_bytes(b"\x89PNG\r\n\x1a\n corrupt")       # a corrupt first image
    opt = train_opt(data, "r", "DualSR_pretrain", niter=2)
    _error(capsys, gdsr_train.main(["-opt", write_opt(data / "bad.json", opt)]), 1, "im0.png")
    assert sorted(os.listdir(exp / "models")) == before
    assert not glob.glob(str(exp) + "_archived_*")

    (data / "experiments" / "empty" / "training_states").mkdir(parents=True)
    opt = train_opt(data, "empty", "DualSR_pretrain", niter=2)
    _error(capsys, gdsr_train.main(["-opt", write_opt(data / "e.json", opt), "--auto_resume"]), 2,
           "--auto_resume", "empty", "no training state")


def _params(path):
    return torch.load(path, weights_only=True)


def test_interrupt_saves_a_resumable_state(data, capsys, monkeypatch):
    step = DualSRPretrainModel.optimize_parameters

    def interrupted_at_2(self, it):
        step(self, it)
        if it == 2:
            os.kill(os.getpid(), signal.SIGINT)      # Ctrl-C during iteration 2

    opt = train_opt(data, "i", "DualSR_pretrain", niter=3, train={"val_freq": 100},
                    logger={"print_freq": 1, "save_checkpoint_freq": 100})
    path = write_opt(data / "i.json", opt)
    monkeypatch.setattr(DualSRPretrainModel, "optimize_parameters", interrupted_at_2)
    err = _error(capsys, gdsr_train.main(["-opt", path]), 130, "interrupted", "--auto_resume", "i.json")
    assert "resume with: python gdsr/train.py -opt" in err
    exp = data / "experiments" / "i"
    assert (exp / "training_states" / "2.state").is_file() and (exp / "models" / "2_G.pth").is_file()
    monkeypatch.setattr(DualSRPretrainModel, "optimize_parameters", step)
    assert gdsr_train.main(["-opt", path, "--auto_resume"]) == 0
    straight = write_opt(data / "s.json", dict(opt, name="s"))
    assert gdsr_train.main(["-opt", straight]) == 0
    a, b = _params(exp / "models" / "3_G.pth"), _params(data / "experiments" / "s" / "models" / "3_G.pth")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_wrong_architecture_checkpoint_names_file_and_keys(data, capsys):
    torch.save(GDSRNet(**dict(TINY_G, nb_m=2)).state_dict(), data / "other_G.pth")
    opt = train_opt(data, "w", "DualSR_pretrain", path={"pretrain_model_G": "other_G.pth"})
    err = _error(capsys, gdsr_train.main(["-opt", write_opt(data / "w.json", opt)]), 1, "other_G.pth",
                 "unexpected keys")
    assert "m_body." in err or "." in err.split("unexpected keys")[1]
    assert not (data / "experiments" / "w").exists()


def test_sigint_to_a_training_process(data):
    """Ctrl-C from outside: one line with the resume command, exit 130, the state of the last iteration."""
    import subprocess
    import sys
    import time

    from common.experiment import latest_state
    from tests.gdsr.conftest import REPO

    opt = write_opt(data / "o.json", train_opt(data, "sig", "DualSR_pretrain", niter=10000, train={"val_freq": 10000},
                                                logger={"print_freq": 1, "save_checkpoint_freq": 2}))
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=REPO)
    p = subprocess.Popen([sys.executable, os.path.join(REPO, "gdsr", "train.py"), "-opt", opt], cwd=str(data), env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    states = str(data / "experiments" / "sig" / "training_states")
    t0 = time.time()
    while p.poll() is None and not latest_state(states) and time.time() - t0 < 120:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert err.strip().splitlines() == [f"gdsr/train.py: interrupted; resume with: python gdsr/train.py -opt {opt} "
                                        "--auto_resume"]
    it = int(os.path.basename(latest_state(states)).split(".")[0])
    assert (data / "experiments" / "sig" / "models" / f"{it}_G.pth").is_file()
    log = "".join(open(f).read() for f in glob.glob(str(data / "experiments" / "sig" / "log" / "train_*.log")))
    assert f"iter:{it:8,d}," in log and f"iter:{it + 1:8,d}," not in log     # stopped after the saved iteration
