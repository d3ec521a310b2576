"""Build and initialise the networks named in the options; load pretrained weights strictly."""
from torch import nn

from common.io import load_checkpoint
from common.state_match import load_matching
from fasrgan.archs import FeatureExtractorE, RRDBNet, UNetDiscriminator, VGGDiscriminator, convert_rrdb_keys


def init_weights(net, scale=1.0):
    """Old BasicSR init: Kaiming-normal (fan_in) x ``scale`` for convs/linears, zero bias;
    BatchNorm weight 1, bias 0."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in")
            m.weight.data.mul_(scale)
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
    return net


def define_E(opt):
    o = opt["network_E"]
    if o["which_model_ex"] != "model_ex":
        raise ValueError(f"network_E.which_model_ex: unknown extractor {o['which_model_ex']!r} (use 'model_ex')")
    return init_weights(FeatureExtractorE(o["in_nc"], o["nf"], o["nb"], o["gc"]), 1.0)


def define_G(opt, in_nc=None):
    """RRDB_net (3-channel input) or RRDBNet_G (Fs-SRGAN: input = E's features, ``in_nc``)."""
    o = opt["network_G"]
    if o["which_model_G"] not in ("RRDB_net", "RRDBNet_G"):
        raise ValueError(f"network_G.which_model_G: unknown generator {o['which_model_G']!r} "
                         "(use 'RRDB_net' or 'RRDBNet_G')")
    net = RRDBNet(in_nc or o["in_nc"], o["out_nc"], o["nf"], o["nb"], o["gc"], opt["scale"])
    return init_weights(net, 0.1)


def define_D(opt, hr_size, in_nc=None):
    o = opt["network_D"]
    kind = o["which_model_D"]
    size = o["in_size"] or hr_size
    if kind == "Unet":
        net = UNetDiscriminator(in_nc or o["in_nc"], o["nf"], size, bn_eps_bug=o["bn_eps_bug"])
    elif kind in ("discriminator_vgg_192_ex", "discriminator_vgg_192", "discriminator_vgg_128"):
        n_down = 5 if kind.endswith("128") else o["n_down"]
        net = VGGDiscriminator(in_nc or o["in_nc"], o["nf"], size, n_down)
    else:
        raise ValueError(f"network_D.which_model_D: unknown discriminator {kind!r} "
                         "(use 'Unet' or 'discriminator_vgg_192_ex')")
    return init_weights(net, 1.0)


def load_network(net, path, strict=True, rrdb=True):
    """Load a checkpoint (authors' bare state dict, BasicSR {'params': ...}, modern RRDBNet names);
    another architecture is a CheckpointError naming the file and the first differing keys."""
    state = load_checkpoint(path)
    if rrdb:
        state = convert_rrdb_keys(state)
    load_matching(net, state, path, strict, "network", "check nf/nb/in_nc in the options")
    return net


def network_state(net):
    """CPU state dict with no DataParallel prefix, in the authors' key format."""
    net = net.module if hasattr(net, "module") else net
    return {k: v.detach().cpu() for k, v in net.state_dict().items()}
