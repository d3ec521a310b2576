"""The bicubic rows of SR papers' tables, reproduced by the project's pipeline."""
import pytest

from benchmarks.bicubic import BUNDLED_ROOT, PUBLISHED, main, run


def _check(root, name, scales=(2, 3, 4)):
    for r in run(root, [name], list(scales)):
        pub = PUBLISHED["BI"][name][r["scale"]]
        assert r["status"] == "ok"
        assert abs(r["psnr"] - pub[0]) < 0.02, (name, r["scale"], r["psnr"])
        assert abs(r["ssim"] - pub[1]) < 0.0015, (name, r["scale"], r["ssim"])


@pytest.mark.parametrize("name", ["Set5", "Set14"])
def test_bundled_sets_match_published_bicubic(name):
    _check(BUNDLED_ROOT, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["B100", "Urban100"])
def test_shared_sets_match_published_bicubic(shared_dir, name):
    _check(f"{shared_dir}/datasets", name)


def test_missing_set_is_reported_not_skipped(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "--sets", "Manga109", "--scales", "4"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("Manga109") and "missing" in last
    (r,) = run(str(tmp_path), ["Manga109"], [4])
    assert r["status"].startswith("missing")


def test_metrics_speed_reports_seconds():
    from benchmarks.metrics_speed import measure

    r = measure(n=2)
    assert r["images"] == 2 and r["size"] == "1024x768"
    assert r["psnr_ssim_seconds"] > 0 and r["imresize_down_seconds"] > 0
