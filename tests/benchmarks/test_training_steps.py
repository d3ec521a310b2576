"""The training-step builders, the training bench and the GPU check, at tiny sizes on a CPU."""
import os
import subprocess

import pytest
import torch

from benchmarks import bench_training, gpu_check
from benchmarks.training_steps import METHODS, build
from common.precision import cpu_capability

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# (batch, LR patch): the smallest each method's networks take (discriminator heads, DARSR's 16 x scale crop)
TINY = {"JTF-SISR": (2, 8), "GDSR": (2, 8), "DARSR": (2, 32), "FASRGAN": (2, 8), "Fs-SRGAN": (2, 16),
        "DGPNet": (2, 8)}


def _trainable(net):
    return [p for p in net.parameters() if p.requires_grad]


@pytest.mark.parametrize("method", METHODS)
def test_step_trains_every_network_and_counts_flops(method):
    step, flops = build(method, *TINY[method], device="cpu", precision="fp32")
    assert flops > 0
    trained = {name: net for name, net in step.networks.items() if _trainable(net)}
    assert trained
    before = {name: [p.detach().clone() for p in _trainable(net)] for name, net in trained.items()}
    step()
    for name, net in trained.items():
        assert any(not torch.equal(a, p) for a, p in zip(before[name], _trainable(net))), f"{method}: {name} unchanged"
    step()
    assert all(torch.isfinite(p).all() for net in trained.values() for p in _trainable(net))


def test_unknown_method_and_compile_elsewhere_are_refused():
    with pytest.raises(ValueError, match="unknown method"):
        build("SRCNN", 2, 8)
    with pytest.raises(ValueError, match="JTF-SISR only"):
        build("GDSR", 2, 8, compile=True)


def test_bench_training_prints_header_and_rows(tmp_path, capsys):
    assert bench_training.main(["--repeats", "1", "--methods", "JTF-SISR", "--batch", "2", "--lr_patch", "8",
                                "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert f"torch {torch.__version__}" in header and cpu_capability() in header and "fp32 matmul" in header
    rows = [line for line in out.splitlines() if line.startswith("| JTF-SISR | batch 2, LR 8 (HR 32) |")]
    assert [r.split(" | ")[2] for r in rows][:2] == ["fp32", "channels_last"]
    assert (tmp_path / "training.md").is_file() and (tmp_path / "training.json").is_file()


def test_bench_training_says_when_bf16_is_not_native(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SR_NATIVE_BF16", "0")
    assert bench_training.main(["--repeats", "1", "--methods", "DGPNet", "--batch", "2", "--lr_patch", "8",
                                "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| DGPNet | batch 2, LR 8 (HR 32) | bf16 | bf16: not native on this CPU |" in out
    assert "| channels_last |" in out and "| bf16 + channels_last |" not in out


def test_gpu_check_smoke_on_cpu(capsys):
    assert gpu_check.main(["--device", "cpu", "--iters", "1", "--precisions", "fp32", "--methods", "JTF-SISR"]) == 0
    out = capsys.readouterr().out
    assert "| train | JTF-SISR | fp32 |" in out and "| infer | jtf_sisr.jtf_sisr x4 | fp32 |" in out
    assert "0 failed" in out


def test_gpu_check_refuses_cuda_without_a_device(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    p = subprocess.run(["sh", os.path.join(REPO, "scripts", "gpu_check.sh"), "--device", "cuda"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert p.returncode != 0
    assert p.stdout == "" and len(p.stderr.strip().splitlines()) == 1 and "no CUDA device" in p.stderr
