"""`Client` under ntech's module path (`ntech.sfapi_client.client.Client`)."""

from app.sfapi_client._client import Client

__all__ = ["Client"]
