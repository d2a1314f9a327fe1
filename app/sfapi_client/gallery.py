"""`Gallery` under ntech's module path (`ntech.sfapi_client.gallery.Gallery`)."""

from app.sfapi_client._gallery import Gallery

__all__ = ["Gallery"]
