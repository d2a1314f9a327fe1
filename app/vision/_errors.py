"""The vision engine's exception tree, all `ProtocolError`s so the server renders them as they are.

ProtocolError
 └── VisionError
      ├── ImageError            the request's image is unusable (param "image")
      │    ├── MalformedImage   not decodable, truncated or empty   -> MALFORMED_REQUEST
      │    ├── UnsupportedImage a format other than JPEG/PNG/WEBP/BMP -> BAD_PARAM
      │    ├── ImageTooSmall    fewer pixels per side than the minimum -> BAD_PARAM
      │    └── ImageTooLarge    too many bytes or pixels (or a bomb)   -> BAD_PARAM
      └── ModelError            a model pack is missing, corrupt or cannot be installed
                                -> EXTRACTION_ERROR; the reason names the command that fixes it
"""

from __future__ import annotations

from typing import Any

from app.protocol import ErrorCode, ProtocolError

#: The command that installs and verifies model packs; every model error names it.
INSTALL_COMMAND = "python -m app models install"


class VisionError(ProtocolError):
    """Base class of every error raised by `app.vision`."""


class ImageError(VisionError):
    """The submitted image cannot be analysed; `param` is always "image"."""

    code_for_class: ErrorCode = ErrorCode.BAD_PARAM

    def __init__(self, reason: str, value: Any = None) -> None:
        super().__init__(self.code_for_class, reason, param="image", value=value)


class MalformedImage(ImageError):
    """The bytes are not a decodable image: empty, truncated, corrupt or not an image at all."""

    code_for_class = ErrorCode.MALFORMED_REQUEST


class UnsupportedImage(ImageError):
    """A real image in a format sfdesk does not accept (GIF, TIFF, ...)."""


class ImageTooSmall(ImageError):
    """An image too small to hold a face (for example 1x1)."""


class ImageTooLarge(ImageError):
    """An image over the configured byte or pixel limit, including decompression bombs."""


class ModelError(VisionError):
    """A model pack is missing, corrupt, or its installation failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(ErrorCode.EXTRACTION_ERROR, reason)
