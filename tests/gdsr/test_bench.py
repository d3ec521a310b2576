"""benchmarks/bench_gdsr.py (slow: one full-size GDSR forward on a 32x32 LR takes seconds on CPU)."""
import pytest


@pytest.mark.slow
def test_bench_rows(tmp_path, monkeypatch):
    from benchmarks.bench_gdsr import format_table, rows
    from gdsr import api

    monkeypatch.setattr(api, "WEIGHTS_DIR", str(tmp_path))   # no bundled file: the row says so
    monkeypatch.delenv("GDSR_WEIGHTS", raising=False)
    (row,) = rows(repeats=1)
    assert row["params"] == 27_142_601
    assert row["flops_256"] % 64 == 0 and 3.9e12 < row["flops_256"] < 4.2e12
    assert row["latency_s"] > 0 and row["weights"] == "no trained weights" and row["psnr"] is None
    assert "no trained weights" in format_table([row])
