"""The ablation's switches of GDSRNet: no guidance (zeros in place of the low-frequency guide) and no mask."""
import torch

from gdsr.archs.gdsr_arch import GDSRNet, init_weights
from gdsr.utils.options import parse

TINY = dict(nf=8, gc=4, nb_e=1, nb_l_1=1, nb_l_2=1, nb_h_1=1, nb_h_2=1, nb_m=1, scale=2)


def _outputs(net, x):
    with torch.no_grad():
        return net.forward_all(x)


def _perturb(module):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p))


def test_switches_cut_exactly_their_path():
    torch.manual_seed(0)
    x = torch.rand(1, 3, 12, 12)
    full = GDSRNet(**TINY).eval()
    init_weights(full, 0.1)
    for guidance, mask in ((False, True), (False, False), (True, False)):
        net = GDSRNet(**TINY, guidance=guidance, mask=mask).eval()
        net.load_state_dict(full.state_dict())              # the same modules and weights
        before = _outputs(net, x)
        _perturb(net.body_l1)
        after = _outputs(net, x)
        assert torch.equal(before["high"], after["high"]) != guidance     # the guide reaches HF only with guidance
        _perturb(net.body_m)
        again = _outputs(net, x)
        if not mask:
            assert torch.equal(again["mask"], torch.ones_like(again["mask"]))
            assert torch.equal(after["fused"], again["fused"])           # the mask generator plays no part
    ref = _outputs(full, x)
    _perturb(full.body_l1)
    assert not torch.equal(ref["high"], _outputs(full, x)["high"])


def test_reduced_option_files_and_arm_overrides():
    o = parse("gdsr/options/train/reduced/train_GDSR.json", overrides=["network_G:guidance=false", "network_G:mask=false"])
    assert (o["network_G"]["guidance"], o["network_G"]["mask"]) == (False, False)
    assert o["train"]["feature_weight"] == 0 and o["network_G"]["nb_l_1"] == 1
    p = parse("gdsr/options/train/reduced/train_GDSR_pretrain.json")
    assert p["network_G"]["guidance"] and p["datasets"]["train"]["dataroot_HR"][0].endswith("T91/HR")
