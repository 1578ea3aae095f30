"""Transitions between two things shown on the panel: fade, slide, wipe, pixelate.

:func:`compose` draws one frame of a transition from two whole frames; a
:class:`TransitionPlayer` runs one transition over time for the render loop. All the
drawing is whole-array numpy with integer math: a frame costs a few memory passes,
never a Python loop over pixels.

Directions say where things move, as for the model's ``Direction``: ``left`` is the
new frame coming in from the right edge (a slide pushes the old one out to the left; a
wipe's edge travels leftwards, revealing the new frame from the right side), ``up`` is
the new frame coming in from the bottom edge.
"""

from __future__ import annotations

import random
from typing import Final, Literal, TypeGuard, get_args

import numpy as np

from retroboard_common.models import Direction, Transition
from retroboard_renderer.drivers.base import Frame

Kind = Literal["fade", "slide", "wipe", "pixelate"]
"""A transition that draws something (``none`` and ``random`` are not kinds)."""
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
DIRECTIONS: Final[tuple[Direction, ...]] = get_args(Direction)

END_SLACK: Final = 1e-6
"""Seconds: a frame this close to a transition's end is its end. The loop sleeps until
the end exactly, and float rounding must not cost an extra, almost-final frame."""

_random = random.Random()


def plays(spec: Transition | None) -> TypeGuard[Transition]:
    """Whether ``spec`` draws anything (``None``, ``none`` and 0 ms are a cut)."""
    return spec is not None and spec.type != "none" and spec.duration > 0


def resolve(spec: Transition, rng: random.Random | None = None) -> tuple[Kind, Direction]:
    """The kind and direction ``spec`` plays: ``random`` picks a kind and a direction
    from ``rng`` (the module's own generator when ``None``).

    Raises ``ValueError`` for ``none``, which plays nothing.
    """
    if spec.type == "random":
        chooser = rng or _random
        return chooser.choice(KINDS), chooser.choice(DIRECTIONS)
    if spec.type == "none":
        raise ValueError("transition 'none' plays nothing")
    return spec.type, spec.direction


def compose(
    kind: Kind,
    direction: Direction,
    progress: float,
    old: Frame,
    new: Frame,
    out: Frame | None = None,
) -> Frame:
    """The frame ``progress`` (0–1, clamped) of the way from ``old`` to ``new``.

    ``old`` is the last frame shown before the change, ``new`` the new content's
    current frame; both ``height × width × 3`` uint8, and neither is modified. The
    result is drawn into ``out`` (allocated when ``None``) and returned; it is never
    ``old`` or ``new`` themselves: progress 0 is a copy of ``old``, 1 of ``new``.
    ``direction`` matters to ``slide`` and ``wipe`` only.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown transition kind {kind!r}")
    if old.shape != new.shape:
        raise ValueError(f"frames differ in shape: {old.shape} and {new.shape}")
    if out is None:
        out = np.empty_like(old)
    if not progress > 0.0:  # NaN too: show what was there
        np.copyto(out, old)
    elif progress >= 1.0:
        np.copyto(out, new)
    elif kind == "fade":
        _fade(progress, old, new, out)
    elif kind == "slide":
        _slide(direction, progress, old, new, out)
    elif kind == "wipe":
        _wipe(direction, progress, old, new, out)
    else:
        _pixelate(progress, old, new, out)
    return out


def _fade(progress: float, old: Frame, new: Frame, out: Frame) -> None:
    # Weights out of 256 make the division a shift; 255 × 256 still fits in uint16,
    # so the sum needs no wider type (and w = 256 gives ``new`` exactly).
    weight = round(progress * 256)
    mixed = np.multiply(old, np.uint16(256 - weight), dtype=np.uint16)
    mixed += np.multiply(new, np.uint16(weight), dtype=np.uint16)
    mixed >>= 8
    np.copyto(out, mixed, casting="unsafe")


def _axis(direction: Direction) -> int:
    return 1 if direction in ("left", "right") else 0


def _span(axis: int, start: int, stop: int) -> tuple[slice, ...]:
    """Index of the rows (axis 0) or columns (axis 1) ``start:stop``."""
    return (slice(start, stop),) if axis == 0 else (slice(None), slice(start, stop))


def _slide(direction: Direction, progress: float, old: Frame, new: Frame, out: Frame) -> None:
    axis = _axis(direction)
    size = old.shape[axis]
    shift = round(progress * size)
    if direction in ("left", "up"):  # both move towards index 0; new enters at the end
        out[_span(axis, 0, size - shift)] = old[_span(axis, shift, size)]
        out[_span(axis, size - shift, size)] = new[_span(axis, 0, shift)]
    else:
        out[_span(axis, shift, size)] = old[_span(axis, 0, size - shift)]
        out[_span(axis, 0, shift)] = new[_span(axis, size - shift, size)]


def _wipe(direction: Direction, progress: float, old: Frame, new: Frame, out: Frame) -> None:
    axis = _axis(direction)
    size = old.shape[axis]
    shift = round(progress * size)
    # Neither frame moves: the edge between them does, from where the new one comes in.
    edge = size - shift if direction in ("left", "up") else shift
    before, after = (old, new) if direction in ("left", "up") else (new, old)
    out[_span(axis, 0, edge)] = before[_span(axis, 0, edge)]
    out[_span(axis, edge, size)] = after[_span(axis, edge, size)]


def pixelate_block(progress: float, width: int, height: int) -> int:
    """The block size of ``pixelate`` at ``progress``: 1 at either end, growing to a
    quarter of the panel's longer side halfway."""
    return max(1, round(max(width, height) // 4 * (1 - abs(2 * progress - 1))))


def _pixelate(progress: float, old: Frame, new: Frame, out: Frame) -> None:
    height, width = old.shape[:2]
    block = pixelate_block(progress, width, height)
    source = old if progress < 0.5 else new
    if block == 1:
        np.copyto(out, source)
        return
    # Each block takes its top-left pixel: one strided read, no averaging pass. The
    # samples are widened to block rows once, then broadcast down each block of rows.
    rows = np.repeat(source[::block, ::block], block, axis=1)[:, :width]
    whole = height // block  # block rows the panel holds whole; the last may be cut
    out[: whole * block].reshape(whole, block, width, 3)[...] = rows[:whole, None]
    if whole * block < height:
        out[whole * block :] = rows[whole]


class TransitionPlayer:
    """One transition running from ``started`` (a monotonic time in seconds) for the
    spec's duration, from ``old`` to whatever the new content shows meanwhile.

    ``random`` is resolved here, once, with ``rng``. ``old`` is read on every frame
    that is given no other, not copied: it must not change while the player runs.
    Frames are drawn into ``out`` (allocated when ``None``); each :meth:`frame`
    returns that same array.
    Raises ``ValueError`` for a spec that plays nothing (see :func:`plays`).
    """

    def __init__(
        self,
        spec: Transition,
        old: Frame,
        started: float,
        *,
        rng: random.Random | None = None,
        out: Frame | None = None,
    ) -> None:
        if not plays(spec):
            raise ValueError(f"transition {spec!r} plays nothing")
        self.kind, self.direction = resolve(spec, rng)
        self.started = started
        self.duration = spec.duration / 1000
        """Seconds."""
        self.ends = started + self.duration
        self._old = old
        self._out = np.empty_like(old) if out is None else out

    def progress(self, now: float) -> float:
        """How far the transition is at ``now``, 0–1."""
        if self.done(now):
            return 1.0
        return min(1.0, max(0.0, (now - self.started) / self.duration))

    def frame(self, now: float, new: Frame, old: Frame | None = None) -> Frame:
        """The frame to show at ``now``, ``new`` being the new content's frame now and
        ``old`` the old content's (``None``: the still the player started from)."""
        start = self._old if old is None else old
        return compose(self.kind, self.direction, self.progress(now), start, new, self._out)

    def done(self, now: float) -> bool:
        """Whether the transition is over at ``now`` (the new content shows alone)."""
        return now >= self.ends - END_SLACK
