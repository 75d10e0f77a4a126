"""A measuring stick, not part of ptychokit.

Times, in PyTorch on the same GPU, the computations that `ptychokit bench` times,
so that each ptychokit figure can be reported as a ratio measured side by side:

  * the PtychoPINN network of ../shared/DESIGN.md (encoder 3 blocks of
    Conv3x3+ReLU, Conv3x3+ReLU, MaxPool2; two decoders Conv,Conv,Upsample×2;
    sigmoid amplitude, pi*tanh phase, zero-padded to N; gridsize 2 merges the
    C=4 patches of a group on one canvas by bilinear translation), the physics
    layer (probe × patch -> FFT2 -> |.|^2, fftshift) and the Poisson NLL, one
    Adam training step; and inference (forward only);
  * one iteration of a batched rPIE-style solver on the experimental Siemens
    star (516 patterns of 128², mini-batches of positions).

Written for this project from the specification; float32 throughout (TF32 off,
as in ptychokit's default). Prints one JSON object on stdout.

Usage: python3 bench/peers.py [--quick] [--compile] [--star PATH]
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")


def block_enc(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2))


def block_dec(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(),
                         nn.Upsample(scale_factor=2, mode="nearest"))


class PINN(nn.Module):
    def __init__(self, N=64, gridsize=1, nfs=2):
        super().__init__()
        C = gridsize * gridsize
        self.N, self.C = N, C
        enc = [32 * nfs, 64 * nfs, 128 * nfs] if N == 64 else [16 * nfs, 32 * nfs, 64 * nfs, 128 * nfs]
        dec = [64 * nfs, 32 * nfs] if N == 64 else [64 * nfs, 32 * nfs, 16 * nfs]
        layers, cin = [], C
        for f in enc:
            layers.append(block_enc(cin, f))
            cin = f
        self.encoder = nn.Sequential(*layers)

        def decoder():
            ls, c = [], enc[-1]
            for f in dec:
                ls.append(block_dec(c, f))
                c = f
            ls.append(nn.Conv2d(c, C, 3, padding=1))
            return nn.Sequential(*ls)
        self.dec_amp, self.dec_phase = decoder(), decoder()
        self.log_scale = nn.Parameter(torch.tensor(math.log(math.sqrt(1e9) / (N / 2))))

    def forward(self, x):
        z = self.encoder(x / torch.exp(self.log_scale))
        amp = torch.sigmoid(self.dec_amp(z))
        phase = math.pi * torch.tanh(self.dec_phase(z))
        p = self.N // 4
        amp = F.pad(amp, (p, p, p, p))
        phase = F.pad(phase, (p, p, p, p))
        return torch.polar(amp, phase)  # [B, C, N, N] complex64


def translate(img, dx, dy):
    """Bilinear shift of each [N,N] image by (dx, dy) pixels (zero fill)."""
    B, C, N, _ = img.shape
    theta = torch.zeros(B * C, 2, 3, device=img.device)
    theta[:, 0, 0] = 1
    theta[:, 1, 1] = 1
    theta[:, 0, 2] = -2 * dx.reshape(-1) / N
    theta[:, 1, 2] = -2 * dy.reshape(-1) / N
    grid = F.affine_grid(theta, (B * C, 1, N, N), align_corners=False)
    re = F.grid_sample(img.real.reshape(B * C, 1, N, N), grid, align_corners=False)
    im = F.grid_sample(img.imag.reshape(B * C, 1, N, N), grid, align_corners=False)
    return torch.complex(re, im).reshape(B, C, N, N)


def merge(patches, dx, dy):
    """Per-group overlap average (object_big): place, average, cut back out."""
    B, C, N, _ = patches.shape
    mask = torch.zeros_like(patches.real)
    p = N // 4
    mask[:, :, p:N - p, p:N - p] = 1
    placed = translate(patches, dx, dy).sum(1, keepdim=True)
    weight = translate(torch.complex(mask, torch.zeros_like(mask)), dx, dy).real.sum(1, keepdim=True)
    canvas = placed / (weight + 1e-3)
    return translate(canvas.expand(B, C, N, N), -dx, -dy)


def physics(model, patches, probe):
    psi = patches * probe
    I = torch.fft.fftshift(torch.abs(torch.fft.fft2(psi)) ** 2, dim=(-2, -1)) / (model.N ** 2)
    return I * torch.exp(2 * model.log_scale)


def timeit(fn, iters, warm=3):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t) / iters


def bench_pinn(N, gs, B, compile_, iters):
    C = gs * gs
    model = PINN(N, gs).to(dev)
    probe = torch.randn(N, N, dtype=torch.complex64, device=dev)
    x = torch.rand(B, C, N, N, device=dev) * 10
    k = x ** 2
    dx = torch.randn(B, C, device=dev) * 4
    dy = torch.randn(B, C, device=dev) * 4
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss_fn():
        patches = model(x)
        if gs > 1:
            patches = merge(patches, dx, dy)
        lam = physics(model, patches, probe)
        return (lam - k * torch.log(lam + 1e-12)).mean()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn().backward()
        opt.step()

    fwd = model
    if compile_:
        step = torch.compile(step)
        fwd = torch.compile(model)

    @torch.no_grad()
    def infer():
        fwd(x)
    t_step = timeit(step, iters)
    t_inf = timeit(infer, iters)
    params = sum(p.numel() for p in model.parameters())
    return {"N": N, "gridsize": gs, "batch": B, "params": params,
            "train_step_s": t_step, "train_patterns_per_s": B * C / t_step,
            "infer_s": t_inf, "infer_patterns_per_s": B * C / t_inf}


def bench_solver(path, iters, batch=64):
    """One rPIE-style epoch over all positions in mini-batches (object and probe updates)."""
    d = np.load(path)
    amp = torch.tensor(d["diffraction"], device=dev)
    amp = torch.fft.ifftshift(amp, dim=(-2, -1))
    probe = torch.tensor(d["probeGuess"], device=dev)
    x = torch.tensor(d["xcoords"], device=dev)
    y = torch.tensor(d["ycoords"], device=dev)
    n, N = amp.shape[0], amp.shape[-1]
    H = int(math.ceil(float(y.max()))) + N
    W = int(math.ceil(float(x.max()))) + N
    obj = torch.ones(H, W, dtype=torch.complex64, device=dev)
    iy = (y.round().long() - N // 2).clamp(min=0)
    ix = (x.round().long() - N // 2).clamp(min=0)
    ar = torch.arange(N, device=dev)
    rows = (iy[:, None] + ar[None, :])[:, :, None].expand(n, N, N)
    cols = (ix[:, None] + ar[None, :])[:, None, :].expand(n, N, N)
    alpha = 0.1
    costs = []

    def epoch():
        nonlocal obj, probe
        cost = 0.0
        for s in range(0, n, batch):
            r, c = rows[s:s + batch], cols[s:s + batch]
            patch = obj[r, c]
            psi = patch * probe
            Fpsi = torch.fft.fft2(psi)
            mag = Fpsi.abs()
            cost = cost + ((mag - amp[s:s + batch]) ** 2).sum()
            Fnew = amp[s:s + batch] * Fpsi / (mag + 1e-9)
            dpsi = torch.fft.ifft2(Fnew) - psi
            p2 = probe.abs() ** 2
            upd = probe.conj() * dpsi / ((1 - alpha) * p2 + alpha * p2.max())
            obj = obj.index_put((r.reshape(-1), c.reshape(-1)), upd.reshape(-1), accumulate=True)
            o2 = patch.abs() ** 2
            probe = probe + (patch.conj() * dpsi).sum(0) / ((1 - alpha) * o2.sum(0) + alpha * o2.sum(0).max())
        costs.append(float(cost))
    t = timeit(epoch, iters, warm=2)
    return {"patterns": n, "N": N, "batch": batch, "iteration_s": t, "cost_first": costs[0], "cost_last": costs[-1]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--star", default="")
    ap.add_argument("--cases", default="", help="NxGxB,... (default: the six standard cases)")
    ap.add_argument("--out", default="", help="also write the JSON here after every case")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 in matmuls and convolutions (default: float32)")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    iters = 5 if a.quick else 20
    out = {"tool": "pytorch " + torch.__version__, "gpu": torch.cuda.get_device_name(0),
           "compiled": a.compile, "tf32": a.tf32, "pinn": [], "solver": None}
    cases = [(64, 1, 16), (64, 2, 16), (64, 1, 1024), (64, 2, 1024), (128, 1, 16), (128, 1, 256)]
    if a.quick:
        cases = cases[:2]
    if a.cases:
        cases = [tuple(int(v) for v in c.split("x")) for c in a.cases.split(",")]

    def save():
        if a.out:
            with open(a.out, "w") as f:
                json.dump(out, f, indent=1)

    if a.star:
        out["solver"] = bench_solver(a.star, 3 if a.quick else 10)
        save()
    for N, gs, B in cases:
        out["pinn"].append(bench_pinn(N, gs, B, a.compile, iters))
        save()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
