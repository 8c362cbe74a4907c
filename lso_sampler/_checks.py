"""Argument checks shared by the strategies' constructors.

Each check raises up front with a message that names the parameter, what it must be and
what it got, e.g. ``population_size: must be an int >= 2, got 4.5 (float)``: a
:class:`TypeError` for a value of the wrong type (a string for a number, a float or a bool
for an int), a :class:`ValueError` for one out of range (NaN and infinities included). Valid
values pass through unchanged (ints as ``int``). :func:`renamed` keeps an option's old name
working, with a FutureWarning, after it has been renamed.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

__all__ = ["check_bool", "check_device", "check_float", "check_int", "renamed", "resolve_renamed"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _got(value: Any) -> str:
    """``value`` for a message: its repr and, unless obvious, its type."""
    if type(value) in (int, float):
        return repr(value)
    return f"{value!r} ({type(value).__name__})"


def _bounds(low: Any, high: Any, low_open: bool = False, high_open: bool = False) -> str:
    """``" >= 2"``, ``" in [0, 1]"``, ... (empty without bounds)."""
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None, *, high_text: str = "") -> int:
    """``value`` as an ``int`` if it is an integer in ``low..high`` (bounds inclusive).

    Args:
        name: The parameter's name, for the message.
        value: The value given.
        low: Smallest allowed value (``None``: no lower bound).
        high: Largest allowed value (``None``: no upper bound).
        high_text: How to name ``high`` in the message (e.g. ``"population_size (10)"``).

    Raises:
        TypeError: if ``value`` is not an integer (floats, bools, strings and ``None`` are not).
        ValueError: if it is out of range.
    """
    if low is not None and high is not None:
        what = f"an int in {low}..{high_text or high}"
    else:
        what = "an int" + _bounds(low, high)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: must be {what}, got {_got(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name}: must be {what}, got {_got(value)}")
    return int(value)


def check_float(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
) -> Any:
    """``value`` unchanged if it is a real number in the given range.

    Args:
        name: The parameter's name, for the message.
        value: The value given (ints are fine).
        low: Lower bound (``None``: none).
        high: Upper bound (``None``: none).
        low_open: Whether ``low`` itself is excluded (``> low``).
        high_open: Whether ``high`` itself is excluded (``< high``).
        finite: Whether infinities are refused (NaN always is).

    Raises:
        TypeError: if ``value`` is not a real number (bools and strings are not).
        ValueError: if it is NaN, infinite (with ``finite``) or out of range.
    """
    what = ("a finite number" if finite else "a number") + _bounds(low, high, low_open, high_open)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: must be {what}, got {_got(value)}")
    v = float(value)
    bad = math.isnan(v) or (finite and math.isinf(v))
    if low is not None:
        bad = bad or (v <= low if low_open else v < low)
    if high is not None:
        bad = bad or (v >= high if high_open else v > high)
    if bad:
        raise ValueError(f"{name}: must be {what}, got {_got(value)}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a ``bool`` if it is one (numpy bools too).

    Raises:
        TypeError: for anything else (``0``, ``1``, ``"False"``, ``None``, ...).
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: must be True or False, got {_got(value)}")
    return bool(value)


_DEVICES = "'cpu', 'cuda', 'cuda:<index>' or 'mps'"


def check_device(name: str, value: Any) -> str:
    """``value`` as a torch device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``)
    if torch can use that device here.

    Raises:
        TypeError: if ``value`` is neither a string nor a ``torch.device``.
        ValueError: if it names no device, a kind other than cpu, cuda and mps, or a GPU that
            this machine's torch cannot reach (no CUDA device, an index past the last one, no MPS).
    """
    import torch

    if not isinstance(value, str | torch.device):
        raise TypeError(f"{name}: must be a device name such as 'cpu' or 'cuda', got {_got(value)}")
    try:
        device = torch.device(value)
    except (RuntimeError, ValueError):
        raise ValueError(f"{name}: {value!r} is not a torch device; use {_DEVICES}") from None
    if device.type == "cpu":
        return "cpu"
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(f"{name}: {value!r}, but torch finds no CUDA GPU here; leave {name}='cpu'")
        if device.index is not None and device.index >= count:
            raise ValueError(f"{name}: {value!r}, but torch finds {count} CUDA GPU(s) (indices 0..{count - 1})")
        return str(device)
    if device.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(f"{name}: {value!r}, but torch finds no MPS device here; leave {name}='cpu'")
        return str(device)
    raise ValueError(f"{name}: {value!r} is not supported; use {_DEVICES}")


def resolve_renamed(
    aliases: Mapping[str, str],
    signature: inspect.Signature,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    owner: str,
    stacklevel: int = 3,
) -> dict[str, Any]:
    """``kwargs`` with each deprecated option name of ``aliases`` (old -> new) replaced by
    its new name, with a FutureWarning naming the new one.

    Args:
        aliases: Old name -> new name.
        signature: The signature the call binds to (it has the new names only).
        args: The call's positional arguments (a new name may be given positionally).
        kwargs: The call's keyword arguments.
        owner: The class or function named in the warning and the error.
        stacklevel: Passed on to :func:`warnings.warn` (3: the caller of the function that
            calls this one).

    Raises:
        ValueError: if an option is given under both names.
    """
    old_given = [old for old in aliases if old in kwargs]
    if not old_given:
        return kwargs
    kwargs = dict(kwargs)
    values = {old: kwargs.pop(old) for old in old_given}
    try:
        named = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:  # the call itself is wrong: the real call will say how
        named = kwargs
    for old, value in values.items():
        new = aliases[old]
        if new in named:
            raise ValueError(
                f"{owner}: {old} is the deprecated name of {new}; give {new} only "
                f"(got {new}={named[new]!r} and {old}={value!r})"
            )
        warnings.warn(
            f"{owner}: {old} is deprecated and will be removed; use {new} (the same option)",
            FutureWarning,
            stacklevel=stacklevel,
        )
        kwargs[new] = value
    return kwargs


def renamed(**aliases: str) -> Callable[[_F], _F]:
    """Decorator of a constructor whose options were renamed, e.g.
    ``@renamed(num_init="n_startup_trials")``: the old keyword still works, passed on under
    the new name with a FutureWarning; giving both names is a ValueError.

    The signature (``inspect.signature``, ``help()``) shows the new names only; the wrapper's
    ``__renamed__`` maps old to new names (the samplers and searchers read it to accept the
    old names too).

    Example:
        >>> import warnings
        >>> class Thing:
        ...     @renamed(num_init="n_startup_trials")
        ...     def __init__(self, n_startup_trials: int = 16) -> None:
        ...         self.n_startup_trials = n_startup_trials
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     Thing(num_init=4).n_startup_trials
        4
        >>> print(caught[0].message)
        Thing: num_init is deprecated and will be removed; use n_startup_trials (the same option)
    """

    def decorate(func: _F) -> _F:
        signature = inspect.signature(func)
        for old, new in aliases.items():
            if new not in signature.parameters or old in signature.parameters:
                raise TypeError(f"renamed: {func.__qualname__} must take {new!r} and not {old!r}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            owner = type(args[0]).__name__ if args and func.__name__ == "__init__" else func.__qualname__
            return func(*args, **resolve_renamed(aliases, signature, args, kwargs, owner))

        wrapper.__renamed__ = {**getattr(func, "__renamed__", {}), **aliases}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
