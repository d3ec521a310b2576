"""Loss and validation curves as PNG (matplotlib, Agg backend), written atomically."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from common.io import atomic_write  # noqa: E402

__all__ = ["plot_curves"]


def plot_curves(path, curves, xlabel="iteration", ylabel="", title=""):
    """Plot ``{label: [(x, y), ...]}`` to ``path``; does nothing when every curve is empty."""
    if not any(curves.values()):
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, pts in curves.items():
        if pts:
            xs, ys = zip(*pts)
            ax.plot(xs, ys, label=label, marker="." if len(pts) < 50 else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    finally:
        plt.close(fig)
