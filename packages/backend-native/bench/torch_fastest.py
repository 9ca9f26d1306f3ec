# PyTorch's fastest update settings for one model on this machine, measured rather than assumed: the torch peers
# (torch-reference.py, torch-epochs.py) calibrate with it before they are timed. Two settings change a step's time
# here, and not the same way for every model (hand-measured with Debian's PyTorch 1.13 on 2 cores, 2026-12-07,
# one model instance per setting, rounds alternating):
# - zero_grad(set_to_none=True) (PyTorch 2's default; 1.13's is False): the step bench's MLP step 1.31–1.33 ms
#   against 1.45–1.48, but the epoch bench's 784-512-512-10 step with momentum 5.8–7.9 ms against 4.5–6.6 (each
#   step then allocates its gradients afresh);
# - the optimizer's foreach path: within a few per cent either way.
# So each peer times every combination in alternating rounds and keeps the fastest: the ratio the benches print is
# then against PyTorch at its best here, not at its defaults.
import os
import statistics
import time

# The peers set this before they import torch (OpenMP reads it once, at load); set here too, so that a script that
# imports this module first still gets PyTorch's best configuration on these 2 cores (torch-reference.py says why)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

SETTINGS = [{"set_to_none": s, "foreach": f} for s in (False, True) for f in (False, True)]


def fastest(optimizer, step, steps, rounds):
    """The setting of SETTINGS with the lowest median time of `steps` calls of step(set_to_none), over `rounds`
    alternating rounds (many short ones: this VM's speed drifts by 15–30 % within seconds, and a round-robin of
    short rounds lets every setting meet each phase); the optimizer's foreach is left at the winner's.
    Returns (setting, {label: median ms a step})."""
    times = {i: [] for i in range(len(SETTINGS))}
    for _ in range(rounds):
        for i, setting in enumerate(SETTINGS):
            apply(optimizer, setting)
            start = time.perf_counter()
            for _ in range(steps):
                step(setting["set_to_none"])
            times[i].append((time.perf_counter() - start) / steps * 1000)
    medians = {i: statistics.median(t) for i, t in times.items()}
    best = min(medians, key=medians.get)
    apply(optimizer, SETTINGS[best])
    return SETTINGS[best], {label(SETTINGS[i]): round(m, 3) for i, m in medians.items()}


def apply(optimizer, setting):
    for group in optimizer.param_groups:
        group["foreach"] = setting["foreach"]


def label(setting):
    return f"set_to_none={setting['set_to_none']} foreach={setting['foreach']}"
