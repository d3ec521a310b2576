"""The benchmark harness on one tiny image per method, so that it cannot rot unnoticed."""
import numpy as np

from benchmarks.run import METHODS, plots, quality, quality_table, speed, speed_table
from common.imresize import imresize
from common.io import imwrite


def test_harness_gives_a_row_for_every_method(tmp_path):
    base = np.random.default_rng(0).integers(0, 256, (12, 12, 3), dtype=np.uint8)
    imwrite(tmp_path / "Tiny" / "HR" / "a.png", imresize(base, output_shape=(48, 48)))
    q = quality(METHODS, str(tmp_path), ["Tiny", "Absent"], [4], max_images=1)
    assert {r["method"] for r in q} == {m.label for m in METHODS}
    bicubic = [r for r in q if r["method"] == "Bicubic" and r["set"] == "Tiny"][0]
    assert bicubic["status"] == "ok" and 10 < bicubic["psnr"] < 60
    assert all(r["status"] != "ok" for r in q if r["set"] == "Absent")
    s = speed(METHODS, 4, 16, {"matmul_gflops": 10.0}, repeats=1)
    assert {r["method"] for r in s} == {m.label for m in METHODS if m.package}
    for r in s:
        if r["status"] == "ok":
            assert r["params"] > 0 and r["flops"] > 0 and r["latency_s"] > 0
    assert "| Bicubic | Tiny | x4 |" in quality_table(q) and "| method | scale | params" in speed_table(s)
    for path in plots(q, s, str(tmp_path)):
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_inference_mode_settings_are_timed_and_exact():
    import torch

    from benchmarks.bench_inference_modes import time_settings

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 3, 3, padding=1))
    from common.precision import native_bf16

    r = time_settings(model.eval(), lambda m, x: m(x), torch.rand(1, 3, 20, 20), repeats=1)
    assert set(r) == {"no_grad", "inference_mode", "channels_last"} | ({"bf16"} if native_bf16() else set())
    bf16 = r.pop("bf16", None)
    for seconds, diff in r.values():
        assert seconds > 0 and diff < 1e-5
    if bf16:                           # not exact: within 2% of the output range, but not equal
        assert bf16[0] > 0 and 0 < bf16[1] < 0.02
