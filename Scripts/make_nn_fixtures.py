#!/usr/bin/env python3
"""Generate PyTorch reference values for Tests/NeuralNetTests (committed; tests never run Python).

Writes Tests/NeuralNetTests/Fixtures/layers.safetensors: for each layer L, tensors named
  L.x (input), L.<param> (parameters), L.dy (upstream gradient), L.y (output), L.dx, L.d<param> (gradients of sum(y*dy)),
plus adam.* for ten Adam steps of a small MLP (initial weights, data, labels, the ten losses).
"""
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(1234)
out = {}


def record(name, module_or_fn, x, params=(), extra_inputs=()):
    x = x.clone().requires_grad_(True)
    y = module_or_fn(x, *extra_inputs)
    dy = torch.randn_like(y) if y.dim() > 0 else torch.tensor(1.0)
    (y * dy).sum().backward()
    out[f"{name}.x"] = x.detach()
    out[f"{name}.y"] = y.detach().reshape(-1) if y.dim() == 0 else y.detach()
    out[f"{name}.dy"] = dy.reshape(-1) if dy.dim() == 0 else dy
    out[f"{name}.dx"] = x.grad.detach()
    for pname, p in params:
        out[f"{name}.{pname}"] = p.detach().clone()
        out[f"{name}.d{pname}"] = p.grad.detach().clone()


def conv_params(m):
    return [("weight", m.weight), ("bias", m.bias)]


c3 = nn.Conv3d(3, 4, 3, stride=1, padding=1)
record("conv3d", c3, torch.randn(2, 3, 4, 5, 5), conv_params(c3))
c3s = nn.Conv3d(2, 3, (2, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))
record("conv3d_strided", c3s, torch.randn(2, 2, 3, 7, 6), conv_params(c3s))
c2 = nn.Conv2d(3, 5, 3, stride=2, padding=1)
record("conv2d", c2, torch.randn(2, 3, 7, 7), conv_params(c2))

for name, bn, shape in [("bn3d", nn.BatchNorm3d(3), (2, 3, 2, 3, 3)), ("bn2d", nn.BatchNorm2d(4), (3, 4, 3, 3))]:
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    bn.train()
    out[f"{name}.weight_init"] = bn.weight.detach().clone()
    out[f"{name}.bias_init"] = bn.bias.detach().clone()
    record(name, bn, torch.randn(*shape) * 2 + 0.5, [("weight", bn.weight), ("bias", bn.bias)])
    out[f"{name}.running_mean"] = bn.running_mean.clone()
    out[f"{name}.running_var"] = bn.running_var.clone()
    # inference with those running statistics
    bn.eval()
    xe = torch.randn(*shape)
    out[f"{name}.eval_x"] = xe
    out[f"{name}.eval_y"] = bn(xe).detach()

record("relu", F.relu, torch.randn(3, 4, 5))
record("leaky", lambda x: F.leaky_relu(x, 0.1), torch.randn(3, 4, 5))
record("sigmoid", torch.sigmoid, torch.randn(3, 4, 5))
record("maxpool3d", nn.MaxPool3d((1, 2, 2)), torch.randn(2, 3, 3, 4, 6))
record("maxpool2d", nn.MaxPool2d(2), torch.randn(2, 3, 4, 6))
record("tmax", lambda x: x.amax(dim=2), torch.randn(2, 3, 5, 4, 4))
record("upsample", nn.Upsample(scale_factor=2, mode="nearest"), torch.randn(2, 3, 3, 4))
lin = nn.Linear(7, 5)
record("linear", lin, torch.randn(4, 7), [("weight", lin.weight), ("bias", lin.bias)])
labels = torch.tensor([0, 2, 1, 2, 0])
out["ce.labels"] = labels.float()
record("ce", lambda z: F.cross_entropy(z, labels), torch.randn(5, 3))
tgt = torch.randn(4, 6)
out["l1.target"] = tgt
record("l1", lambda p: F.l1_loss(p, tgt), torch.randn(4, 6))
out["mse.target"] = tgt
record("mse", lambda p: F.mse_loss(p, tgt), torch.randn(4, 6))

# Ten Adam steps of a small MLP with cross-entropy.
mlp = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
for i in (0, 2):
    out[f"adam.{i}.weight"] = mlp[i].weight.detach().clone()
    out[f"adam.{i}.bias"] = mlp[i].bias.detach().clone()
xa, ya = torch.randn(10, 6), torch.randint(0, 3, (10,))
out["adam.x"], out["adam.labels"] = xa, ya.float()
opt = torch.optim.Adam(mlp.parameters(), lr=1e-2)
losses = []
for _ in range(10):
    opt.zero_grad()
    loss = F.cross_entropy(mlp(xa), ya)
    loss.backward()
    opt.step()
    losses.append(loss.item())
out["adam.losses"] = torch.tensor(losses)

out = {k: v.contiguous().float().clone() for k, v in out.items()}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "NeuralNetTests", "Fixtures", "layers.safetensors")
save_file(out, path, metadata={"generator": "Scripts/make_nn_fixtures.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors to {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")
