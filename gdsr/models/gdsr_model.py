"""Stage 2 (the authors' ``DualSRModel``, ESRGAN-style RaGAN training of the dual network).

Generator loss: pixel_weight x [L1(low) + L1(high) + L1(fused)]
  + feature_weight x [cri_fea_low x L1(VGG(low), VGG(HR)) + cri_fea_high x L1(VGG(high), VGG(HR))]
  + gan_weight x RaGAN(D on SR_high only).
Discriminator loss: RaGAN on HR vs SR_high (detached). Loss weights from docs/papers/gdsr.md section 2.
"""
import torch

from common.precision import autocast
from gdsr.archs.discriminator_arch import DiscriminatorVGG128
from gdsr.archs.gdsr_arch import init_weights
from gdsr.losses import GANLoss, PerceptualLoss, ragan_g_loss
from gdsr.models.base_model import load_weights
from gdsr.models.pretrain_model import DualSRPretrainModel


class DualSRModel(DualSRPretrainModel):
    def __init__(self, opt):
        super().__init__(opt)
        t, d = self.train_opt, opt["network_D"]
        net_d = DiscriminatorVGG128(d["in_nc"], d["nf"], d["input_size"])
        init_weights(net_d, 1.0)
        if opt["path"]["pretrain_model_D"]:
            load_weights(net_d, opt["path"]["pretrain_model_D"], opt["path"]["strict_load"], what="D")
        self.netD = self.wrap(net_d.to(self.device, memory_format=self.layout))
        self.netD.train()
        self.l_fea_w = t["feature_weight"]
        self.fea_w = {"low": t["cri_fea_low"], "high": t["cri_fea_high"]}
        self.cri_fea = None
        if self.l_fea_w > 0:
            path = opt["path"]["vgg19"]
            self.cri_fea = PerceptualLoss(path, t["feature_layer"], t["feature_criterion"]).to(self.device)
        self.cri_gan = GANLoss(t["gan_type"]).to(self.device)
        self.l_gan_w = t["gan_weight"]
        self.d_ratio, self.d_init = t["D_update_ratio"], t["D_init_iters"]
        self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=t["lr_D"], weight_decay=t["weight_decay_D"],
                                            betas=(t["beta1_D"], t["beta2_D"]))
        self.make_scheduler(self.optimizer_D)

    def networks(self):
        return {"G": self.netG, "D": self.netD}

    def optimize_parameters(self, step):
        log = {}
        update_g = step % self.d_ratio == 0 and step > self.d_init
        net_d = self.bare(self.netD)     # G step: plain module, so D's DDP reducer only sees the D step
        for p in self.netD.parameters():
            p.requires_grad_(False)
        self.optimizer_G.zero_grad(set_to_none=True)
        # forwards and losses under autocast; every network output is cast to fp32 before its loss
        if update_g:
            with autocast(self.precision, self.device):
                low, high, fused = (o.float() for o in self.netG(self.var_L))
                l_g_pix, terms = self.pixel_terms(low, high, fused)
                log["l_g_pix"] = l_g_pix.item()
                log.update({k: v.item() for k, v in terms.items()})
                l_g_total = l_g_pix
                if self.cri_fea is not None:
                    real_fea = self.cri_fea.target(self.var_H)
                    for name, out in (("low", low), ("high", high)):
                        if self.fea_w[name] > 0:
                            l = self.l_fea_w * self.fea_w[name] * self.cri_fea(out, real_fea)
                            log[f"l_g_fea_{name}"] = l.item()
                            l_g_total = l_g_total + l
                pred_g_fake = net_d(high).float()
                pred_d_real = net_d(self.var_H).detach().float()
                l_g_gan = self.l_gan_w * ragan_g_loss(self.cri_gan, pred_d_real, pred_g_fake)
                log["l_g_gan"] = l_g_gan.item()
            self.scaler.scale(l_g_total + l_g_gan).backward()
            self.scaler.step(self.optimizer_G)
        else:
            with torch.no_grad(), autocast(self.precision, self.device):
                high = self.netG(self.var_L)[1].float()

        for p in self.netD.parameters():
            p.requires_grad_(True)
        self.optimizer_D.zero_grad(set_to_none=True)
        with autocast(self.precision, self.device):
            pred_d_real = self.netD(self.var_H).float()
            pred_d_fake = self.netD(high.detach()).float()
            l_d_real = self.cri_gan(pred_d_real - pred_d_fake.mean(), True)
            l_d_fake = self.cri_gan(pred_d_fake - pred_d_real.mean(), False)
        self.scaler.scale((l_d_real + l_d_fake) / 2).backward()
        self.scaler.step(self.optimizer_D)
        self.scaler.update()     # once per iteration, after both optimizers (one scaler for G and D)
        log.update(l_d_real=l_d_real.item(), l_d_fake=l_d_fake.item(),
                   D_real=pred_d_real.detach().mean().item(), D_fake=pred_d_fake.detach().mean().item())
        self.log_dict = log
