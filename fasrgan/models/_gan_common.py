"""Pieces shared by the two GAN procedures: the G-side pixel/perceptual terms."""
import os

from fasrgan.losses import GANLoss, PerceptualLoss, build_pixel_loss


def build_content_losses(model, opt, device):
    t, p = opt["train"], opt["path"]
    model.l_pix_w, model.l_fea_w, model.l_gan_w = t["pixel_weight"] or 0, t["feature_weight"] or 0, t["gan_weight"] or 0
    model.cri_pix = build_pixel_loss(t["pixel_criterion"]) if model.l_pix_w > 0 else None
    model.cri_fea = None
    if model.l_fea_w > 0:
        vgg = p.get("vgg19")
        if not vgg:
            raise FileNotFoundError("path.vgg19: train.feature_weight > 0 needs the ImageNet VGG19 weights; set "
                                    "path.vgg19 to torchvision's vgg19-dcbb9e9d.pth (nothing is downloaded)")
        if not os.path.isfile(vgg):
            raise FileNotFoundError(f"path.vgg19: {vgg}: VGG19 weights file not found "
                                    "(torchvision's vgg19-dcbb9e9d.pth is expected)")
        model.cri_fea = PerceptualLoss(vgg, t["feature_layer"], t["feature_criterion"]).to(device)
    model.cri_gan = GANLoss(t["gan_type"]).to(device)
    model.d_ratio, model.d_init = t["D_update_ratio"] or 1, t["D_init_iters"] or 0


def content_terms(model, sr, hr, log):
    """Weighted pixel + perceptual terms; fills ``log``."""
    total = 0
    if model.cri_pix is not None:
        l = model.l_pix_w * model.cri_pix(sr, hr)
        log["l_g_pix"] = l.item()
        total = total + l
    if model.cri_fea is not None:
        l = model.l_fea_w * model.cri_fea(sr, hr)
        log["l_g_fea"] = l.item()
        total = total + l
    return total
