"""NGAE Table 1 on D-VAE's ENAS data: reconstruction, prior validity, uniqueness, novelty,
and the performance predictor's test RMSE and Pearson r, for each encoder.

    LSO_SAMPLER_DATA=../shared/benchmarks python benchmarks/graph_vae_enas.py --epochs 5 \
        --out benchmarks/results/graph_vae_enas
    LSO_SAMPLER_DATA=../shared/benchmarks python benchmarks/graph_vae_enas.py --epochs 300 \
        --report-at 100,200 --encoders dvae --out benchmarks/results/graph_vae_enas_300

Scaled to a 2-core CPU: ``--epochs`` (NGAE/D-VAE: 300), batch 64, Adam 1e-3 with gradient
clipping (D-VAE: batch 32, 1e-4), hidden width 64 and latent 56 (D-VAE: 501 and 56).
Measures as D-VAE's, with fewer draws for reconstruction: reconstruction accuracy = share
of test cells decoded exactly (greedy) from each of ``--recon-samples`` posterior samples
(D-VAE: 10 samples, each decoded 10 times by sampling); validity, uniqueness and novelty
over ``--prior-samples`` prior draws, each decoded ``--decode-times`` times by sampling
(D-VAE: 1,000 x 10; uniqueness counts the repeats of one draw's decodes too).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from lso_sampler.benchmarks.enas import ENASDataset
from lso_sampler.models.dag_encoders import ENCODERS
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig


def run(encoder: str, data: ENASDataset, args: argparse.Namespace) -> list[dict[str, float]]:
    """Train one encoder's VAE jointly with the predictor; its measures at each of
    ``args.report_at`` epochs (and at the last)."""
    space = data.space
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = GraphVAE(space, GraphVAEConfig(encoder=encoder, latent_dim=56, hidden_dim=args.hidden))
    train = [data.cells[i] for i in data.train_indices]
    acc = data.accuracies
    y_train = acc[data.train_indices]
    lo, hi = y_train.min(), y_train.max()
    target = torch.tensor(0.05 + 0.9 * (y_train - lo) / (hi - lo), dtype=torch.float32)
    x, types, adj, mask = model.tensors(train)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    report_at = sorted({e for e in args.report_at if 0 < e < args.epochs} | {args.epochs})
    rows = []
    train_s = 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.train()
        perm = torch.from_numpy(rng.permutation(len(train)))
        tot = []
        for i in range(0, len(train), args.batch):
            idx = perm[i : i + args.batch]
            rec, kl, z = model.vae_loss(x[idx], types[idx], adj[idx], mask[idx])
            mse = (model.predict_performance(z) - target[idx]) ** 2
            loss = (rec + model.config.beta * kl + mse).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot.append(rec.mean().item())
        train_s += time.perf_counter() - start
        print(f"{encoder} epoch {epoch + 1}: reconstruction loss {np.mean(tot):.3f} ({train_s:.0f} s)", flush=True)
        if epoch + 1 in report_at:
            # the measures draw from their own generators: the training's draws do not depend on them
            row = {"encoder": encoder, "epochs": epoch + 1, **measure(model, data, args), "train_seconds": train_s}
            rows.append(row)
            if args.save:
                torch.save(model.state_dict(), Path(args.out) / f"{encoder}_{epoch + 1}.pt")
            print(rows[-1], flush=True)
    return rows


def measure(model: GraphVAE, data: ENASDataset, args: argparse.Namespace) -> dict[str, float]:
    """Reconstruction of the test cells, prior validity / uniqueness / novelty, and the
    predictor's test RMSE (standardised) and Pearson r."""
    space = data.space
    train = [data.cells[i] for i in data.train_indices]
    test = [data.cells[i] for i in data.test_indices]
    acc = data.accuracies
    y_train, y_test = acc[data.train_indices], acc[data.test_indices]
    lo, hi = y_train.min(), y_train.max()
    model.eval()
    tx, _, tadj, tmask = model.tensors(test)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(args.seed + 1)
        with torch.no_grad():
            mu, logvar = model.encode(tx, tadj, tmask)
            hits = []
            for _ in range(args.recon_samples):
                z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
                hits += [a == b for a, b in zip(test, model.decode(z))]
            # predictor on the posterior means, mapped back to accuracy, then standardised as D-VAE
            pred = lo + (model.predict_performance(mu).numpy() - 0.05) / 0.9 * (hi - lo)
        mean, std = y_train.mean(), y_train.std()
        rmse = float(np.sqrt(np.mean(((pred - mean) / std - (y_test - mean) / std) ** 2)))
        pearson = float(np.corrcoef(pred, y_test)[0, 1])
        prior_z = torch.randn(args.prior_samples, 56, generator=torch.Generator().manual_seed(args.seed))
        decode_rng = np.random.default_rng(args.seed)
        prior = [c for _ in range(args.decode_times) for c in model.decode(prior_z, decode_rng)]
    valid = [c for c in prior if space.is_valid(c)]
    keys = [space.key(c) for c in valid]
    train_keys = {space.key(c) for c in train}
    return {
        "reconstruction_accuracy": 100 * float(np.mean(hits)),
        "validity": 100 * len(valid) / len(prior),
        "uniqueness": 100 * len(set(keys)) / max(len(valid), 1),
        "novelty": 100 * sum(k not in train_keys for k in keys) / max(len(valid), 1),
        "test_rmse_standardised": rmse,
        "test_pearson_r": pearson,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoders", default=",".join(ENCODERS))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--recon-samples", type=int, default=5)
    ap.add_argument("--prior-samples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--decode-times", type=int, default=10, help="sampled decodes of each prior draw (D-VAE: 10)"
    )
    ap.add_argument("--save", action="store_true", help="save each trained model's weights in OUT")
    ap.add_argument(
        "--report-at", default="", help="comma-separated epochs before the last to measure at too (NGAE: 100,200)"
    )
    ap.add_argument("--out", default="benchmarks/results/graph_vae_enas")
    args = ap.parse_args()
    args.report_at = [int(e) for e in args.report_at.split(",") if e.strip()]
    torch.set_num_threads(1)
    data = ENASDataset()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for enc in args.encoders.split(","):
        rows.extend(run(enc, data, args))
        (out / "results.json").write_text(json.dumps(rows, indent=2))
    lines = [
        "| encoder | epochs | recon. acc. % | prior validity % | uniqueness % | novelty % "
        "| test RMSE (std.) | Pearson r | train s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['encoder']} | {r['epochs']} | {r['reconstruction_accuracy']:.2f} | {r['validity']:.2f} | "
            f"{r['uniqueness']:.2f} | {r['novelty']:.2f} | {r['test_rmse_standardised']:.3f} | "
            f"{r['test_pearson_r']:.3f} | {r['train_seconds']:.0f} |"
        )
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
