"""Training procedures: stage 1 (``DualSR_pretrain``, L1 only) and stage 2 (``DualSR``, GAN)."""


def create_model(opt):
    """The model class named by ``opt['model']``, built from the options."""
    if opt["model"] == "DualSR_pretrain":
        from gdsr.models.pretrain_model import DualSRPretrainModel as cls
    elif opt["model"] == "DualSR":
        from gdsr.models.gdsr_model import DualSRModel as cls
    else:
        raise ValueError(f"unknown model {opt['model']!r}")
    return cls(opt)
