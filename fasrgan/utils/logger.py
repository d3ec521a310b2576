"""Text log (file + console), JSON-lines loss/validation logs, and their PNG plots."""
import json
import os

from common import run_logger
from common.curves import plot_panels
from common.io import atomic_write


def get_logger(log_file=None, rank=0, name="fasrgan"):
    """Console (rank 0) and file logger (common.run_logger); re-calling replaces the handlers."""
    return run_logger.get_logger(name, log_file, rank)


def close_logger(name="fasrgan"):
    run_logger.close_logger(name)


def append_jsonl(path, record):
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def read_jsonl(path):
    """The records of a JSON-lines file; a last line cut short by a killed process is skipped."""
    if not os.path.isfile(path):
        return []
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def truncate_jsonl(path, last_iter):
    """Drop records after ``last_iter`` (a run resumed from an earlier checkpoint re-logs them)."""
    records = read_jsonl(path)
    keep = [r for r in records if r.get("iter", 0) <= last_iter]
    if os.path.isfile(path) and (len(keep) != len(records) or not _ends_with_newline(path)):
        text = "".join(json.dumps(r) + "\n" for r in keep)
        atomic_write(path, lambda tmp: _write(tmp, text))


def _ends_with_newline(path):
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return True
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def _write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def plot_log(jsonl_path, png_path, title):
    """One panel per logged quantity against the iteration."""
    records = read_jsonl(jsonl_path)
    keys = sorted({k for r in records for k, v in r.items()
                   if k not in ("iter", "epoch", "dataset") and isinstance(v, (int, float))})
    plot_panels(png_path, {k: {k: [(r["iter"], r[k]) for r in records if k in r]} for k in keys}, title)
