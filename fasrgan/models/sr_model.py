"""PSNR-oriented stage: L1 only. RRDBNet for FASRGAN/ESRGAN (``RRDB_PSNR_x4``), or E + G trained
jointly for Fs-SRGAN (the authors' ``FsSRModel``) when the options have a ``network_E``."""
from fasrgan.archs import FsGenerator
from fasrgan.losses import build_pixel_loss
from fasrgan.models.base_model import BaseModel
from fasrgan.models.networks import define_E, define_G, load_network


class SRModel(BaseModel):
    def __init__(self, opt, device, rank=0, world=1):
        super().__init__(opt, device, rank, world)
        p = opt["path"]
        if "network_E" in opt:
            E = define_E(opt)
            if p.get("pretrain_model_E"):
                load_network(E, p["pretrain_model_E"], p["strict_load"])
            self.nets["E"] = E
        G = define_G(opt, in_nc=self.nets["E"].out_nc if "E" in self.nets else None)
        if p.get("pretrain_model_G"):
            load_network(G, p["pretrain_model_G"], p["strict_load"])
        self.nets["G"] = G
        self._finish_nets()
        if self.is_train:
            t = opt["train"]
            self.cri_pix = build_pixel_loss(t["pixel_criterion"])
            self.l_pix_w = t["pixel_weight"]
            params = [q for n in ("E", "G") if n in self.nets for q in self.nets[n].parameters()]
            self._adam("G", params, "G")
            for net in self.nets.values():
                net.train()

    def generator(self):
        if "E" in self.nets:
            return FsGenerator(self.nets["E"], self.nets["G"])
        return self.nets["G"]

    def optimize_parameters(self, step):
        with self.autocast():
            x = self.net("E")(self.lr) if "E" in self.nets else self.lr
            sr = self.net("G")(x).float()
            l_pix = self.l_pix_w * self.cri_pix(sr, self.hr)
        self._step("G", l_pix)
        return {"l_pix": l_pix.item()}
