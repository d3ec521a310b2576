"""Progress bars of the benchmark: one over the stages of a run, one per method inside a stage.

Tables printed while a bar is shown go through ``tqdm.write`` (``print_above_bars``), so the bars
stay at the bottom of the terminal and the tables above them.
"""
import contextlib
import sys

from tqdm import tqdm

__all__ = ["bar", "print_above_bars"]


def bar(iterable, desc, total=None, unit="step"):
    """An inner progress bar (removed when done) over ``iterable``."""
    return tqdm(iterable, desc=desc, total=total, unit=unit, leave=False, dynamic_ncols=True, file=sys.stderr)


class _AboveBars:
    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if text:
            tqdm.write(text, file=self.stream, end="")

    def flush(self):
        self.stream.flush()

    def isatty(self):
        return self.stream.isatty()


@contextlib.contextmanager
def print_above_bars():
    """Send ``print`` output above the progress bars while the block runs."""
    with contextlib.redirect_stdout(_AboveBars(sys.stdout)):
        yield
