"""make bench's driver: stages in one process, their output kept, failures named, a summary at the end."""
import os

import torch

from benchmarks import all as bench_all

BICUBIC = ("bicubic baseline", "benchmarks.bicubic", ["--sets", "Set5", "--scales", "4"], 1)


def test_quick_runs_its_stages_and_names_what_it_wrote(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench_all, "QUICK", (BICUBIC,))
    assert bench_all.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    saved = tmp_path / "quick" / "bicubic_baseline.txt"
    text = saved.read_text()
    assert "Set5" in text and "28.4" in text          # bicubic Set5 x4 PSNR (published 28.42)
    assert "== bicubic baseline" in out and "28.4" in out
    assert "tables:   bicubic_baseline.txt" in out and "pictures: none" in out


def test_a_failing_stage_is_named_and_the_others_still_run(tmp_path, monkeypatch, capsys):
    bad = ("broken stage", "benchmarks.bicubic", ["--sets", "Set5", "--scales", "4", "--root", str(tmp_path / "no")], 1)
    monkeypatch.setattr(bench_all, "FULL", (bad, BICUBIC))
    assert bench_all.main(["--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "failed stages: broken stage (exit 2)" in captured.err
    assert (tmp_path / "bicubic_baseline.txt").is_file()


def test_a_stage_that_changes_the_thread_count_does_not_leak_it(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(bench_all.importlib, "import_module",
                        lambda name: type("M", (), {"main": staticmethod(lambda argv: torch.set_num_threads(before + 1))}))
    assert bench_all.run_stage("anything", []) == 0
    assert torch.get_num_threads() == before


def test_written_since_lists_new_visible_files_only(tmp_path):
    (tmp_path / "old.md").write_text("x")
    os.utime(tmp_path / "old.md", (0, 0))
    (tmp_path / "new.png").write_text("x")
    (tmp_path / ".tmp.png").write_text("x")
    assert bench_all.written_since(str(tmp_path), 1.0) == [str(tmp_path / "new.png")]
