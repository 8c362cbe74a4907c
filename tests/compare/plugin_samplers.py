"""Plug-in sampler factories for the compare tests (importable by module path)."""

from __future__ import annotations

from typing import Any


def tpe_plugin(space: Any, seed: int) -> Any:
    """Optuna's TPE sampler, as a plug-in."""
    import optuna

    return optuna.samplers.TPESampler(seed=seed)


def integer_random(space: Any, seed: int) -> Any:
    """Optuna's random sampler on the integer encoding."""
    import optuna

    assert space.encoding == "integer", space.encoding
    return optuna.samplers.RandomSampler(seed=seed)


integer_random.encoding = "integer"  # type: ignore[attr-defined]

NOT_CALLABLE = 42


def fails_on_seed_one(space: Any, seed: int) -> Any:
    """Optuna's random sampler, except that seed 1 fails to build (a run that crashes)."""
    import optuna

    if seed == 1:
        raise RuntimeError("seed 1 fails")
    return optuna.samplers.RandomSampler(seed=seed)
