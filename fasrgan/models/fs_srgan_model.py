"""Fs-SRGAN (docs/papers/fasrgan.md §3): one extractor E in front of both G and D.

SR = G(E(LR)); D scores E(HR) and E(SR). Losses are ESRGAN's (pixel L1, VGG feature L1, RaGAN).
Optimizers are explicit: Adam over E + G for the generator step and Adam over E + D for the
discriminator step, so E is updated twice per iteration, each time with its own Adam state (what the
authors' aliased parameter lists amount to).
"""
import torch

from fasrgan.archs import FsGenerator
from fasrgan.losses import ragan_g_loss
from fasrgan.models._gan_common import build_content_losses, content_terms
from fasrgan.models.base_model import BaseModel
from fasrgan.models.networks import define_D, define_E, define_G, load_network


class FsSRGANModel(BaseModel):
    def __init__(self, opt, device, rank=0, world=1):
        super().__init__(opt, device, rank, world)
        p = opt["path"]
        E = define_E(opt)
        if p.get("pretrain_model_E"):
            load_network(E, p["pretrain_model_E"], p["strict_load"])
        G = define_G(opt, in_nc=E.out_nc)
        if p.get("pretrain_model_G"):
            load_network(G, p["pretrain_model_G"], p["strict_load"])
        self.nets.update(E=E, G=G)
        if self.is_train:
            D = define_D(opt, opt["datasets"]["train"]["HR_size"], in_nc=E.out_nc)
            if p.get("pretrain_model_D"):
                load_network(D, p["pretrain_model_D"], p["strict_load"], rrdb=False)
            self.nets["D"] = D
        self._finish_nets()
        if self.is_train:
            build_content_losses(self, opt, device)
            self._adam("G", list(E.parameters()) + list(G.parameters()), "G")
            self._adam("D", list(E.parameters()) + list(D.parameters()), "D")
            for net in self.nets.values():
                net.train()

    def generator(self):
        return FsGenerator(self.nets["E"], self.nets["G"])

    def optimize_parameters(self, step):
        E, G, D = self.net("E"), self.net("G"), self.nets["D"]     # frozen D in the G step: the bare network
        log = {}
        update_g = step % self.d_ratio == 0 and step > self.d_init
        with torch.set_grad_enabled(update_g), self.autocast():    # no G graph when G is not updated (DDP)
            sr = G(E(self.lr)).float()
        if update_g:
            self.set_requires_grad(D, False)
            with self.autocast():
                total = content_terms(self, sr, self.hr, log)
                if self.l_gan_w > 0:
                    with torch.no_grad():
                        real = D(E(self.hr)).float()
                    fake = D(E(sr)).float()   # gradients reach G, and E through both E(LR) and E(SR)
                    l = self.l_gan_w * ragan_g_loss(self.cri_gan, real, fake)
                    log["l_g_gan"] = l.item()
                    total = total + l
            log["l_g_total"] = total.item()
            self._step("G", total)
            self.set_requires_grad(D, True)
        D = self.net("D")
        with self.autocast():
            real = D(E(self.hr)).float()
            fake = D(E(sr.detach())).float()
            l_d_real = 0.5 * self.cri_gan(real - fake.mean(), True)
            l_d_fake = 0.5 * self.cri_gan(fake - real.mean(), False)
        self._step("D", l_d_real + l_d_fake)
        log.update(l_d_real=l_d_real.item(), l_d_fake=l_d_fake.item(), D_real=real.mean().item(),
                   D_fake=fake.mean().item())
        return log
