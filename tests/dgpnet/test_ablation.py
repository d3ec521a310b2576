"""dgpnet.ablation: reads the ablation runs, scores their fused networks and draws their curves."""
import os

from dgpnet import ablation
from dgpnet.train import cli as train_cli

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPT = os.path.join(REPO, "dgpnet", "options", "train", "ablation_MSRResNet_x4.json")


def test_table_from_two_tiny_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    hr = os.path.join(REPO, "benchmarks", "data", "Set5", "HR")
    for name, extra in (("msrresnet_plain_s1", ["network_g:dgconv=false"]), ("msrresnet_dgconv_s1", [])):
        assert train_cli(["-opt", OPT, "--force_opt", f"name={name}", f"path:experiments_root={tmp_path / name}",
                          f'datasets:train:dataroot_gt="{hr}"', "network_g:num_feat=8", "network_g:num_block=1",
                          "train:total_iter=2", "val:val_freq=1", "logger:save_checkpoint_freq=1",
                          "logger:use_tqdm=false", *extra]) == 0
    capsys.readouterr()
    out = tmp_path / "curves.png"
    assert ablation.main(["--dir_experiment", str(tmp_path), "--sets", "Set5", "--data_root", "", "--out",
                          str(out)]) == 0
    text = capsys.readouterr().out
    plain = next(line for line in text.splitlines() if line.startswith("| MSRResNet, plain"))
    dg = next(line for line in text.splitlines() if line.startswith("| MSRResNet, every"))
    # the DGConv run trains more parameters and fuses back to exactly the plain network's count
    assert plain.split("|")[3] == dg.split("|")[3] and plain.split("|")[2] != dg.split("|")[2]
    assert " 2 |" in plain and out.is_file() and (tmp_path / "msrresnet_dgconv_s1" / "eval.json").is_file()


def test_no_runs_is_an_error(tmp_path, capsys):
    assert ablation.main(["--dir_experiment", str(tmp_path)]) == 1
    assert "no ablation runs" in capsys.readouterr().err
