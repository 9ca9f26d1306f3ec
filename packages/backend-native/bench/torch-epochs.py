# Whole epochs in PyTorch, the reference of epochs.bench.ts: Fashion-MNIST (the IDX files of Debian's
# dataset-fashion-mnist; directory "synthetic": uniform stand-ins of the same shapes), the same models, optimizers, batch size, split sizes, max-norm after each step,
# validation every epoch and early stopping's copy of the best parameters, as the Trainer runs them. The loop is
# PyTorch's fastest plain form here: the data as tensors in memory, a randperm and index per batch (no DataLoader
# workers on 2 cores). Prints one JSON line per model: seconds of each epoch after one warm-up epoch.
import gzip
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # PyTorch's best configuration here (see torch-reference.py)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from torch_fastest import fastest, label  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(2)
directory, model_name, train_n, val_n, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])


def idx(name):
    path = os.path.join(directory, name)
    opener = gzip.open if not os.path.exists(path) else open
    with opener(path if os.path.exists(path) else path + ".gz", "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


if directory == "synthetic":
    # the stand-in epochs.bench.ts times when the data is absent: uniform images and labels of the same shapes
    generator = torch.Generator().manual_seed(20)
    images = torch.rand(60000, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (60000,), generator=generator)
else:
    images = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255).unsqueeze(1)
    labels = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
x_train, y_train = images[:train_n], labels[:train_n]
x_val, y_val = images[train_n:train_n + val_n], labels[train_n:train_n + val_n]

if model_name == "mlp":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    max_norm = 3.0
else:
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Linear(256, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    max_norm = None
loss_fn = nn.CrossEntropyLoss()
weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
best = {"loss": float("inf"), "state": None}


def train_step(batch, set_to_none):
    optimizer.zero_grad(set_to_none=set_to_none)
    loss_fn(model(x_train[batch]), y_train[batch]).backward()
    optimizer.step()
    if max_norm is not None:
        with torch.no_grad():
            for w in weights:  # each unit's incoming weights (a row of nn.Linear's weight) into the ball
                w.copy_(torch.renorm(w, 2, 0, max_norm))


def epoch():
    model.train()
    order = torch.randperm(train_n)
    for start in range(0, train_n, 128):
        train_step(order[start:start + 128], set_to_none)
    model.eval()
    with torch.no_grad():
        val = sum(loss_fn(model(x_val[s:s + 1000]), y_val[s:s + 1000]).item() * len(y_val[s:s + 1000]) for s in range(0, val_n, 1000)) / val_n
    if val < best["loss"]:  # early stopping's θ*: a copy of the parameters at the best validation loss
        best["loss"] = val
        best["state"] = {k: v.detach().clone() for k, v in model.state_dict().items()}


# the fastest zero_grad and foreach settings for this model here (torch_fastest.py), on random batches of the
# training data, before the warm-up epoch
model.train()
setting, calibration = fastest(optimizer, lambda none: train_step(torch.randint(0, train_n, (128,)), none), 10 if model_name == "mlp" else 2, rounds=9)
set_to_none = setting["set_to_none"]
epoch()  # warm-up
seconds = []
for _ in range(epochs):
    t0 = time.perf_counter()
    epoch()
    seconds.append(time.perf_counter() - t0)
print(json.dumps({"model": model_name, "seconds": seconds, "version": torch.__version__, "ompWaitPolicy": os.environ["OMP_WAIT_POLICY"], "settings": {"chosen": label(setting), "calibration ms": calibration}}))
