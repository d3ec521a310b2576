"""Loss and metric curves as PNG (matplotlib, Agg backend), written atomically.

A plot is drawn to a temporary file whose name starts with '.' and renamed over the target
(``common.io.atomic_write``); a process killed mid-write leaves only such a hidden file, which
:func:`common.experiment.remove_stale_temp` deletes on the next start.
"""
import math

from common.io import atomic_write

__all__ = ["plot_curves", "plot_panels", "save_image_grid"]


def _pyplot():
    import matplotlib   # imported here: processes that never plot (DDP ranks > 0) skip its start-up cost

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _draw(ax, series, ylabel, xlabel, logy):
    for label, points in series.items():
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, label=label, marker="o" if len(xs) < 20 else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy and all(v > 0 for pts in series.values() for _, v in pts):
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=8)


def _save(fig, path, plt):
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    finally:
        plt.close(fig)


def plot_curves(path, series, title="", ylabel="", xlabel="iteration", logy=False):
    """``series``: {label: [(x, y), ...]} on one axes; nothing is written when every series is empty."""
    if not any(series.values()):
        return
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    _draw(ax, series, ylabel, xlabel, logy)
    ax.set_title(title)
    fig.tight_layout()
    _save(fig, path, plt)


def plot_panels(path, panels, title="", xlabel="iteration"):
    """``panels``: {panel title: {label: [(x, y), ...]}}, one subplot each (quantities of different scales)."""
    panels = {k: v for k, v in panels.items() if any(v.values())}
    if not panels:
        return
    plt = _pyplot()
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
    for ax, (name, series) in zip(axes.flat, panels.items()):
        _draw(ax, series, "", xlabel, False)
        ax.set_title(name, fontsize=9)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path, plt)


def save_image_grid(fig, axes, title, path):
    """Finish a grid of image panels (no ticks, ``title`` above) and write it to ``path`` atomically."""
    import matplotlib.pyplot as plt

    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=10)
    _save(fig, path, plt)
    return path
