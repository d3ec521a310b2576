"""Option keys the authors' files carry for features this project does not implement take only the value
that matches what runs; anything else is a one-line error naming the key (never silently ignored)."""
import json

import pytest

from common.options import OptionError, read_json
from dgpnet.utils.options import parse_options as dgpnet_parse
from fasrgan.utils.options import parse as fasrgan_parse
from gdsr.utils.options import parse as gdsr_parse

CASES = [
    (gdsr_parse, "gdsr/options/train/train_GDSR.json", ("logger", "use_tb_logger"), True),
    (fasrgan_parse, "fasrgan/options/train/train_FASRGAN.json", ("logger", "use_tb_logger"), True),
    (fasrgan_parse, "fasrgan/options/train/train_FASRGAN.json", ("network_G", "norm_type"), "batch"),
    (fasrgan_parse, "fasrgan/options/train/train_FASRGAN.json", ("network_D", "act_type"), "relu"),
    (dgpnet_parse, "dgpnet/options/train/train_DGPNet_x4.json", ("logger", "use_tb_logger"), True),
    (dgpnet_parse, "dgpnet/options/train/train_DGPNet_x4.json", ("datasets", "train", "prefetch_mode"), "cuda"),
]


@pytest.mark.parametrize("parse, shipped, keys, value", CASES, ids=lambda c: c if isinstance(c, str) else None)
def test_unimplemented_variants_are_rejected_by_name(tmp_path, parse, shipped, keys, value):
    opt = read_json(shipped)
    section = opt
    for k in keys[:-1]:
        section = section.setdefault(k, {})
    section[keys[-1]] = value
    path = tmp_path / "opt.json"
    path.write_text(json.dumps(opt))
    with pytest.raises(OptionError, match=keys[-1]) as info:
        parse(str(path))
    assert "\n" not in str(info.value) and "opt.json" in str(info.value)
