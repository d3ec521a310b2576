"""gdsr.export writes the file api.load("gdsr", 4) reads without arguments; a missing bundle says what to pass."""
import pytest
import torch

from gdsr import api
from gdsr.export import FP16_TOLERANCE, main as export_main

TINY = dict(nf=8, gc=4, nb_e=1, nb_l_1=1, nb_l_2=1, nb_h_1=1, nb_h_2=1, nb_m=1)


def test_export_writes_what_load_reads_without_arguments(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "WEIGHTS_DIR", str(tmp_path / "weights"))
    torch.manual_seed(0)
    net = api.build("gdsr", 4, **TINY).eval()
    torch.save(net.state_dict(), tmp_path / "600_G.pth")
    assert export_main(["--G", str(tmp_path / "600_G.pth"), "--out", api.bundled_path(4)]) == 0
    stored = torch.load(api.bundled_path(4))["params"]
    assert all(v.dtype == torch.float16 for v in stored.values() if v.is_floating_point())
    loaded = api.load("gdsr", 4)
    assert next(loaded.parameters()).dtype == torch.float32
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        a, b = net.forward_all(x), loaded.forward_all(x)
    for k in ("fused", "low", "high"):
        assert 0 < (a[k] - b[k]).abs().max() <= FP16_TOLERANCE
    assert export_main(["--G", str(tmp_path / "600_G.pth"), "--out", str(tmp_path / "fp32.pth"), "--fp32"]) == 0
    with torch.no_grad():   # both through load(): the same (channels_last) layout, so bit-equal
        assert torch.equal(api.load("gdsr", 4, weights=str(tmp_path / "fp32.pth"))(x),
                           api.load("gdsr", 4, weights=str(tmp_path / "600_G.pth"))(x))


def test_missing_bundle_names_the_file_and_what_to_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"GDSR_x4\.pth.*weights="):
        api.load("gdsr", 4)


def test_foreign_file_is_one_line_and_keeps_the_existing_bundle(tmp_path, capsys):
    from fasrgan import api as fasrgan_api

    torch.save(fasrgan_api.build("fasrgan", 4, nf=8, nb=1, gc=4).state_dict(), tmp_path / "rrdb.pth")
    out = tmp_path / "GDSR_x4.pth"
    out.write_bytes(b"the bundle")
    assert export_main(["--G", str(tmp_path / "rrdb.pth"), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("python -m gdsr.export: error:") and "rrdb.pth" in err[0]
    assert out.read_bytes() == b"the bundle"
