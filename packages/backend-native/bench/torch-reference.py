# The two benchmark models of @tikhonov/core/testing's BENCH_MODELS in PyTorch, trained with SGD on random data, as a
# peer process (bench/torch-peer.ts): one request per line on stdin, "mlp 200" or "cnn 30", answered on stdout with
# {"ms": …} per step. Run by native.bench.ts with Debian's /usr/bin/python3 when python3-torch is installed; a
# reference point, not part of any test.
import json
import os
import sys
import time

# PyTorch's best configuration on this 2-core machine: without a passive OpenMP
# wait policy its idle threads spin against each other (the MLP step ran ≈ 3.5×
# slower). Set before torch loads OpenMP; the caller's value wins if given.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn  # noqa: E402

from torch_fastest import fastest, label  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)


mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
cnn = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
)
# the bench's interleaved rounds: one request per line, "mlp 200" or "cnn 30", answered with {"ms": …} per step,
# the models and their optimizers kept (and warm) between requests
models = {
    "mlp": (mlp, torch.randn(128, 784), torch.randint(0, 10, (128,))),
    "cnn": (cnn, torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))),
}
steppers = {}
settings = {}
for name, (model, x, y) in models.items():
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def step(set_to_none, model=model, x=x, y=y, optimizer=optimizer, loss_fn=loss_fn):
        optimizer.zero_grad(set_to_none=set_to_none)
        loss_fn(model(x), y).backward()
        optimizer.step()

    for _ in range(10):
        step(False)
    # the fastest zero_grad and foreach settings for this model here (torch_fastest.py), kept for every round
    best, medians = fastest(optimizer, step, 20 if name == "mlp" else 2, rounds=15)
    settings[name] = {"chosen": label(best), "calibration ms": medians}
    steppers[name] = lambda step=step, none=best["set_to_none"]: step(none)
print(json.dumps({"ready": True, "version": torch.__version__, "threads": torch.get_num_threads(), "ompWaitPolicy": os.environ["OMP_WAIT_POLICY"], "settings": settings}), flush=True)
for line in sys.stdin:
    name, steps = line.split()
    start = time.perf_counter()
    for _ in range(int(steps)):
        steppers[name]()
    print(json.dumps({"ms": (time.perf_counter() - start) / int(steps) * 1000}), flush=True)
