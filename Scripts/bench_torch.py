#!/usr/bin/env python3
"""PyTorch reference for `ssmtl bench nn`: the same SSMTL multi-task network, batch and thread count.

Prints as its last line: train_objects_per_s=X infer_objects_per_s=Y
One object = one 7-frame sequence + one 6-frame middle-box input through the encoder and all four heads;
training = forward + backward of CE + CE + L1 + L1 and an Adam step.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PLANS = {
    "shallow-narrow": [16, 0, 32, 0, 32, 0],
    "shallow-wide": [32, 0, 64, 0, 64, 0],
    "deep-narrow": [16, 16, 0, 32, 32, 0, 32, 0, 32, 0],
    "deep-wide": [32, 32, 0, 64, 64, 0, 64, 0, 64, 0],
}


class MultiTaskNet(nn.Module):
    """Same layer order (and so the same state_dict names) as Sources/SSMTL/Network/MultiTaskNet.swift."""

    def __init__(self, variant, crop=64, head=32, dec=32, dropout=0.3, teacher=80):
        super().__init__()
        plan = PLANS[variant]
        layers, c = [], 3
        for e in plan:
            if e == 0:
                layers.append(nn.MaxPool3d((1, 2, 2)))
            else:
                layers += [nn.Conv3d(c, e, 3, padding=1), nn.BatchNorm3d(e), nn.ReLU()]
                c = e
        self.encoder = nn.Sequential(*layers)
        stages = plan.count(0)
        s = crop >> stages

        def trunk(out):
            return nn.Sequential(nn.Conv2d(c, head, 3, padding=1), nn.BatchNorm2d(head), nn.ReLU(), nn.Dropout(dropout),
                                 nn.MaxPool2d(2), nn.Flatten(), nn.Linear(head * (s // 2) * (s // 2), out))

        self.aot, self.mi, self.kd = trunk(2), trunk(2), trunk(teacher)
        d, dc = [], c
        for i in range(stages):
            last = i == stages - 1
            oc = 3 if last else dec
            d += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(dc, oc, 3, padding=1)]
            d += [nn.Sigmoid()] if last else [nn.BatchNorm2d(oc), nn.ReLU()]
            dc = oc
        self.decoder = nn.Sequential(*d)

    def forward(self, seq, mid):
        f = self.encoder(seq).amax(dim=2)
        g = self.encoder(mid).amax(dim=2)
        return self.aot(f), self.mi(f), self.decoder(g), self.kd(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", default="shallow-narrow", choices=list(PLANS))
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n = args.batch
    net = MultiTaskNet(args.variant)
    seq, mid = torch.rand(n, 3, 7, 64, 64), torch.rand(n, 3, 6, 64, 64)
    target, teacher = torch.rand(n, 3, 64, 64), torch.rand(n, 80)
    la, lm = torch.randint(0, 2, (n,)), torch.randint(0, 2, (n,))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    print(f"variant={args.variant} batch={n} params={sum(p.numel() for p in net.parameters())} "
          f"threads={torch.get_num_threads()}")

    def train():
        opt.zero_grad()
        a, m, b, k = net(seq, mid)
        loss = F.cross_entropy(a, la) + F.cross_entropy(m, lm) + F.l1_loss(b, target) + F.l1_loss(k, teacher)
        loss.backward()
        opt.step()

    def infer():
        with torch.no_grad():
            net(seq, mid)

    def measure(body):
        body()
        start, it = time.perf_counter(), 0
        while True:
            body()
            it += 1
            if time.perf_counter() - start >= args.seconds:
                break
        return it * n / (time.perf_counter() - start)

    net.train()
    tr = measure(train)
    net.eval()
    inf = measure(infer)
    print(f"train_objects_per_s={tr:.2f} infer_objects_per_s={inf:.2f}")


if __name__ == "__main__":
    main()
