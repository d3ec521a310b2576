"""jtf_sisr.ablation: mean and spread over seeds of the last epoch, and the curves PNG."""
import torch

from common.io import save_checkpoint
from jtf_sisr.ablation import main


def test_table_is_the_mean_and_half_range_over_seeds(tmp_path, capsys):
    for arm, seed, base in (("jtf", 1, 30.0), ("jtf", 2, 30.2), ("concat", 1, 29.5), ("concat", 2, 29.9)):
        run = tmp_path / f"ablation_{arm}_s{seed}"
        psnr = torch.tensor([[[base - 1], [base - 2]], [[base], [base - 1]]])     # 2 epochs x 2 sets x 1 scale
        save_checkpoint(psnr, run / "psnr_log.pt")
        save_checkpoint(psnr / 40, run / "ssim_log.pt")
    out = tmp_path / "curves.png"
    assert main(["--dir_experiment", str(tmp_path), "--sets", "Set5", "Set14", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    jtf = next(l for l in text.splitlines() if l.startswith("| JTF-SISR (JTF fusion)"))
    concat = next(l for l in text.splitlines() if "concatenation" in l)
    assert "| 1, 2 | 2 | 30.100 ± 0.100 / 0.7525 | 29.100 ± 0.100 /" in jtf
    assert "29.700 ± 0.200" in concat and "EDSR" not in text.split("|---|")[-1]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_runs_is_a_one_line_error(tmp_path, capsys):
    assert main(["--dir_experiment", str(tmp_path)]) == 1
    assert "no finished ablation" in capsys.readouterr().err
