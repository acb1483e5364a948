"""Training the fast path's head on soft labels, with a learned weight per vocabulary token.

The fast path's sentence vector is the length-normalised sum of its tokens' static vectors, each scaled by a
per-token weight: ``v = normalise(sum_i w[t_i] * table[t_i])``. Both the weights (initialised at 1, so at the
distilled table's SIF weighting) and a multinomial logistic regression on ``v`` are learned together, by
full-batch L-BFGS in torch, against soft targets (a teacher's probabilities, or one-hot labels), with L2 penalties
on the regression weights and on the log token weights (pulling unseen or rare tokens towards 1). Because the
vector is normalised, the weights fold into the table: inference costs nothing more than the plain mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SoftFit:
    coef: np.ndarray  # (classes, dim)
    intercept: np.ndarray  # (classes,)
    token_weights: np.ndarray  # (vocabulary,), 1.0 where not learned


def fit_soft(token_ids: list[list[int]], targets: np.ndarray, table: np.ndarray, *, c: float,
             token_c: float | None = None, sample_weight: np.ndarray | None = None,
             max_iter: int = 300) -> SoftFit:
    """Fit on texts given as token-id lists and ``targets`` (rows summing to 1).

    ``c`` is the inverse L2 strength of the regression (as in scikit-learn, relative to the number of samples);
    ``token_c`` that of the log token weights, or None to keep every weight at 1 (a plain soft-label regression).
    """
    import torch

    torch.manual_seed(0)
    n, classes = targets.shape
    used = np.unique(np.concatenate([np.asarray(t, dtype=np.int64) for t in token_ids if t] or [np.zeros(0, np.int64)]))
    # Only the tokens that occur are looked at: index them compactly so the problem stays small.
    local = {int(t): i for i, t in enumerate(used)}
    flat = torch.tensor([local[t] for ids in token_ids for t in ids], dtype=torch.long)
    offsets = torch.tensor(np.cumsum([0] + [len(ids) for ids in token_ids[:-1]]), dtype=torch.long)
    vectors = torch.from_numpy(table[used].astype(np.float32))
    y = torch.from_numpy(np.asarray(targets, dtype=np.float64))
    sw = torch.from_numpy(np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64))
    sw = sw / sw.sum()
    dim = table.shape[1]
    coef = torch.zeros(classes, dim, dtype=torch.float64, requires_grad=True)
    intercept = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    log_w = torch.zeros(len(used), dtype=torch.float64, requires_grad=True)
    params = [coef, intercept] + ([log_w] if token_c is not None else [])
    bag = torch.nn.functional.embedding_bag
    table64 = vectors.double()

    def features() -> torch.Tensor:
        weights = torch.exp(log_w)[flat] if token_c is not None else None
        summed = bag(flat, table64, offsets, mode="sum", per_sample_weights=weights)
        return summed / summed.norm(dim=1, keepdim=True).clamp_min(1e-12)

    optimiser = torch.optim.LBFGS(params, max_iter=max_iter, history_size=20, line_search_fn="strong_wolfe",
                                  tolerance_grad=1e-6, tolerance_change=1e-9)

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        logits = features() @ coef.T + intercept
        loss = -(sw[:, None] * y * torch.log_softmax(logits, dim=1)).sum()
        loss = loss + (coef * coef).sum() / (2 * c * n)
        if token_c is not None:
            loss = loss + (log_w * log_w).sum() / (2 * token_c * n)
        loss.backward()
        return loss

    optimiser.step(closure)
    weights = np.ones(len(table), dtype=np.float32)
    weights[used] = np.exp(log_w.detach().numpy()).astype(np.float32)
    return SoftFit(coef.detach().numpy().astype(np.float32), intercept.detach().numpy().astype(np.float32), weights)
