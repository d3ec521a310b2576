"""Training procedures: SR (PSNR stage, RRDBNet or E+G), FASRGAN, FsSRGAN."""


def create_model(opt, device, rank=0, world=1):
    """Build the model class named by ``opt['model']``."""
    from fasrgan.models.fasrgan_model import FASRGANModel
    from fasrgan.models.fs_srgan_model import FsSRGANModel
    from fasrgan.models.sr_model import SRModel

    cls = {"SR": SRModel, "FASRGAN": FASRGANModel, "FsSRGAN": FsSRGANModel}[opt["model"]]
    return cls(opt, device, rank, world)
