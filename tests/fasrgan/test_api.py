import numpy as np
import pytest
import torch

from fasrgan import api


def _img(h=20, w=26, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_models_tuple():
    assert api.MODELS == ("fasrgan", "fs_srgan")
    with pytest.raises(ValueError):
        api.build("esrgan", 4)


@pytest.mark.parametrize("name", api.MODELS)
def test_upscale_shapes_tiling_and_gray(name):
    torch.manual_seed(0)
    net = api.build(name, 4, nf=8, nb=1, gc=4).eval()
    img = _img()
    out = api.upscale(net, img)
    assert out.shape == (80, 104, 3) and out.dtype == np.uint8
    tiled = api.upscale(net, img, tile=12, tile_overlap=8)
    assert np.abs(out.astype(int) - tiled).max() <= 1
    gray = api.upscale(net, img[:, :, 0])
    assert gray.shape == (80, 104, 3)


def test_load_without_weights_says_what_to_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="FASRGAN_reduced_x4.pth.*weights="):
        api.load("fasrgan", 4)
    with pytest.raises(FileNotFoundError, match="Fs_RRDB_PSNR_reduced_x4.pth.*FsSRGAN_G"):
        api.load("fs_srgan", 4, kind="psnr")
    with pytest.raises(ValueError, match="kind"):
        api.load("fasrgan", 4, kind="esrgan")


def test_export_writes_what_load_reads_without_arguments(tmp_path, monkeypatch):
    from fasrgan.export import FP16_TOLERANCE, main as export_main

    monkeypatch.setattr(api, "WEIGHTS_DIR", str(tmp_path))
    net = api.build("fasrgan", 4, nf=8, nb=2, gc=4)
    torch.save({"params": net.state_dict()}, tmp_path / "net_G_5.pth")
    assert export_main(["--G", str(tmp_path / "net_G_5.pth"), "--out", api.bundled_path("fasrgan", 4, "psnr")]) == 0
    fs = api.build("fs_srgan", 4, nf=8, nb=1, gc=4)
    torch.save({"params": fs.E.state_dict()}, tmp_path / "net_E_5.pth")
    torch.save({"params": fs.G.state_dict()}, tmp_path / "net_G_fs.pth")
    assert export_main(["--E", str(tmp_path / "net_E_5.pth"), "--G", str(tmp_path / "net_G_fs.pth"),
                        "--out", api.bundled_path("fs_srgan", 4), "--fp32"]) == 0
    stored = torch.load(api.bundled_path("fasrgan", 4, "psnr"))["params"]
    assert all(v.dtype == torch.float16 for v in stored.values())   # the default: half the size
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        psnr = api.load("fasrgan", 4, kind="psnr")
        assert next(psnr.parameters()).dtype == torch.float32
        assert 0 < (psnr(x) - net(x)).abs().max() <= FP16_TOLERANCE
        assert torch.equal(api.load("fs_srgan", 4)(x), fs(x))   # --fp32: exact


def test_load_roundtrip(tmp_path):
    net = api.build("fasrgan", 4, nf=8, nb=2, gc=4)
    torch.save({"params": net.state_dict()}, tmp_path / "g.pth")
    loaded = api.load("fasrgan", 4, str(tmp_path / "g.pth"))
    assert not loaded.training
    x = torch.rand(1, 3, 5, 5)
    with torch.no_grad():
        assert torch.equal(loaded(x), net(x))
    fs = api.build("fs_srgan", 4, nf=8, nb=1, gc=4)
    torch.save(fs.E.state_dict(), tmp_path / "e.pth")
    torch.save(fs.G.state_dict(), tmp_path / "fg.pth")
    l2 = api.load("fs_srgan", 4, (str(tmp_path / "e.pth"), str(tmp_path / "fg.pth")))
    with torch.no_grad():
        assert torch.equal(l2(x), fs(x))
    with pytest.raises(ValueError, match="input channels"):   # a 3-channel G is not Fs-SRGAN's G
        api.load("fs_srgan", 4, str(tmp_path / "g.pth"))
