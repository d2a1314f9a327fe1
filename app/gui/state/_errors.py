"""The failures the GUI expects and shows to the operator, and how each is described."""

from __future__ import annotations

from app.sfapi_client import SFApiError, SFApiMalformedResponseError, SFApiRemoteError


class GuiError(Exception):
    """An expected failure raised by the GUI's own state code; `code` names its kind."""

    code = "GUI_ERROR"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ValidationError(GuiError):
    """A value typed by the operator is invalid; `field` names the editor it came from."""

    code = "INVALID_VALUE"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class NotConnectedError(GuiError):
    """No server is connected yet (still starting, or lost)."""

    code = "NOT_CONNECTED"


class MediaError(GuiError):
    """A photo or video could not be opened or decoded."""

    code = "MEDIA_ERROR"


#: Exceptions that are part of normal operation: caught at the slot, shown in the message bar.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (SFApiError, GuiError)


def describe_error(exc: BaseException) -> tuple[str, str]:
    """The `(code, readable reason)` of an expected error, for the message bar."""
    if isinstance(exc, SFApiRemoteError):
        reason = str(getattr(exc, "reason", "") or exc)
        param = getattr(exc, "param", None)
        if param:
            reason = f"{reason} (param {param!s}={getattr(exc, 'value', None)!r})"
        return str(getattr(exc, "code", "REMOTE_ERROR")), reason
    if isinstance(exc, SFApiMalformedResponseError):
        return "CONNECTION_ERROR", str(exc) or type(exc).__name__
    if isinstance(exc, SFApiError):
        return type(exc).__name__, str(exc)
    if isinstance(exc, GuiError):
        return exc.code, exc.reason
    return type(exc).__name__, str(exc)
