import os

import cv2
import numpy as np
import pytest
import torch

from common.io import (CheckpointError, ImageError, imread, imwrite, load_checkpoint, pair_images,
                       save_checkpoint, scan_images)


def _rgb(h=12, w=10, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_png_roundtrip_is_rgb_and_lossless(tmp_path):
    img = _rgb()
    img[0, 0] = (255, 0, 0)
    path = tmp_path / "a" / "b" / "x.png"                 # folders are created
    imwrite(path, img)
    back = imread(path)
    assert back.dtype == np.uint8 and np.array_equal(back, img)
    assert tuple(cv2.imread(str(path))[0, 0]) == (0, 0, 255)   # stored as a normal RGB file
    assert [p.name for p in path.parent.iterdir()] == ["x.png"]  # no temporary file left


def test_gray_rgba_and_16_bit(tmp_path):
    gray = _rgb()[:, :, 0]
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    assert imread(tmp_path / "g.png").shape == gray.shape            # gray stays HxW
    rgba = np.dstack([_rgb(), np.full((12, 10), 7, np.uint8)])
    cv2.imwrite(str(tmp_path / "a.png"), rgba[:, :, [2, 1, 0, 3]])
    assert np.array_equal(imread(tmp_path / "a.png"), rgba[:, :, :3])  # alpha dropped, not composited
    v = np.array([[0, 128, 257, 385, 65535, 65407]], np.uint16)
    cv2.imwrite(str(tmp_path / "d.png"), v)
    assert imread(tmp_path / "d.png").tolist() == [[0, 0, 1, 1, 255, 255]]   # round(v / 257)
    rgb16 = (_rgb().astype(np.uint16) * 257)
    cv2.imwrite(str(tmp_path / "c.png"), rgb16[:, :, ::-1])
    assert np.array_equal(imread(tmp_path / "c.png"), _rgb())


@pytest.mark.parametrize("content,why", [(b"", "empty file"), (b"hello, not an image", "not a readable image"),
                                         (None, "not a readable image")])
def test_bad_files_raise_image_error_naming_the_file(tmp_path, content, why):
    path = tmp_path / "bad.png"
    if content is None:          # a truncated PNG
        ok, buf = cv2.imencode(".png", _rgb(64, 64))
        content = buf.tobytes()[:100]
    path.write_bytes(content)
    with pytest.raises(ImageError, match=why) as err:
        imread(path)
    assert str(path) in str(err.value) and isinstance(err.value, ValueError)
    with pytest.raises(ImageError, match="no such file"):
        imread(tmp_path / "missing.png")


def test_imwrite_rejects_bad_arrays_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "keep.png"
    imwrite(path, _rgb())
    with pytest.raises(ValueError, match="uint8"):
        imwrite(path, _rgb().astype(np.float32))
    with pytest.raises(ValueError, match="extension"):
        imwrite(tmp_path / "x.unknown", _rgb())
    assert np.array_equal(imread(path), _rgb())


def test_scan_images_sorted_and_filtered(tmp_path):
    for name in ("b.png", "a.JPG", "c.txt", ".hidden.png"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.png").write_bytes(b"x")
    assert [os.path.basename(p) for p in scan_images(tmp_path)] == ["a.JPG", "b.png"]
    assert len(scan_images(tmp_path, recursive=True)) == 3
    with pytest.raises(FileNotFoundError, match="nowhere"):
        scan_images(tmp_path / "nowhere")


def test_pair_images_by_edsr_and_basicsr_names(tmp_path):
    hr, lr = tmp_path / "HR", tmp_path / "LR"
    for name in ("baby", "bird"):
        imwrite(hr / f"{name}.png", _rgb(16, 12))
        imwrite(lr / f"{name}x4.png", _rgb(4, 3))
    pairs = pair_images(lr, hr, scale=4)
    assert [(os.path.basename(a), os.path.basename(b)) for a, b in pairs] == [
        ("babyx4.png", "baby.png"), ("birdx4.png", "bird.png")]
    imwrite(tmp_path / "LR2" / "baby_lr4.png", _rgb(4, 3))
    imwrite(tmp_path / "LR2" / "bird_lr4.png", _rgb(4, 3))
    assert len(pair_images(tmp_path / "LR2", hr, scale=4, filename_tmpl="{}_lr4")) == 2


def test_pair_images_errors_name_the_files(tmp_path):
    hr, lr = tmp_path / "HR", tmp_path / "LR"
    imwrite(hr / "a.png", _rgb(16, 16))
    imwrite(hr / "b.png", _rgb(16, 16))
    imwrite(lr / "a.png", _rgb(4, 4))
    with pytest.raises(ValueError, match="unpaired.*b.png"):
        pair_images(lr, hr, scale=4)
    imwrite(lr / "b.png", _rgb(5, 4))
    with pytest.raises(ValueError, match="b.png.*does not match"):
        pair_images(lr, hr, scale=4)
    imwrite(lr / "b.png", _rgb(16, 16))                    # real-SR sets keep LR at HR size
    assert len(pair_images(lr, hr, scale=4)) == 2


def test_checkpoints_unwrap_and_strip_module(tmp_path):
    sd = {"conv.weight": torch.ones(2, 2), "conv.bias": torch.zeros(2)}
    save_checkpoint({f"module.{k}": v for k, v in sd.items()}, tmp_path / "dp.pth")
    save_checkpoint({"params": sd, "params_ema": {k: v + 1 for k, v in sd.items()}}, tmp_path / "ema.pth")
    assert torch.equal(load_checkpoint(tmp_path / "dp.pth")["conv.weight"], sd["conv.weight"])
    assert torch.equal(load_checkpoint(tmp_path / "ema.pth")["conv.weight"], sd["conv.weight"] + 1)
    assert torch.equal(load_checkpoint(tmp_path / "ema.pth", key="params")["conv.weight"], sd["conv.weight"])
    assert set(load_checkpoint(tmp_path / "ema.pth", key=None)) == {"params", "params_ema"}
    with pytest.raises(CheckpointError, match="no entry 'net'"):
        load_checkpoint(tmp_path / "ema.pth", key="net")


def test_checkpoint_refuses_pickled_code_and_corrupt_files(tmp_path):
    torch.save({"weights": torch.ones(1), "obj": ValueError("x")}, tmp_path / "unsafe.pth")
    with pytest.raises(CheckpointError, match="unsafe.pth"):
        load_checkpoint(tmp_path / "unsafe.pth")
    (tmp_path / "corrupt.pth").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(CheckpointError, match="corrupt.pth"):
        load_checkpoint(tmp_path / "corrupt.pth")
    with pytest.raises(FileNotFoundError, match="none.pth"):
        load_checkpoint(tmp_path / "none.pth")


def test_save_checkpoint_is_atomic(tmp_path):
    path = tmp_path / "model.pth"
    save_checkpoint({"w": torch.ones(3)}, path)

    class Exploding:
        def __reduce__(self):
            raise RuntimeError("crash while writing")

    with pytest.raises(RuntimeError):
        save_checkpoint({"w": torch.zeros(3), "x": Exploding()}, path)
    assert torch.equal(load_checkpoint(path)["w"], torch.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["model.pth"]


def png_bomb(width, height):
    """A valid-looking PNG of a few bytes whose IHDR declares ``width`` x ``height`` RGB pixels."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def test_header_bomb_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(100000, 100000))
    with pytest.raises(ImageError, match="100000x100000 pixels exceeds the limit") as err:
        imread(path)
    assert str(path) in str(err.value)
    with pytest.raises(ImageError, match="not a readable image") as err:   # no limit: OpenCV's error, wrapped
        imread(path, max_pixels=0)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".ppm", ".pgm", ".tif", ".webp"])
def test_pixel_limit_for_every_format(tmp_path, ext, monkeypatch):
    from common.io import header_size

    img = _rgb(13, 21)
    ok, buf = cv2.imencode(ext, img[:, :, 0] if ext == ".pgm" else img)
    path = tmp_path / f"x{ext}"
    path.write_bytes(buf.tobytes())
    if ext not in (".tif", ".webp"):                      # parsed from the header
        assert header_size(buf.tobytes()) == (21, 13)
    assert imread(path, max_pixels=21 * 13).shape[:2] == (13, 21)
    with pytest.raises(ImageError, match="21x13 pixels exceeds the limit of 272"):
        imread(path, max_pixels=21 * 13 - 1)
    monkeypatch.setenv("SR_MAX_PIXELS", "100")
    with pytest.raises(ImageError, match="limit of 100"):
        imread(path)


def test_header_size_of_progressive_jpeg_and_os2_bmp():
    import struct

    from common.io import header_size

    ok, buf = cv2.imencode(".jpg", _rgb(30, 40), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert header_size(buf.tobytes()) == (40, 30)
    os2 = b"BM" + bytes(12) + struct.pack("<IHHHH", 12, 70000 % 65536, 300, 1, 24)
    assert header_size(os2) == (70000 % 65536, 300)
    assert header_size(b"P6\n# comment 9 9\n 640 480\n255\n") == (640, 480)


def test_remove_stale_temps(tmp_path):
    from common.io import atomic_write, remove_stale_temps

    (tmp_path / ".test_Set5.ab12cd_e.tmp.png").write_bytes(b"half")
    (tmp_path / ".keep.png").write_bytes(b"user's hidden file")
    atomic_write(tmp_path / "a.txt", lambda tmp: open(tmp, "w").write("x"))
    assert remove_stale_temps(tmp_path) == [".test_Set5.ab12cd_e.tmp.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".keep.png", "a.txt"]


def test_full_disk_during_torch_save_is_an_oserror_naming_the_file(tmp_path, monkeypatch):
    def full(obj, f):
        open(f, "wb").write(b"part")
        raise RuntimeError("[enforce fail at inline_container.cc:603] . PytorchStreamWriter failed writing file "
                           "data/0: file write failed")

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(OSError, match="full disk") as err:
        save_checkpoint({"w": torch.zeros(1)}, tmp_path / "ck.pt")
    assert err.value.filename == str(tmp_path / "ck.pt") and os.listdir(tmp_path) == []


def test_uninterrupted_holds_a_signal_until_the_block_ends(tmp_path):
    import signal

    from common.io import uninterrupted

    done, before = [], signal.getsignal(signal.SIGINT)     # SIG_IGN when the suite runs in the background
    with pytest.raises(KeyboardInterrupt):
        with uninterrupted():
            os.kill(os.getpid(), signal.SIGINT)
            imwrite(tmp_path / "a.png", _rgb())
            done.append(True)
    assert done and (tmp_path / "a.png").is_file()
    assert signal.getsignal(signal.SIGINT) is before


def test_find_benchmark_set_prefers_data_root_then_the_bundled_copy(tmp_path):
    from common.io import find_benchmark_set

    assert find_benchmark_set("Set5", None).endswith(os.path.join("benchmarks", "data", "Set5", "HR"))
    (tmp_path / "Set5" / "HR").mkdir(parents=True)
    assert find_benchmark_set("Set5", str(tmp_path)).endswith(os.path.join("benchmarks", "data", "Set5", "HR"))
    imwrite(str(tmp_path / "Set5" / "HR" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    assert find_benchmark_set("Set5", str(tmp_path)) == str(tmp_path / "Set5" / "HR")
    assert find_benchmark_set("Nope", str(tmp_path)) is None
