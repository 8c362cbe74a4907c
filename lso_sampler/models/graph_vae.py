"""The graph VAE of NGAE / SVGe / D-VAE with performance and complexity predictors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import nn

from lso_sampler.cell import Cell
from lso_sampler.models.dag_encoders import ENCODERS, make_encoder
from lso_sampler.models.icnn import ICNN
from lso_sampler.models.mlp import MLP
from lso_sampler.models.sequential_decoder import SequentialDecoder
from lso_sampler.spaces.base import SearchSpace

__all__ = ["PREDICTORS", "GraphVAE", "GraphVAEConfig", "head_performance", "predictor_head"]

#: Performance predictor kinds: NGAE's MLP, CR-LSO's input-convex network.
PREDICTORS = ("mlp", "icnn")


def predictor_head(kind: str, in_dim: int, hidden: int) -> nn.Module:
    """A predictor head of ``kind`` (one of :data:`PREDICTORS`): CR-LSO's two-layer
    :class:`~lso_sampler.models.icnn.ICNN` for ``"icnn"``, else NGAE's three-layer MLP."""
    return ICNN(in_dim, hidden, layers=2) if kind == "icnn" else MLP(in_dim, hidden, 1, layers=3)


def head_performance(head: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Normalised performance ``[B]`` (larger is better) a :func:`predictor_head` gives at
    ``z``: ``1 - g(z)`` for an ICNN (its error ``g`` is convex), ``sigmoid`` of an MLP."""
    if isinstance(head, ICNN):
        return 1.0 - head(z).squeeze(-1)
    return torch.sigmoid(head(z)).squeeze(-1)


#: The DAG-GRU encoders' readouts (:attr:`GraphVAEConfig.encoder_readout`).
READOUTS = ("sum", "concat", "concat+sum")
#: The readouts that lay the node states side by side (the DAG-GRU encoders only).
_CONCAT_READOUTS = ("concat", "concat+sum")
#: The model options a space decides, with the published D-VAE's choice of each (what
#: :meth:`GraphVAEConfig.vae_dict` leaves out of the weights' names).
_DVAE_OPTIONS: dict[str, object] = {
    "encoder_positions": False,
    "encoder_readout": "sum",
    "decoder_positions": False,
    "teacher_pcs": 0,
    "teacher_whiten": True,
}


@dataclass(frozen=True)
class GraphVAEConfig:
    """Model sizes and the loss weights.

    Attributes:
        encoder: ``"dvae"`` (DAG-GRU), ``"svge"`` (two-sided) or ``"gin"``.
        latent_dim: Width of ``z`` (D-VAE / NGAE use 56; 32 is enough for cells of up
            to 30 nodes and faster on a CPU).
        hidden_dim: Node state width of encoder and decoder (D-VAE: 501).
        predictor: ``"mlp"`` (NGAE: two hidden layers, sigmoid output) or ``"icnn"``.
        predictor_hidden: Hidden width of the predictors.
        beta: KL weight (D-VAE's 0.005).
        encoder_positions: Whether the DAG-GRU encoders (``dvae``, ``svge``) add a learned
            embedding of each node's index to its input, so that nodes the graph alone does
            not tell apart are encoded apart. ``None``: the space's
            :attr:`~lso_sampler.spaces.SearchSpace.vae_encoder_positions` (``True`` on
            NAS-Bench-Graph, NAS-Bench-101 and DARTS) for those encoders, ``False`` for ``gin``; the
            :class:`GraphVAE` resolves it with :meth:`for_space`.
        encoder_readout: How the DAG-GRU encoders turn node states into the graph state:
            ``"sum"`` (D-VAE's gated sum over the nodes), ``"concat"`` (a linear map of
            the node states side by side in index order, so that what each node holds
            stays apart) or ``"concat+sum"`` (the two added). ``None``: the space's
            :attr:`~lso_sampler.spaces.SearchSpace.vae_encoder_readout` (``"concat"`` on
            NAS-Bench-101, ``"concat+sum"`` on DARTS) for those encoders, ``"sum"`` for
            ``gin`` (which has its own pooling).
        decoder_positions: Whether the decoder adds, per node index, type and edge logits
            read from the latent (:class:`SequentialDecoder` ``positions``). ``None``: the
            space's :attr:`~lso_sampler.spaces.SearchSpace.vae_decoder_positions` (on for
            NAS-Bench-101 and DARTS).
        teacher_pcs: When positive, the VAE carries a linear map ``teacher`` from the latent
            to that many numbers, pretrained (beside reconstruction) to give the top
            principal components of a gated-sum VAE's posterior mean of the same cell
            (:func:`~lso_sampler.models.pretrain.teacher_encoder`), and the predictors read
            the map's output instead of ``z``. Affine in ``z``, so an ICNN predictor stays
            convex in ``z``. ``0``: the predictors read ``z``. ``None``: the space's
            :attr:`~lso_sampler.spaces.SearchSpace.vae_teacher_pcs` (32 on DARTS, 0 on
            the other built-in spaces), at most ``latent_dim``.
        teacher_whiten: Whether each of the teacher's ``teacher_pcs`` components is
            scaled to unit variance (``True``) or kept at its own scale (``False``: with
            ``teacher_pcs`` equal to the teacher's latent width, the map learns the
            teacher's whole centred latent, rotated onto its principal axes). No effect
            without ``teacher_pcs``. ``None``: the space's
            :attr:`~lso_sampler.spaces.SearchSpace.vae_teacher_whiten` (``False`` on
            DARTS, ``True`` on the other built-in spaces).
    """

    encoder: str = "dvae"
    latent_dim: int = 32
    hidden_dim: int = 64
    predictor: str = "mlp"
    predictor_hidden: int = 64
    beta: float = 0.005
    encoder_positions: bool | None = None
    encoder_readout: str | None = None
    decoder_positions: bool | None = None
    teacher_pcs: int | None = None
    teacher_whiten: bool | None = None

    def __post_init__(self) -> None:
        if self.encoder not in ENCODERS:
            raise ValueError(f"encoder: must be one of {list(ENCODERS)}, got {self.encoder!r}")
        if self.predictor not in PREDICTORS:
            raise ValueError(f"predictor: must be one of {list(PREDICTORS)}, got {self.predictor!r}")
        for name in ("latent_dim", "hidden_dim", "predictor_hidden"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be positive, got {getattr(self, name)}")
        if self.beta < 0:
            raise ValueError(f"beta: must be non-negative, got {self.beta}")
        if self.encoder_positions is not None and not isinstance(self.encoder_positions, bool):
            raise TypeError(f"encoder_positions: must be True, False or None, got {self.encoder_positions!r}")
        if self.encoder_positions and self.encoder == "gin":
            raise ValueError("encoder_positions: the gin encoder has no node index embedding; use dvae or svge")
        if self.encoder_readout not in (None, *READOUTS):
            raise ValueError(f"encoder_readout: must be one of {READOUTS} or None, got {self.encoder_readout!r}")
        if self.encoder_readout in _CONCAT_READOUTS and self.encoder == "gin":
            raise ValueError(
                f"encoder_readout: the gin encoder pools its own way; {self.encoder_readout!r} needs dvae or svge"
            )
        if self.decoder_positions is not None and not isinstance(self.decoder_positions, bool):
            raise TypeError(f"decoder_positions: must be True, False or None, got {self.decoder_positions!r}")
        if self.teacher_pcs is not None and (
            isinstance(self.teacher_pcs, bool) or not isinstance(self.teacher_pcs, int) or self.teacher_pcs < 0
        ):
            raise ValueError(f"teacher_pcs: must be a non-negative int or None, got {self.teacher_pcs!r}")
        if self.teacher_pcs and self.teacher_pcs > self.latent_dim:
            raise ValueError(f"teacher_pcs: at most latent_dim ({self.latent_dim}), got {self.teacher_pcs}")
        if self.teacher_whiten is not None and not isinstance(self.teacher_whiten, bool):
            raise TypeError(f"teacher_whiten: must be True, False or None, got {self.teacher_whiten!r}")

    def for_space(self, space: SearchSpace) -> GraphVAEConfig:
        """This config with :attr:`encoder_positions`, :attr:`encoder_readout`,
        :attr:`decoder_positions`, :attr:`teacher_pcs` and :attr:`teacher_whiten` decided
        for ``space`` (each
        ``None`` taken from the space; GIN has neither node indices nor a concatenation
        readout).

        The result carries the decisions: to use a config with another space or encoder,
        start from one whose fields are ``None``.

        Args:
            space: The space the VAE is for.

        Returns:
            ``self`` when all five are set, else a copy with them set.

        Example:
            >>> from lso_sampler.spaces import NASBench201Space, NASBenchGraphSpace
            >>> GraphVAEConfig().for_space(NASBenchGraphSpace()).encoder_positions
            True
            >>> GraphVAEConfig().for_space(NASBench201Space()).encoder_positions
            False
        """
        changes: dict[str, object] = {}
        dag_gru = self.encoder != "gin"
        if self.encoder_positions is None:
            changes["encoder_positions"] = bool(space.vae_encoder_positions) and dag_gru
        if self.encoder_readout is None:
            changes["encoder_readout"] = space.vae_encoder_readout if dag_gru else "sum"
        if self.decoder_positions is None:
            changes["decoder_positions"] = bool(space.vae_decoder_positions)
        if self.teacher_pcs is None:  # the space's, at most this latent's width
            changes["teacher_pcs"] = min(int(space.vae_teacher_pcs), self.latent_dim)
        if self.teacher_whiten is None:
            changes["teacher_whiten"] = bool(space.vae_teacher_whiten)
        return replace(self, **changes) if changes else self

    def vae_dict(self) -> dict[str, object]:
        """The fields that define the VAE alone (what its pretrained weights depend on);
        ``encoder_positions``, ``encoder_readout`` and ``decoder_positions`` appear only
        when they differ from the published D-VAE (off, ``"sum"``, off), ``teacher_pcs``
        only when positive and ``teacher_whiten`` only when off with ``teacher_pcs``
        positive, so the names of weights made before they existed stay the same.

        Raises:
            ValueError: if one of them is still ``None`` (call :meth:`for_space`).
        """
        d = asdict(self)
        d.pop("predictor")
        d.pop("predictor_hidden")
        for name, plain in _DVAE_OPTIONS.items():
            if d[name] is None:
                raise ValueError(f"{name}: undecided; call config.for_space(space) first")
            if d[name] == plain:
                d.pop(name)
        if "teacher_pcs" not in d:  # no map: how it would be scaled does not matter
            d.pop("teacher_whiten", None)
        return d


class GraphVAE(nn.Module):
    """Encoder, sequential decoder, performance and complexity predictors for one space.

    The performance predictor returns a normalised score in which larger is better: for
    ``predictor="mlp"`` ``sigmoid(MLP(z))`` (NGAE); for ``"icnn"`` ``1 - g(z)`` with ``g``
    an :class:`~lso_sampler.models.icnn.ICNN`, so the predicted *error* ``g`` is convex in
    ``z`` and the predicted performance concave (CR-LSO).

    Args:
        space: The search space (its node types and node limit).
        config: Sizes and loss weights.
        extra_dim: Inputs of the predictors beside ``z`` (the encoded parameters searched
            with the cell): the predictors then take ``z`` with these appended,
            ``[B, latent_dim + extra_dim]``.

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> vae = GraphVAE(space)
        >>> cells = [space.sample(i) for i in range(4)]
        >>> mu, logvar = vae.encode_cells(cells)
        >>> mu.shape
        torch.Size([4, 32])
        >>> all(space.is_valid(c) for c in vae.decode(mu))
        True
    """

    def __init__(self, space: SearchSpace, config: GraphVAEConfig | None = None, extra_dim: int = 0) -> None:
        super().__init__()
        if extra_dim < 0:
            raise ValueError(f"extra_dim: must be at least 0, got {extra_dim}")
        self.space = space
        self.config = config = (config or GraphVAEConfig()).for_space(space)
        self.extra_dim = extra_dim
        t, d, z = len(space.node_types), config.hidden_dim, config.latent_dim
        n = space.max_nodes
        concat = n if config.encoder_readout in _CONCAT_READOUTS else None
        positions = n if config.encoder_positions else None
        self.encoder = make_encoder(config.encoder, t, d, positions, concat, config.encoder_readout == "concat+sum")
        out = self.encoder.out_dim
        self.mean = MLP(out, out, z, layers=2)
        self.logvar = MLP(out, out, z, layers=2)
        self.decoder = SequentialDecoder(t, n, z, d, positions=bool(config.decoder_positions))
        k = int(config.teacher_pcs or 0)
        #: The pretrained map the predictors read ``z`` through (``teacher_pcs`` > 0), else ``None``.
        self.teacher = nn.Linear(z, k) if k else None
        ph, zi = config.predictor_hidden, (k or z) + extra_dim
        self.perf = predictor_head(config.predictor, zi, ph)
        # with an ICNN performance head the complexity head is convex too, so that
        # f_perf - λ f_comp (and any positive scalarisation) stays concave in z
        self.comp = predictor_head(config.predictor, zi, ph)

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    def vae_state_dict(self) -> dict[str, torch.Tensor]:
        """Weights of encoder and decoder only (and the ``teacher`` map: what query-free
        pretraining learns)."""
        return {k: v for k, v in self.state_dict().items() if not k.startswith(("perf.", "comp."))}

    def load_vae_state_dict(self, state: Mapping[str, torch.Tensor]) -> None:
        """Load encoder and decoder weights (what :meth:`vae_state_dict` gives); the
        predictors keep their own.

        Args:
            state: Encoder and decoder weights of a VAE with this config.

        Raises:
            RuntimeError: if ``state`` lacks a weight of the encoder or decoder, or holds one
                this VAE does not have (weights made for another config or package version).
        """
        missing, unexpected = self.load_state_dict(state, strict=False)
        if unexpected or any(not k.startswith(("perf.", "comp.")) for k in missing):
            raise RuntimeError(
                f"pretrained VAE weights do not fit the model (missing {missing}, unexpected {unexpected}); "
                "they were made for another config or package version: build a new sampler"
            )

    # -- data -----------------------------------------------------------------------------
    def tensors(self, cells: Sequence[Cell]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One-hot types ``[B, n, T]``, type indices ``[B, n]``, adjacency, mask of the
        cells' :meth:`~lso_sampler.spaces.SearchSpace.representative` forms."""
        x, adj, mask = self.space.to_tensors([self.space.representative(c) for c in cells])
        return x, x.argmax(-1), adj, mask

    # -- encoder --------------------------------------------------------------------------
    def encode(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance ``[B, latent]`` each."""
        h = self.encoder(x, adj, mask)
        return self.mean(h), self.logvar(h)

    def encode_cells(self, cells: Sequence[Cell]) -> tuple[torch.Tensor, torch.Tensor]:
        x, _, adj, mask = self.tensors(cells)
        return self.encode(x, adj, mask)

    # -- predictors -----------------------------------------------------------------------
    def predict_performance(self, z: torch.Tensor) -> torch.Tensor:
        """Normalised predicted performance ``[B]`` (larger is better) at ``z`` (with the
        ``extra_dim`` extra inputs appended)."""
        return head_performance(self.perf, self.predictor_input(z))

    def predict_complexity(self, z: torch.Tensor) -> torch.Tensor:
        """Normalised predicted complexity ``[B]`` (smaller is better; convex in ``z`` with
        the ICNN predictor)."""
        if self.config.predictor == "icnn":
            return self.comp(self.predictor_input(z)).squeeze(-1)
        return torch.sigmoid(self.comp(self.predictor_input(z))).squeeze(-1)

    def predictor_input(self, z: torch.Tensor) -> torch.Tensor:
        """What the predictors read at ``z`` (``[B, latent_dim + extra_dim]``): ``z``
        itself, or with :attr:`~GraphVAEConfig.teacher_pcs` the ``teacher`` map of its
        latent part, the extra inputs appended unchanged."""
        if self.teacher is None:
            return z
        d = self.config.latent_dim
        return torch.cat([self.teacher(z[..., :d]), z[..., d:]], -1)

    def after_step(self) -> None:
        """Call after every optimiser step: keeps ICNN predictors convex."""
        for head in (self.perf, self.comp):
            if isinstance(head, ICNN):
                head.clamp_()

    # -- losses ---------------------------------------------------------------------------
    def vae_loss(
        self, x: torch.Tensor, types: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor, sample: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-sample reconstruction NLL and KL ``[B]`` each, and the latents used."""
        rec, kl, z, _ = self.vae_terms(x, types, adj, mask, sample)
        return rec, kl, z

    def vae_terms(
        self, x: torch.Tensor, types: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor, sample: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """:meth:`vae_loss` and the posterior means ``[B, latent]``."""
        mu, logvar = self.encode(x, adj, mask)
        z = mu
        if sample:  # noise from torch's CPU generator (the strategies seed it) on any device
            z = mu + torch.randn(mu.shape, dtype=mu.dtype).to(mu.device) * torch.exp(0.5 * logvar)
        rec = self.decoder.loss(z, types, adj, mask)
        kl = self.kl_terms(mu, logvar).sum(1)
        return rec, kl, z, mu

    @staticmethod
    def kl_terms(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """KL of each posterior dimension from N(0, 1), ``[B, latent]`` (summed over the
        latent, the KL term the VAE trains with)."""
        return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())

    # -- decoding -------------------------------------------------------------------------
    def decode(self, z: torch.Tensor, rng: np.random.Generator | None = None) -> list[Cell]:
        """Cells for ``z`` (greedy unless ``rng`` is given); valid in every built-in space."""
        return self.decoder.decode(z, self.space, rng)
