"""Stage 1 (the authors' ``DualSR_pretrain``): pixel_weight x [L1(SR_low) + L1(SR_high) + L1(SR_fused)]."""
import torch

from common.precision import autocast
from gdsr.losses import build_criterion
from gdsr.models.base_model import BaseModel


class DualSRPretrainModel(BaseModel):
    def __init__(self, opt):
        super().__init__(opt)
        t = self.train_opt
        self.cri_pix = build_criterion(t["pixel_criterion"]).to(self.device)
        self.l_pix_w = t["pixel_weight"]
        params = [p for p in self.netG.parameters() if p.requires_grad]
        self.optimizer_G = torch.optim.Adam(params, lr=t["lr_G"], weight_decay=t["weight_decay_G"],
                                            betas=(t["beta1_G"], t["beta2_G"]))
        self.make_scheduler(self.optimizer_G)

    def pixel_terms(self, low, high, fused):
        hr = self.var_H
        terms = {"l_g_pix_low": self.l_pix_w * self.cri_pix(low, hr),
                 "l_g_pix_high": self.l_pix_w * self.cri_pix(high, hr),
                 "l_g_pix_fused": self.l_pix_w * self.cri_pix(fused, hr)}
        return sum(terms.values()), terms

    def optimize_parameters(self, step):
        self.optimizer_G.zero_grad(set_to_none=True)
        with autocast(self.precision, self.device):
            low, high, fused = (o.float() for o in self.netG(self.var_L))
            l_g_pix, terms = self.pixel_terms(low, high, fused)
        self.scaler.scale(l_g_pix).backward()
        self.scaler.step(self.optimizer_G)
        self.scaler.update()
        self.log_dict = {"l_g_pix": l_g_pix.item(), **{k: v.item() for k, v in terms.items()}}
