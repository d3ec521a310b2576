"""Training procedures: SR (PSNR stage, RRDBNet or E+G), FASRGAN, FsSRGAN, ESRGAN (the one-score-D baseline)."""


def create_model(opt, device, rank=0, world=1):
    """Build the model class named by ``opt['model']``."""
    from fasrgan.models.fasrgan_model import FASRGANModel
    from fasrgan.models.fs_srgan_model import FsSRGANModel
    from fasrgan.models.sr_model import SRModel

    # ESRGAN: FASRGAN's procedure with a discriminator that gives one score per image (no map, so no
    # per-pixel GAN or attention term): the standard-D arm of the FASRGAN ablation
    cls = {"SR": SRModel, "FASRGAN": FASRGANModel, "FsSRGAN": FsSRGANModel, "ESRGAN": FASRGANModel}[opt["model"]]
    return cls(opt, device, rank, world)
