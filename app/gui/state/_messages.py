"""The message bridge: state code posts info/warning/error; the window's message bar shows them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.gui.state._errors import describe_error
from app.gui.state._events import Event


class Level(enum.Enum):
    """How serious a message is; the message bar colours by it."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Message:
    """One message for the operator; `code` is the sf-api error code when there is one."""

    level: Level
    text: str
    code: str | None = None

    def render(self) -> str:
        """The text shown in the message bar: `CODE: reason` or just the text."""
        return f"{self.code}: {self.text}" if self.code else self.text


class MessageBridge:
    """Carries messages from Qt-free code to whatever view listens, so no state imports widgets."""

    def __init__(self) -> None:
        self.posted: Event[Message] = Event()
        self.history: list[Message] = []

    def post(self, message: Message) -> None:
        """Record `message` and hand it to the listeners."""
        self.history.append(message)
        del self.history[:-100]
        self.posted.emit(message)

    def info(self, text: str) -> None:
        """Post an informational message."""
        self.post(Message(Level.INFO, text))

    def warning(self, text: str, code: str | None = None) -> None:
        """Post a warning."""
        self.post(Message(Level.WARNING, text, code))

    def error(self, text: str, code: str | None = None) -> None:
        """Post an error."""
        self.post(Message(Level.ERROR, text, code))

    def report(self, exc: BaseException) -> None:
        """Post an expected exception as an error with its code and reason."""
        code, reason = describe_error(exc)
        self.error(reason, code)

    def __repr__(self) -> str:
        return f"MessageBridge(history={len(self.history)})"
