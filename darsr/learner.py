"""The per-image DARSR procedure: stage A trains DSEM, stage B trains G, D and DARM jointly
through the frozen SRFBN-S; inference corrects the whole LR image and super-resolves it.

Schedules are those of the paper's 3000-iteration run, scaled with ``--num_iters`` (and DSEM's
with ``--dsem_iters``) so a shorter preset keeps their shape; at 3000 they are the authors' ones.

``--precision`` (``common.precision``): the forward passes run under autocast, their outputs are
cast to float32 before the losses, so losses and optimizer state stay fp32; backward and steps go
through a GradScaler (a pass-through except fp16 on CUDA). fp32 uses no autocast at all. The final
correction runs DARM in the precision it was trained in; the SR images the run returns (SRFBN-S on the
corrected and on the raw LR) are computed in fp32 whatever the precision: they take a second, and
SRFBN-S in bf16 cost 0.014 dB on make bench's image.
"""
import contextlib
import time

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from common.evaluate import evaluate_pair
from common.precision import autocast, check, grad_scaler
from darsr import correction_filter, frozen_sr
from darsr.data import PatchSampler
from darsr.losses import DownScaleLoss, KernelConstraints, shave, sobel_magnitude
from darsr.networks import DARM, DSEM, Discriminator, Downsampler, FixedKernel

PAPER_ITERS = 3000


def _period(base, iters, total=PAPER_ITERS):
    return max(1, int(round(base * iters / total)))


def pick_device(name):
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda: no CUDA device is available")
    return name


def dsem_step(dsem, opt, b, precision="fp32", device="cpu", scaler=None):
    """One DSEM update: bicubic-downscaled patches (``y_b``) towards score 0, native ones (``x``) towards 1.

    The forward passes run under ``autocast(precision, device)``, the loss in float32; ``scaler`` is
    the run's ``grad_scaler`` (None: plain backward and step)."""
    with autocast(precision, device):
        zero, one = dsem(b["y_b"]), dsem(b["x"])
    zero, one = zero.float(), one.float()
    loss = F.mse_loss(zero, torch.zeros_like(zero)) + F.mse_loss(one, torch.ones_like(one))
    opt.zero_grad(set_to_none=True)
    if scaler is None:
        loss.backward()
        opt.step()
        return
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()


def train_dsem(sampler, conf, device, progress=True):
    """Stage A: DSEM learns score 0 for bicubic-downscaled patches, 1 for native ones; returns it frozen."""
    torch.manual_seed(conf.seed)
    dsem = DSEM().to(device)
    opt = torch.optim.Adam(dsem.parameters(), lr=1e-4, betas=(0.9, 0.999))
    sched = torch.optim.lr_scheduler.StepLR(opt, _period(100, conf.dsem_iters), 0.5)
    scaler = grad_scaler(conf.precision, device)
    for _ in tqdm(range(conf.dsem_iters), desc="DSEM", disable=not progress, leave=False):
        dsem_step(dsem, opt, sampler.sample(conf.batch_size), conf.precision, device, scaler)
        sched.step()
    return dsem.eval().requires_grad_(False)


class Learner:
    """G, D and DARM with their optimisers and the KernelGAN lambda schedule, for one run."""

    def __init__(self, conf, sr_net, dsem, device, kernel=None):
        """``kernel``: a known kernel (correlation form, ``make_div2krk``'s convention) that replaces G; then
        G and D are not trained and DARM learns its correction through that kernel (the stage's ceiling)."""
        torch.manual_seed(conf.seed)
        s = conf.scale_factor
        self.conf, self.sr, self.dsem, self.device = conf, sr_net, dsem, device
        self.fixed = kernel is not None
        self.G = (FixedKernel(kernel, s) if self.fixed else Downsampler(s, normalize=conf.normalize_kernel)).to(device)
        self.D = Discriminator().to(device)
        self.darm = DARM()
        if conf.darm_init == "identity":
            self.darm.init_identity()
        self.darm = self.darm.to(device)
        betas = (conf.beta1, 0.999)
        self.opt_G = None if self.fixed else torch.optim.Adam(self.G.parameters(), lr=conf.lr_G_DN, betas=betas)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=conf.lr_D_DN, betas=betas)
        self.opt_darm = torch.optim.Adam(self.darm.parameters(), lr=conf.lr_G_UP, betas=betas)
        self.precision = check(conf.precision, device)
        self.scaler = grad_scaler(self.precision, device)   # one for the three optimisers, updated per step
        self.sched_darm = torch.optim.lr_scheduler.StepLR(self.opt_darm, _period(1000, conf.num_iters), 0.5)
        self.gd_period = _period(750, conf.num_iters)
        self.lambda_period = _period(200, conf.num_iters)
        self.bicubic = DownScaleLoss(s, mixed=conf.bicubic_loss == "mixed").to(device)
        self.constraints = KernelConstraints(self.G.kernel_size, s).to(device)
        self.lambda_bicubic, self.lambda_centralized, self.lambda_sparse = 5.0, 0.0, 0.0
        self.similar_to_bicubic, self.bicubic_count, self.constraints_on = False, 0, False

    def _sr(self, x):
        return frozen_sr.sr_forward(self.sr, x)

    def step(self, b, it):
        """One joint iteration on a batch; returns the losses as floats."""
        c = self.conf
        y, y_b, x, x_up = b["y"], b["y_b"], b["x"], b["x_up"]
        with autocast(self.precision, self.device):
            x_c = self.G(y)
            n = x_c.shape[-1]
            x_b = self.darm(x_c)
            sr_y = self._sr(x_b)
            x_a = self.darm(x)
            lr_sr = self._sr(x_a)
            rec = self.G(lr_sr)
            d_fake = None if self.fixed else self.D(x_c)
            with torch.no_grad():
                s_bic, s_real = self.dsem(shave(y_b, n)), self.dsem(shave(x, n))
            # the four scored batches share one DSEM pass (DSEM has no batch statistics)
            sc = self.dsem(torch.cat((x_b, shave(x_a, n), x_c, rec)))
        # losses in float32 (a no-op at fp32)
        x_c, x_b, sr_y, x_a, lr_sr, rec = (t.float() for t in (x_c, x_b, sr_y, x_a, lr_sr, rec))
        s_bic, s_real, sc = s_bic.float(), s_real.float(), sc.float().view(4, -1)

        loss_gan = 0.0 if self.fixed else F.mse_loss(d_fake.float(), torch.ones_like(d_fake.float()))
        loss_fwd = c.lambda_cycle * (F.l1_loss(x_b, shave(y_b, n)) + F.l1_loss(sr_y, shave(y, sr_y.shape[-1])))
        loss_bwd = c.lambda_cycle * F.l1_loss(rec, shave(x, n))
        mask = 1 - sobel_magnitude(x_up).clamp(0, 1)
        loss_interp = c.lambda_interp * F.l1_loss(lr_sr * mask, x_up * mask)
        loss_bic, loss_reg = self._regularisation(y, x_c)
        loss_zero = ((sc[0] - s_bic) ** 2).mean() + ((sc[1] - s_bic) ** 2).mean()
        loss_one = ((sc[2] - s_real) ** 2).mean() + ((sc[3] - s_real) ** 2).mean()
        total = loss_gan + loss_fwd + loss_bwd + loss_interp + loss_reg + loss_zero + loss_one

        self.opt_darm.zero_grad(set_to_none=True)
        if self.fixed:      # G is the known kernel: the G-only terms are constants and D has nothing to teach
            self.scaler.scale(total).backward()
            self.scaler.step(self.opt_darm)
            self.scaler.update()
            self.sched_darm.step()
            return {"total": total.item(), "bicubic": loss_bic.item(), "D": 0.0}
        self.opt_G.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self.scaler.step(self.opt_darm)
        self.scaler.step(self.opt_G)
        loss_d = self._d_step(shave(x, n), x_c)
        self.sched_darm.step()
        self._update_schedule(it + 1, loss_bic.item())
        return {"total": total.item(), "bicubic": loss_bic.item(), "D": loss_d.item()}

    def kernel_step(self, b, it):
        """One KernelGAN iteration: G and D only (GAN loss and kernel regularisation), no DARM, SRFBN-S or
        DSEM; what ``--correction analytic`` trains before it computes the closed-form correction."""
        y, x = b["y"], b["x"]
        with autocast(self.precision, self.device):
            x_c = self.G(y)
            d_fake = self.D(x_c)
        x_c, d_fake = x_c.float(), d_fake.float()
        loss_bic, loss_reg = self._regularisation(y, x_c)
        total = F.mse_loss(d_fake, torch.ones_like(d_fake)) + loss_reg
        self.opt_G.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self.scaler.step(self.opt_G)
        loss_d = self._d_step(shave(x, x_c.shape[-1]), x_c)
        self._update_schedule(it + 1, loss_bic.item())
        return {"total": total.item(), "bicubic": loss_bic.item(), "D": loss_d.item()}

    def _regularisation(self, y, x_c):
        """(bicubic loss, KernelGAN's weighted regularisation of G's kernel)."""
        k = self.G.kernel()
        kc = self.constraints
        loss_bic = self.bicubic(y, x_c)
        loss_reg = self.conf.lambda_regularization * (
            self.lambda_bicubic * loss_bic + 0.5 * kc.sum_to_one(k) + 0.5 * kc.boundaries(k)
            + self.lambda_centralized * kc.centralized(k) + self.lambda_sparse * kc.sparsity(k))
        return loss_bic, loss_reg

    def _d_step(self, real, fake):
        """D's LSGAN update on native patches (1) and G's outputs (0); updates the shared scaler."""
        self.opt_D.zero_grad(set_to_none=True)
        with autocast(self.precision, self.device):
            d_real, d_fake = self.D(real), self.D(fake.detach())
        d_real, d_fake = d_real.float(), d_fake.float()
        loss_d = 0.5 * (F.mse_loss(d_real, torch.ones_like(d_real)) + F.mse_loss(d_fake, torch.zeros_like(d_fake)))
        self.scaler.scale(loss_d).backward()
        self.scaler.step(self.opt_D)
        self.scaler.update()
        return loss_d

    def _update_schedule(self, it, loss_bic):
        if it % self.gd_period == 0 and it < self.conf.num_iters:
            for opt in (self.opt_G, self.opt_D):
                for g in opt.param_groups:
                    g["lr"] /= 4.0
        if not self.similar_to_bicubic:
            self.bicubic_count = self.bicubic_count + 1 if loss_bic < 0.4 else 0
            self.similar_to_bicubic = self.bicubic_count >= 3
        elif it % self.lambda_period == 0:
            self.lambda_bicubic = max(self.lambda_bicubic / 100.0, 5e-6)
            if self.lambda_bicubic < 5e-3 and not self.constraints_on:
                self.lambda_centralized, self.lambda_sparse, self.constraints_on = 1.0, 5.0, True

    @torch.inference_mode()
    def infer(self, lr):
        """Corrected LR (uint8) and SR (uint8) of a whole image given as a 1x3xHxW tensor."""
        self.darm.eval()
        with autocast(self.precision, self.device):      # as DARM was trained
            corrected = self.darm(lr)
        self.darm.train()
        img = frozen_sr.to_image(corrected.float())
        return img, frozen_sr.upscale(self.sr, img, tile=self.conf.tile or None)

    def kernel(self):
        with torch.no_grad():
            return self.G.kernel().cpu().numpy().astype(np.float64)


def _scored(out, gt, s):
    """``out`` with the PSNR/SSIM of ours and of SRFBN-S against ``gt`` (unchanged without a GT)."""
    if gt is not None:
        m_ours, m_base = _metrics(out["ours"], gt, s), _metrics(out["srfbns"], gt, s)
        out.update(psnr=m_ours["psnr"], ssim=m_ours["ssim"], psnr_srfbns=m_base["psnr"], ssim_srfbns=m_base["ssim"])
    return out


def _metrics(sr, gt, s):
    """PSNR/SSIM of the project's convention; a gray GT is scored as gray (SR reduced to it)."""
    r = evaluate_pair(sr, gt, s)
    return {"psnr": r["psnr"], "ssim": r["ssim"]}


@contextlib.contextmanager
def flush_denormals():
    """Denormal floats flushed to zero on the CPU while the block runs. The identity-initialised DARM
    (a zero tail) sends gradients of denormal size through SRFBN-S in the first iterations; on x86
    each denormal operation takes ~100 cycles, and joint iterations were measured at 9-14 s instead
    of 0.3 s (2 threads) until they left that range. Flushing changes only values below 1.2e-38."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def run_image(lr, conf, gt=None, name="image", progress=False, log=None, sr_net=None, kernel=None):
    """DARSR on one uint8 LR image (denormals flushed while it runs, see ``flush_denormals``). Returns a dict: corrected, ours, srfbns (uint8), kernel,
    seconds, protocol, stage timings and, with ``gt``, the metrics of ours and of SRFBN-S.

    ``gt`` is used only to report metrics, unless ``conf.oracle``: then the authors' protocol
    (``conf.restarts`` runs, the result with the best PSNR against ``gt`` is kept) is used.
    ``sr_net``: the frozen SR network (None: the bundled SRFBN-S on ``conf.device``).
    ``kernel``: the true kernel (correlation form, ``make_div2krk``'s convention) in G's place, for DARM's
    correction only (``--correction darm``): the ceiling of the correction stage, not a blind result.
    """
    with flush_denormals():
        return _run_image(lr, conf, gt, name, progress, log, sr_net, kernel)


def _run_image(lr, conf, gt, name, progress, log, sr_net=None, kernel=None):
    t0 = time.perf_counter()
    s = conf.scale_factor
    device = pick_device(conf.device)
    precision = check(conf.precision, device)       # PrecisionError (a ValueError) before any work
    if conf.threads:
        torch.set_num_threads(conf.threads)
    if lr.ndim == 2:
        lr = np.repeat(lr[:, :, None], 3, axis=2)
    if gt is not None:
        if gt.shape[:2] != (lr.shape[0] * s, lr.shape[1] * s):
            raise ValueError(f"{name}: GT is {gt.shape[1]}x{gt.shape[0]}, expected {s}x the LR "
                             f"({lr.shape[1] * s}x{lr.shape[0] * s})")
    if conf.oracle and gt is None:
        raise ValueError(f"{name}: --oracle needs a ground truth")
    sampler = PatchSampler(lr, s, conf.input_crop_size, seed=conf.seed, device=device, name=name)
    if sr_net is None:
        sr_net = frozen_sr.load(s, device=device)
    lr_t = frozen_sr.to_tensor(lr, device)
    srfbns = frozen_sr.upscale(sr_net, lr, tile=conf.tile or None)

    if conf.correction == "analytic":
        return _run_analytic(lr, lr_t, conf, gt, name, progress, sampler, sr_net, srfbns, device, t0)
    t_a = time.perf_counter()
    dsem = train_dsem(sampler, conf, device, progress)
    t_b = time.perf_counter()

    best = None
    runs = conf.restarts if conf.oracle else 1
    eval_start = _period(200, conf.num_iters)
    for run in range(runs):
        learner = Learner(conf, sr_net, dsem, device, kernel=kernel)
        bar = tqdm(range(conf.num_iters), desc=f"SR run {run + 1}/{runs}", disable=not progress, leave=False)
        for it in bar:
            if conf.oracle and (it == 0 or (it >= eval_start and it % conf.eval_iters == 0)):
                best = _oracle_pick(learner, lr_t, gt, s, best)
            learner.step(sampler.sample(conf.batch_size), it)
        if conf.oracle:
            best = _oracle_pick(learner, lr_t, gt, s, best)
            if log:
                log(f"{name}: oracle run {run + 1}: best PSNR so far {best['psnr']:.2f} dB (GT-selected)")
    t_c = time.perf_counter()
    if not conf.oracle:
        corrected, ours = learner.infer(lr_t)
        best = {"corrected": corrected, "ours": ours, "kernel": learner.kernel()}
    out = {"corrected": best["corrected"], "ours": best["ours"], "kernel": best["kernel"], "srfbns": srfbns,
           "protocol": conf.protocol, "seconds": time.perf_counter() - t0,
           "seconds_dsem": t_b - t_a, "seconds_sr": t_c - t_b,
           "dsem_iters": conf.dsem_iters, "num_iters": conf.num_iters * runs}
    return _scored(out, gt, s)


def _run_analytic(lr, lr_t, conf, gt, name, progress, sampler, sr_net, srfbns, device, t0):
    """``--correction analytic``: G and D trained as in KernelGAN (no DSEM, DARM or SRFBN-S in the loop),
    then the closed-form correction filter of G's kernel (``darsr.correction_filter``), then SRFBN-S."""
    s = conf.scale_factor
    learner = Learner(conf, sr_net, None, device)
    t_b = time.perf_counter()
    for it in tqdm(range(conf.kernelgan_iters), desc="G/D (KernelGAN)", disable=not progress, leave=False):
        learner.kernel_step(sampler.sample(conf.batch_size), it)
    t_c = time.perf_counter()
    kernel = learner.kernel()
    applied = correction_filter.shrink_kernel(kernel[::-1, ::-1], s, conf.correction_shrink)   # correlation form
    corrected = correction_filter.correct(lr, applied, s, eps=conf.correction_eps)
    ours = frozen_sr.upscale(sr_net, corrected, tile=conf.tile or None)
    out = {"corrected": corrected, "ours": ours, "kernel": kernel, "srfbns": srfbns, "protocol": conf.protocol,
           "seconds": time.perf_counter() - t0, "seconds_dsem": 0.0, "seconds_sr": t_c - t_b,
           "dsem_iters": 0, "num_iters": conf.kernelgan_iters}
    return _scored(out, gt, s)


def estimate_seconds(lr, conf):
    """Seconds DARSR will take on ``lr`` with ``conf``: one DSEM and one joint iteration timed (after one
    warm-up each) on throwaway networks, times the preset's iteration counts (restarts included)."""
    device = pick_device(conf.device)
    if lr.ndim == 2:
        lr = np.repeat(lr[:, :, None], 3, axis=2)
    with flush_denormals():
        sampler = PatchSampler(lr, conf.scale_factor, conf.input_crop_size, seed=conf.seed, device=device)
        dsem = DSEM().to(device)
        opt = torch.optim.Adam(dsem.parameters(), lr=1e-4)
        frozen = DSEM().to(device).eval().requires_grad_(False)
        learner = Learner(conf, frozen_sr.load(conf.scale_factor, device=device), frozen, device)
        seconds = []
        for fn in (lambda: dsem_step(dsem, opt, sampler.sample(conf.batch_size), conf.precision, device),
                   lambda: learner.step(sampler.sample(conf.batch_size), 0),
                   lambda: learner.kernel_step(sampler.sample(conf.batch_size), 0)):
            fn()
            t0 = time.perf_counter()
            fn()
            seconds.append(time.perf_counter() - t0)
    if conf.correction == "analytic":
        return conf.kernelgan_iters * seconds[2]
    runs = conf.restarts if conf.oracle else 1
    return conf.dsem_iters * seconds[0] + conf.num_iters * runs * seconds[1]


def _oracle_pick(learner, lr_t, gt, s, best):
    corrected, ours = learner.infer(lr_t)
    psnr = _metrics(ours, gt, s)["psnr"]
    if best is None or psnr > best["psnr"]:
        best = {"psnr": psnr, "corrected": corrected, "ours": ours, "kernel": learner.kernel()}
    return best
