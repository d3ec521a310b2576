"""Loss and validation curves as PNG (matplotlib Agg; no display needed)."""
from common.io import atomic_write


def plot_curves(path, series, title, ylabel, logy=False):
    """``series``: {label: [(iter, value), ...]}; written atomically to ``path``."""
    import matplotlib   # imported here: processes that never plot (DDP ranks > 0) skip its start-up cost

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, points in series.items():
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, label=label, marker="o" if len(xs) < 20 else None)
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if logy and all(v > 0 for pts in series.values() for _, v in pts):
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if series:
        ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
