"""The DIV2KRK-style evaluation set of benchmarks.div2krk: fixed images, fixed kernels."""
import numpy as np

from benchmarks.div2krk import mean_row, pick_images, make_set, table
from common.io import imread


def test_the_set_is_the_same_for_a_seed_and_differs_across_seeds(tmp_path):
    files = pick_images(None, 3)
    assert [f.split("/")[-1] for f in files] == ["baby.png", "bird.png", "butterfly.png"]
    a, b, c = (make_set(files, 2, str(tmp_path / d), seed=s) for d, s in (("a", 0), ("b", 0), ("c", 1)))
    for (la, _, ka), (lb, _, kb), (lc, _, kc) in zip(a, b, c):
        assert np.array_equal(imread(la), imread(lb)) and np.array_equal(np.load(ka), np.load(kb))
        assert not np.array_equal(np.load(ka), np.load(kc))
    assert max(imread(a[0][0]).shape[:2]) <= 256


def test_bundled_fallback_has_ten_images():
    files = pick_images(None, 10)
    assert len(files) == 10 and sum("Set14" in f for f in files) == 5


def test_table_shows_gains_over_raw():
    rows = [{"image": "x.png", "lr": "8x8", "raw": (30.0, 0.9), "analytic_true": (31.5, 0.92), "seconds_analytic_true": 1.0},
            {"image": "y.png", "lr": "8x8", "raw": (20.0, 0.5), "analytic_true": (20.5, 0.52), "seconds_analytic_true": 3.0}]
    rows.append(mean_row(rows))
    assert rows[-1]["raw"] == (25.0, 0.7) and rows[-1]["seconds_analytic_true"] == 2.0
    md = table(rows, 2)
    assert "31.50/0.9200 (+1.50)" in md and "| MEAN |" in md and "25.00/0.7000" in md
