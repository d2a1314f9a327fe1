"""The one mapping between cosine similarity and the 0..1 `confidence` used on the wire.

`confidence = 1 / (1 + exp(-(cos - 0.30) / 0.09))`, and back `cos = 0.30 + 0.09 * ln(c / (1 - c))`
(face-models.md §0 and §6). Every threshold a user or client gives is a confidence; the server
converts it to a cosine once. Presets: lenient 0.64 (cos 0.35), default 0.75 (cos 0.40),
strict 0.84 (cos 0.45).
"""

from __future__ import annotations

import math

COS_CENTER = 0.30
COS_SCALE = 0.09

LENIENT_CONFIDENCE = 0.64
DEFAULT_CONFIDENCE = 0.75
STRICT_CONFIDENCE = 0.84


def confidence_from_cosine(cos: float) -> float:
    """Map a cosine similarity in [-1, 1] to a confidence in (0, 1); monotonic."""
    z = -(cos - COS_CENTER) / COS_SCALE
    if z > 700:  # exp overflow guard; the value is 0 to double precision anyway
        return 0.0
    return 1.0 / (1.0 + math.exp(z))


def cosine_from_confidence(confidence: float) -> float:
    """Inverse of `confidence_from_cosine`; 0 maps to -inf and 1 to +inf (match nothing / all)."""
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence must be within [0, 1], got {confidence!r}")
    if confidence == 0.0:
        return -math.inf
    if confidence == 1.0:
        return math.inf
    return COS_CENTER + COS_SCALE * math.log(confidence / (1.0 - confidence))
