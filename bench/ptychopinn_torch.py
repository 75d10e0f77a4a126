"""A measuring stick, not part of ptychokit: PtychoPINN's own PyTorch model.

Times hoidn/PtychoPINN's `ptycho_torch` model — `PtychoPINN_Lightning` built from
its default `config_params` (CBAM encoder, its default generator), N = 64 — on
the same GPU as `ptychokit bench`, so the two can be reported as ratios from one
run:

  * training: the module's own `compute_loss(batch)`, `backward()` and one step
    of the optimiser its `configure_optimizers()` returns (the body of its
    `training_step` without Lightning's logging and trainer);
  * inference: its `forward_predict` (the network only, as `ptychokit bench`'s
    inference figure), eager and under `torch.compile`.

The batches are synthetic but shaped as its dataloader makes them: images
(B, C, N, N) diffraction amplitudes, coords_relative (B, C, 1, 2), probe
(B, C|1, 1, N, N) complex64, scale constants (B, 1, 1, 1). Gridsize 1 runs with
object_big off (one patch: nothing to reassemble), gridsize 2 with its default
(on).

The `ptycho_torch` package is not part of this repository: copy it (and
`ptycho/image/cropping.py`, which its helper imports) from a checkout of
hoidn/PtychoPINN and give the directory with --repo. Modules that only its
training driver and data pipeline use (mlflow, tensordict, and lightning where
it is missing) are replaced by empty stand-ins before the import; the JSON says
which. Nothing in the timed path is stubbed.

Usage: python3 bench/ptychopinn_torch.py --repo DIR [--tf32] [--compile]
       [--cases 1x16,2x16,1x1024,2x1024] [--out FILE]
"""
import argparse
import importlib
import json
import os
import sys
import time
import traceback
import types


class Anything:
    """Any attribute, any call, any base class: what a stand-in module hands out."""

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return self

    def __getattr__(self, _):
        return Anything()

    def __mro_entries__(self, bases):
        return (object,)


class StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()


# Modules that only the training driver, the data pipeline and the optional
# generators import; stood in for when the machine lacks them.
STUBBABLE = {"mlflow", "tensordict", "neuraloperator", "scipy", "pandas"}
STUBBED = []


class StubFinder:
    """Last on sys.meta_path: consulted only when the real import fails."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in STUBBABLE:
            return None
        import importlib.machinery
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        m = StubModule(spec.name)
        m.__path__ = []
        if spec.name.split(".")[0] not in STUBBED:
            STUBBED.append(spec.name.split(".")[0])
        return m

    def exec_module(self, module):
        pass


def install_stubs():
    """Stand-ins for modules off the timed path that the machine lacks."""
    sys.meta_path.append(StubFinder())
    try:
        importlib.import_module("lightning")
    except ImportError:
        import torch.nn as nn

        class LightningModule(nn.Module):
            def save_hyperparameters(self, *a, **k):
                pass

            def log(self, *a, **k):
                pass

        STUBBABLE.add("lightning")
        importlib.import_module("lightning").LightningModule = LightningModule
    return STUBBED


def import_ptycho_torch(repo):
    sys.path.insert(0, repo)
    # ptycho_torch.helper imports ptycho.image.cropping; load that file alone,
    # without ptycho's and ptycho.image's package initialisers (TensorFlow).
    for pkg, sub in (("ptycho", "ptycho"), ("ptycho.image", "ptycho/image")):
        if pkg not in sys.modules:
            m = types.ModuleType(pkg)
            m.__path__ = [os.path.join(repo, sub)]
            sys.modules[pkg] = m
    cp = importlib.import_module("ptycho_torch.config_params")
    model = importlib.import_module("ptycho_torch.model")
    return cp, model


def build(cp, model_mod, gs, batch, N=64):
    C = gs * gs
    dc = cp.DataConfig(N=N, C=C, grid_size=(gs, gs))
    mc = cp.ModelConfig(C_model=C, C_forward=C, object_big=(gs > 1))
    tc = cp.TrainingConfig(batch_size=batch)
    ic = cp.InferenceConfig()
    return model_mod.PtychoPINN_Lightning(mc, dc, tc, ic), dc, mc


def synthetic_batch(torch, gs, batch, object_big, N=64, seed=0):
    g = torch.Generator(device="cpu").manual_seed(seed)
    C = gs * gs
    images = torch.rand(batch, C, N, N, generator=g) * 3.0
    coords = (torch.rand(batch, C, 1, 2, generator=g) - 0.5) * 8.0
    yy, xx = torch.meshgrid(torch.arange(N) - N / 2, torch.arange(N) - N / 2, indexing="ij")
    probe = torch.exp(-(xx ** 2 + yy ** 2) / (2 * (N / 8) ** 2)).to(torch.complex64)
    pc = C if object_big else 1
    probe = probe.reshape(1, 1, 1, N, N).expand(batch, pc, 1, N, N).contiguous()
    ones = torch.ones(batch, 1, 1, 1)
    fields = {
        "images": images, "coords_relative": coords,
        "experiment_id": torch.zeros(batch, dtype=torch.long),
        "rms_scaling_constant": ones.clone(), "physics_scaling_constant": ones.clone(),
    }
    dev = torch.device("cuda")
    fields = {k: v.to(dev) for k, v in fields.items()}
    return (fields, probe.to(dev), ones.to(dev))


def timed(torch, fn, warm, n):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) / n


def run_case(torch, cp, model_mod, gs, batch, do_compile, budget_s):
    res = {"gridsize": gs, "batch": batch, "patterns": batch * gs * gs}
    t_start = time.perf_counter()
    lm, dc, mc = build(cp, model_mod, gs, batch)
    lm = lm.cuda()
    res["params"] = sum(p.numel() for p in lm.parameters() if p.requires_grad)
    opt = lm.configure_optimizers()
    opt = opt["optimizer"] if isinstance(opt, dict) else opt
    b = synthetic_batch(torch, gs, batch, mc.object_big)
    losses = []

    def step():
        loss = lm.compute_loss(b)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.detach())

    n = max(5, min(200, 32768 // (batch * gs * gs)))
    lm.train()
    s = timed(torch, step, 5, n)
    res["train_step_s"] = s
    res["train_patterns_per_s"] = batch * gs * gs / s
    res["loss_first"] = float(losses[0])
    res["loss_last"] = float(losses[-1])
    lm.eval()
    x, pos = b[0]["images"], b[0]["coords_relative"]
    with torch.no_grad():
        s = timed(torch, lambda: lm.forward_predict(x, pos, b[1], b[0]["rms_scaling_constant"]), 5, n)
    res["infer_s"] = s
    res["infer_patterns_per_s"] = batch * gs * gs / s
    if do_compile and time.perf_counter() - t_start < budget_s:
        try:
            f = torch.compile(lm.forward_predict)
            with torch.no_grad():
                t0 = time.perf_counter()
                f(x, pos, b[1], b[0]["rms_scaling_constant"])
                torch.cuda.synchronize()
                res["compile_infer_first_s"] = time.perf_counter() - t0
                s = timed(torch, lambda: f(x, pos, b[1], b[0]["rms_scaling_constant"]), 5, n)
            res["infer_compiled_patterns_per_s"] = batch * gs * gs / s
        except Exception as e:  # noqa: BLE001 - report, do not stop the bench
            res["compile_error"] = repr(e)[:400]
    del lm, opt
    torch.cuda.empty_cache()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--cases", default="1x16,2x16,1x1024,2x1024")
    ap.add_argument("--budget_s", type=float, default=60.0, help="per case, before trying torch.compile")
    ap.add_argument("--out")
    a = ap.parse_args()
    import torch

    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    report = {"peer": "hoidn/PtychoPINN ptycho_torch PtychoPINN_Lightning, default config_params",
              "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "tf32": a.tf32}
    stubbed = install_stubs()
    cp, model_mod = import_ptycho_torch(a.repo)
    report["stubbed_modules"] = stubbed
    report["cases"] = []
    for c in a.cases.split(","):
        gs, batch = (int(v) for v in c.split("x"))
        try:
            r = run_case(torch, cp, model_mod, gs, batch, a.compile, a.budget_s)
        except Exception:  # noqa: BLE001
            r = {"gridsize": gs, "batch": batch, "error": traceback.format_exc()[-1500:]}
        print(json.dumps(r), file=sys.stderr, flush=True)
        report["cases"].append(r)
    out = json.dumps(report, indent=1)
    if a.out:
        with open(a.out, "w") as f:
            f.write(out)
    print(out)


if __name__ == "__main__":
    main()
