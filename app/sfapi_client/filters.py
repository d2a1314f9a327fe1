"""Search filters, importable as in ntech: `from app.sfapi_client import filters`."""

from app.sfapi_client._filters import Detection, Face, Filter, Id, Meta

__all__ = ["Detection", "Face", "Filter", "Id", "Meta"]
