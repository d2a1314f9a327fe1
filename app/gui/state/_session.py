"""The shared context of one app window: settings, the current client, messages, connection."""

from __future__ import annotations

from app.gui.state._connection import ConnectionState
from app.gui.state._errors import NotConnectedError
from app.gui.state._events import Event
from app.gui.state._messages import MessageBridge
from app.gui.state._settings import Settings
from app.sfapi_client import Client


class Session:
    """Owns the client of the server in use; `client_changed` fires when it is replaced."""

    def __init__(self, settings: Settings, messages: MessageBridge | None = None) -> None:
        self.settings = settings
        self.messages = messages or MessageBridge()
        self.connection = ConnectionState()
        self.client_changed: Event[Client | None] = Event()
        self.settings_changed: Event[Settings] = Event()
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        """The connected client; raises NotConnectedError while there is none."""
        if self._client is None:
            raise NotConnectedError("not connected to a server yet")
        return self._client

    @property
    def has_client(self) -> bool:
        """True once a server URL is known."""
        return self._client is not None

    async def set_client(self, client: Client | None) -> None:
        """Switch to `client` (closing the previous one) and notify the views."""
        previous, self._client = self._client, client
        if previous is not None and previous is not client:
            await previous.aclose()
        self.client_changed.emit(client)

    def update_settings(self, settings: Settings) -> None:
        """Adopt edited settings and notify."""
        self.settings = settings
        self.settings_changed.emit(settings)

    def __repr__(self) -> str:
        return f"Session(mode={self.settings.mode.value}, connected={self._client is not None})"
