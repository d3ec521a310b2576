"""The benchmark's pictures beyond the PSNR scatter plots: a crop grid and the RMSE-vs-NIQE trade-off.

``crop_grid``: one Set14 and one Urban100 image at x4, a row per image: the HR with the crop drawn on
it, the HR crop, Bicubic and every method, with the crop's PSNR on Y below it (a method without
weights gets a labelled empty panel). Only an LR window around the crop is upscaled (``MARGIN`` LR
pixels of context on each side), so even the slow networks take about a second per crop. Without the
real Urban100 under the data root, the bundled ``data/Urban100_crop`` (a region of the same image
holding the crop) stands in for it, with the same pixels in the LR window.

``rmse_niqe_plot``: x = RMSE on Y (lower = more faithful), y = NIQE (lower = more natural), as
GDSR's and FASRGAN's papers draw the perception-distortion trade-off; the perceptual methods are
stars, Bicubic and the PSNR-oriented methods are reference points.
"""
import os

from benchmarks.bicubic import BUNDLED_ROOT, find_set
from benchmarks.methods import METHODS, upscaler
from benchmarks.progress import bar
from common.curves import save_image_grid
from common.degradations import bi, modcrop
from common.io import imread, scan_images
from common.metrics import calculate_psnr

# (set, image, top, left of the crop in the full HR image); crops with texture and edges
PICKS = (("Set14", "barbara", 216, 200),     # tablecloth checks, table edge and leg, toy
         ("Urban100", "img_004", 248, 608))  # perforated plate, mirror frame, green bar
# Stand-ins shipped for sets that are not: (folder under BUNDLED_ROOT, top, left of it in the full image)
BUNDLED_CROPS = {("Urban100", "img_004"): ("Urban100_crop", 184, 512)}
MARGIN = 12   # LR pixels of context around the crop's LR window


def _short_reason(status):
    """'no weights: ...' -> 'no weights'; 'package not available (...)' -> 'package not available'."""
    return status.split(":")[0].split(" (")[0]


def _locate(root, set_name, image, top, left):
    """(path, top, left, row label) of a picked image, or None: the set under ``root``, else the
    bundled set, else the bundled stand-in crop (with the crop box moved into its coordinates)."""
    for folder in (find_set(root, set_name), find_set(BUNDLED_ROOT, set_name)):
        for path in scan_images(folder) if folder else []:
            if os.path.splitext(os.path.basename(path))[0] == image:
                return path, top, left, f"{set_name} {image}"
    if (set_name, image) in BUNDLED_CROPS:
        folder, top0, left0 = BUNDLED_CROPS[(set_name, image)]
        path = os.path.join(BUNDLED_ROOT, folder, "HR", image + ".png")
        return path, top - top0, left - left0, f"{set_name} {image}\n(bundled region)"
    return None


def _sr_crop(fn, lr, top, left, n, scale):
    """The SR of the LR window [top, top+n) x [left, left+n), upscaled with MARGIN pixels of context."""
    t0, l0 = max(top - MARGIN, 0), max(left - MARGIN, 0)
    window = lr[t0:top + n + MARGIN, l0:left + n + MARGIN]
    sr = fn(window, (window.shape[0] * scale, window.shape[1] * scale))
    y, x = (top - t0) * scale, (left - l0) * scale
    return sr[y:y + n * scale, x:x + n * scale]


def crop_grid(methods, root, out, scale=4, size=128, picks=PICKS):
    """Write ``crop_grid.png`` to ``out``: a row per picked image, a column per method; returns its path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    images = []    # (row label, HR, LR, HR crop, top, left); top, left and n in LR pixels
    n = size // scale
    for pick in picks:
        found = _locate(root, *pick)
        if found is None:
            print(f"crop grid: {pick[0]} {pick[1]} not found, row left out")
            continue
        path, top, left, label = found
        hr = modcrop(imread(path), scale)
        top = max(min(top, hr.shape[0] - n * scale), 0) // scale     # keep the box inside the image
        left = max(min(left, hr.shape[1] - n * scale), 0) // scale
        hr_crop = hr[top * scale:(top + n) * scale, left * scale:(left + n) * scale]
        images.append((label, hr, bi(hr, scale), hr_crop, top, left))
    if not images:
        raise ValueError("crop grid: none of the picked images was found")

    cols = 2 + len(methods)
    fig, axes = plt.subplots(len(images), cols, figsize=(2.1 * cols, 2.5 * len(images)), squeeze=False,
                             layout="constrained")
    for i, (label, hr, _, hr_crop, top, left) in enumerate(images):
        ax = axes[i, 0]
        ax.imshow(hr, cmap="gray" if hr.ndim == 2 else None)
        ax.add_patch(Rectangle((left * scale - 0.5, top * scale - 0.5), n * scale, n * scale,
                               fill=False, edgecolor="red", linewidth=1.5))
        ax.set_title("HR", fontsize=9)
        ax.set_ylabel(label, fontsize=9)
        axes[i, 1].imshow(hr_crop, cmap="gray" if hr.ndim == 2 else None)
        axes[i, 1].set_title("HR crop", fontsize=9)
    methods_bar = bar(methods, "crop grid", unit="method")
    for j, method in enumerate(methods_bar, start=2):
        methods_bar.set_postfix_str(method.label)
        fn, why = upscaler(method, scale)
        for i, (label, hr, lr, hr_crop, top, left) in enumerate(images):
            ax = axes[i, j]
            ax.set_title(method.label, fontsize=9)
            if fn is None:
                text = _short_reason(why)
            else:
                try:
                    crop, text = _sr_crop(fn, lr, top, left, n, scale), None
                except Exception as exc:    # a failing network still leaves its panel
                    text = "failed"
                    print(f"crop grid: {method.label} on {label}: {exc}")
            if text:                    # no package, no weights, or failed: a labelled empty panel
                ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9, color="gray", transform=ax.transAxes)
                continue
            ax.imshow(crop, cmap="gray" if crop.ndim == 2 else None)
            ax.set_xlabel(f"{calculate_psnr(crop, hr_crop, 0):.2f} dB", fontsize=9)
        del fn    # free the network before the next one is loaded
    return save_image_grid(fig, axes, f"x{scale}, {n * scale}x{n * scale} HR crops (red box); PSNR on Y of the crop "
                           "below each", os.path.join(out, "crop_grid.png"))


def rmse_niqe_plot(rows, out, methods=METHODS, set_name=None, scale=4):
    """Write ``rmse_vs_niqe.png`` from ``benchmarks.run.quality`` rows of one set (default: Set14 if it
    has scores, else the first set that has); returns its path. RMSE is the per-image mean of
    255 * 10^(-PSNR/20) on Y when the rows carry it, else that of the mean PSNR."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = [r for r in rows if r.get("status") == "ok" and r.get("niqe") is not None and r["scale"] == scale]
    if set_name is None:
        names = [r["set"] for r in scored]
        set_name = "Set14" if "Set14" in names else (names[0] if names else "-")
    points = {r["method"]: r for r in scored if r["set"] == set_name}
    status = {r["method"]: r.get("status", "") for r in rows if r["set"] == set_name and r["scale"] == scale}

    fig, ax = plt.subplots(figsize=(7, 4.5))
    missing = []
    for k, m in enumerate(methods):
        r = points.get(m.label)
        if r is None:
            if m.package is None or scale in m.scales:
                reason = _short_reason(status.get(m.label) or "not run")
                ax.scatter([], [], marker="x", color="lightgray", label=f"{m.label}: missing ({reason})")
                missing.append(m.label)
            continue
        rmse = r.get("rmse", 255 * 10 ** (-r["psnr"] / 20))
        style = (dict(marker="*", s=180, color=f"C{k}") if m.perceptual else
                 dict(marker="s", s=50, color="black") if m.package is None else
                 dict(marker="o", s=50, color=f"C{k}", alpha=0.7))
        kind = "perceptual" if m.perceptual else "reference"
        ax.scatter(rmse, r["niqe"], label=f"{m.label} ({kind})", **style)
        ax.annotate(m.label, (rmse, r["niqe"]), xytext=(5, 4), textcoords="offset points", fontsize=8)
    ax.margins(0.15)
    ax.set_xlabel("RMSE on Y (lower = more faithful)")
    ax.set_ylabel("NIQE (lower = more natural)")
    title = f"{set_name} x{scale}: perception-distortion trade-off (lower left is better)"
    if missing:
        title += f"\nmissing: {', '.join(missing)} (see legend)"
    if not points:
        title += "\nno method has RMSE and NIQE scores here"
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    path = os.path.join(out, "rmse_vs_niqe.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path
