"""The adapters between strategies and the tools users run them in.

:mod:`lso_sampler.integrations.optuna` (Optuna samplers) and
:mod:`lso_sampler.integrations.ray` (Ray Tune searchers) share
:mod:`lso_sampler.integrations._common`; each makes one class per registered method
(:mod:`lso_sampler.methods`). Nothing is imported here, so Ray stays optional.
"""
