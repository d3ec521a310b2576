"""scripts/gpu_*.sh in smoke mode (SMOKE=1: CPU, fp32, tiny settings): each runs through training,
export and evaluation as on a GPU, exits 0 and prints its SUMMARY line."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = ["jtf_sisr", "dgpnet", "fasrgan", "gdsr", "darsr"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SCRIPTS)
def test_gpu_script_smoke(name, tmp_path):
    env = dict(os.environ, SMOKE="1", OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="",
               PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    out = tmp_path / name
    r = subprocess.run(["bash", os.path.join(REPO, "scripts", f"gpu_{name}.sh"), str(out)], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert f"SUMMARY {name}:" in r.stdout, r.stdout[-3000:]
