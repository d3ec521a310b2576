import os

from fasrgan.utils.logger import append_jsonl, read_jsonl, truncate_jsonl
from common.experiment import archive, latest_state


def test_existing_experiment_folder_is_archived(tmp_path):
    d = tmp_path / "exp"
    d.mkdir()
    (d / "keep.txt").write_text("old")
    archive(str(d))
    assert not d.exists()
    archived = [p for p in os.listdir(tmp_path) if p.startswith("exp_archived_")]
    assert len(archived) == 1 and (tmp_path / archived[0] / "keep.txt").read_text() == "old"


def test_latest_state_picks_the_largest_iteration(tmp_path):
    assert latest_state(str(tmp_path)) is None
    for n in ("8.state", "16.state", "latest.state", "9.state"):
        (tmp_path / n).write_bytes(b"")
    assert latest_state(str(tmp_path)).endswith("16.state")


def test_resume_drops_records_after_the_checkpoint(tmp_path):
    p = str(tmp_path / "loss_log.jsonl")
    for i in range(1, 6):
        append_jsonl(p, {"iter": i, "l_pix": 0.1 * i})
    truncate_jsonl(p, 3)
    assert [r["iter"] for r in read_jsonl(p)] == [1, 2, 3]
