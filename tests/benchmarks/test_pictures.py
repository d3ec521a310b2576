"""The benchmark's crop grid and RMSE-vs-NIQE plot from tiny synthetic data, missing methods included."""
import numpy as np

from benchmarks.pictures import crop_grid, rmse_niqe_plot
from benchmarks.methods import METHODS, Method
from benchmarks.run import quality
from common.imresize import imresize
from common.io import imread, imwrite

PNG = b"\x89PNG\r\n\x1a\n"


def _image(seed, h, w):
    base = np.random.default_rng(seed).integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8)
    return imresize(base, output_shape=(h, w))


def _check_png(path, min_w, min_h):
    assert open(path, "rb").read(8) == PNG
    img = imread(path)
    assert img.shape[1] >= min_w and img.shape[0] >= min_h and img.std() > 0


def test_crop_grid_has_a_panel_for_every_method(tmp_path, capsys):
    imwrite(tmp_path / "Tiny" / "HR" / "a.png", _image(0, 96, 120))
    imwrite(tmp_path / "Tiny" / "HR" / "b.png", _image(1, 64, 64))
    absent = Method("Absent", "no_such_package", "x", (4,))
    picks = (("Tiny", "a", 20, 40), ("Tiny", "b", 100, 100), ("Tiny", "gone", 0, 0))   # b: box clamped
    path = crop_grid(METHODS + (absent,), str(tmp_path), str(tmp_path), size=32, picks=picks)
    assert path.endswith("crop_grid.png")
    _check_png(path, 1500, 400)    # 2 rows of 10 panels: HR, HR crop and 8 methods
    assert "Tiny gone not found" in capsys.readouterr().out


def test_rmse_niqe_plot_from_quality_rows(tmp_path):
    imwrite(tmp_path / "Tiny" / "HR" / "a.png", _image(2, 192, 200))
    rows = quality(METHODS[:1], str(tmp_path), ["Tiny"], [4])
    bicubic = rows[0]
    assert bicubic["niqe"] > 0 and np.isclose(bicubic["rmse"], 255 * 10 ** (-bicubic["psnr"] / 20))
    rows += [{"method": "GDSR", "set": "Tiny", "scale": 4, "status": "ok", "psnr": 20.0, "niqe": 3.0},
             {"method": "FASRGAN", "set": "Tiny", "scale": 4, "status": "no weights: none bundled"}]
    path = rmse_niqe_plot(rows, str(tmp_path))
    assert path.endswith("rmse_vs_niqe.png")
    _check_png(path, 500, 300)
    (tmp_path / "empty").mkdir()
    _check_png(rmse_niqe_plot([], str(tmp_path / "empty")), 300, 200)   # nothing scored: still a picture
