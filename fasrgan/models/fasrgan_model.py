"""FASRGAN (docs/papers/fasrgan.md §2.2): RRDBNet G, U-Net fine-grained attention D.

G step (D frozen, in train mode): pixel L1 + VGG feature L1 + image-level RaGAN + pixel-level GAN
on the D map + attention-weighted L1. D step (SR detached): RaGAN on the image logits plus the
per-pixel BCE on the maps (weight 1).

With a one-score discriminator (``"model": "ESRGAN"``, VGG-style D) there is no map: the per-pixel GAN and
attention terms drop out and the procedure is ESRGAN's (content losses + RaGAN).
"""
import torch

from fasrgan.losses import attention_pixel_loss, pixel_gan_loss, ragan_g_loss
from fasrgan.models._gan_common import build_content_losses, content_terms
from fasrgan.models.base_model import BaseModel
from fasrgan.models.networks import define_D, define_G, load_network


class FASRGANModel(BaseModel):
    def __init__(self, opt, device, rank=0, world=1):
        super().__init__(opt, device, rank, world)
        p = opt["path"]
        G = define_G(opt)
        if p.get("pretrain_model_G"):
            load_network(G, p["pretrain_model_G"], p["strict_load"])
        self.nets["G"] = G
        if self.is_train:
            D = define_D(opt, opt["datasets"]["train"]["HR_size"])
            if p.get("pretrain_model_D"):
                load_network(D, p["pretrain_model_D"], p["strict_load"], rrdb=False)
            self.nets["D"] = D
        self._finish_nets()
        if self.is_train:
            t = opt["train"]
            build_content_losses(self, opt, device)
            self.l_atten_w, self.l_mask_w = t["atten_weight"] or 0, t["gan_mask_weight"] or 0
            self._adam("G", self.nets["G"].parameters(), "G")
            self._adam("D", self.nets["D"].parameters(), "D")
            for net in self.nets.values():
                net.train()

    def generator(self):
        return self.nets["G"]

    @staticmethod
    def _D(D, x):
        """D's image score and pixel map (None for a one-score D), as float32 for the losses."""
        out = D(x)
        if not isinstance(out, tuple):
            return out.float(), None
        score, pmap = out
        return score.float(), pmap.float()

    def optimize_parameters(self, step):
        D = self.nets["D"]
        log = {}
        update_g = step % self.d_ratio == 0 and step > self.d_init
        with torch.set_grad_enabled(update_g), self.autocast():    # no G graph when G is not updated (DDP)
            sr = self.net("G")(self.lr).float()
        if update_g:
            self.set_requires_grad(D, False)
            with self.autocast():     # frozen D: the bare network, so that D's DDP only sees the D step
                total = content_terms(self, sr, self.hr, log)
                fake_score, fake_map = self._D(D, sr)
                with torch.no_grad():
                    real_score, real_map = self._D(D, self.hr)
                if self.l_gan_w > 0:
                    l = self.l_gan_w * ragan_g_loss(self.cri_gan, real_score, fake_score)
                    log["l_g_gan"] = l.item()
                    total = total + l
                if self.l_mask_w > 0 and fake_map is not None:
                    l = self.l_mask_w * pixel_gan_loss(self.cri_gan, real_map, fake_map, for_generator=True)
                    log["l_g_mask"] = l.item()
                    total = total + l
                if self.l_atten_w > 0 and fake_map is not None:
                    l = self.l_atten_w * attention_pixel_loss(sr, self.hr, fake_map)
                    log["l_g_atten"] = l.item()
                    total = total + l
            log["l_g_total"] = total.item()
            self._step("G", total)
            self.set_requires_grad(D, True)
        with self.autocast():
            real_score, real_map = self._D(self.net("D"), self.hr)
            fake_score, fake_map = self._D(self.net("D"), sr.detach())
            l_d_real = 0.5 * self.cri_gan(real_score - fake_score.mean(), True)
            l_d_fake = 0.5 * self.cri_gan(fake_score - real_score.mean(), False)
            l_d = l_d_real + l_d_fake
            if fake_map is not None:
                l_d_mask = pixel_gan_loss(self.cri_gan, real_map, fake_map, for_generator=False)
                log["l_d_mask"] = l_d_mask.item()
                l_d = l_d + l_d_mask
        self._step("D", l_d)
        log.update(l_d_real=l_d_real.item(), l_d_fake=l_d_fake.item(),
                   D_real=real_score.mean().item(), D_fake=fake_score.mean().item())
        return log
