"""Experiment folders in BasicSR's layout: ``experiments/<name>/{models, training_states, log, visualization}``.

* A new run with the name of an existing folder renames that folder ``<name>_archived_<timestamp>``
  (never overwritten); call :func:`prepare` only after the run's inputs were checked, so a run that
  fails on a bad dataset path or checkpoint leaves the earlier experiment where it was.
* :func:`resume_path` picks the state to resume from: ``path.resume_state``, or with ``--auto_resume``
  the newest ``training_states/<iter>.state``. ``--auto_resume`` with no folder of that name starts
  afresh (BasicSR); a folder that exists but holds no training state is an error, never a silent
  restart from iteration 0.
* Hidden temporary files (``.<name>.tmp*``) that a killed process left are removed on the next start.
* :func:`write_checkpoint` turns torch's failure on a full disk into one line naming the file.
"""
import os
import re
import time

from common.cli import UsageError
from common.io import save_checkpoint

__all__ = ["SUBDIRS", "timestamp", "archive", "fresh_folder", "latest_state", "resume_path", "prepare", "remove_stale_temp",
           "write_checkpoint"]

SUBDIRS = ("models", "training_states", "log", "visualization")


def timestamp():
    return time.strftime("%Y%m%d_%H%M%S", time.localtime())


def archive(path):
    """Rename ``path`` to ``<path>_archived_<timestamp>`` (a free name); returns the new path."""
    new = f"{path}_archived_{timestamp()}"
    n = 1
    while os.path.exists(new):
        new = f"{path}_archived_{timestamp()}_{n}"
        n += 1
    os.rename(path, new)
    return new


def fresh_folder(path):
    """Create ``path`` empty, archiving what was there (see ``archive``); returns the archive's path or None."""
    archived = archive(path) if os.path.exists(path) else None
    os.makedirs(path)
    return archived


def latest_state(folder):
    """Path of the ``<iter>.state`` with the largest iteration in ``folder``, or None."""
    if not os.path.isdir(folder):
        return None
    iters = [int(m.group(1)) for f in os.listdir(folder) if (m := re.fullmatch(r"(\d+)\.state", f))]
    return os.path.join(folder, f"{max(iters)}.state") if iters else None


def resume_path(root, resume_state=None, auto_resume=False, key="path.resume_state"):
    """The training state to resume from, or None for a fresh run (see the module docstring)."""
    if resume_state:
        if not os.path.isfile(resume_state):
            raise UsageError(f"{key}: {resume_state}: no such training state")
        return resume_state
    if not auto_resume or not os.path.exists(root):
        return None
    found = latest_state(os.path.join(root, "training_states"))
    if found is None:
        raise UsageError(f"--auto_resume: {root} holds no training state to resume from; rename or remove it "
                         f"to start afresh (earlier runs of this name are kept as {os.path.basename(root)}_archived_*)")
    return found


def remove_stale_temp(root):
    """Delete the hidden temporary files (``.*.tmp*``) under ``root`` that an interrupted write left."""
    for folder, _, files in os.walk(root):
        for f in files:
            if f.startswith(".") and ".tmp" in f:
                os.remove(os.path.join(folder, f))


def prepare(root, resume, subdirs=SUBDIRS):
    """Create the experiment folders; a fresh run first archives an existing ``root``.
    Returns the archived folder's path, or None."""
    archived = archive(root) if not resume and os.path.exists(root) else None
    for sub in subdirs:
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    remove_stale_temp(root)
    return archived


# atomic; torch's writer failing (a full disk) is an OSError naming the file
write_checkpoint = save_checkpoint

