"""The package surface: a sorted `__all__`, and the import paths FindFace code uses."""

from __future__ import annotations

import importlib

import pytest

import app.sfapi_client as sfapi_client


@pytest.mark.parametrize(
    "module",
    ["app.sfapi_client", "app.sfapi_client.filters", "app.sfapi_client.objects"]
    + ["app.sfapi_client.client", "app.sfapi_client.gallery"],
)
def test_all_is_sorted_and_complete(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__ == sorted(mod.__all__)
    for name in mod.__all__:
        assert hasattr(mod, name), name


def test_ntech_style_imports() -> None:
    from app import sfapi_client as ported
    from app.sfapi_client import filters, objects
    from app.sfapi_client.client import Client
    from app.sfapi_client.gallery import Gallery

    assert ported.Client is Client
    assert ported.Gallery is Gallery
    assert ported.filters is filters
    assert isinstance(filters.Detection("d", 0.1), filters.Filter)
    assert objects.DetectFace is sfapi_client.DetectFace
    assert objects.FaceId is sfapi_client.FaceId
    assert objects.Face is sfapi_client.Face
    assert filters.Face is not objects.Face  # as in ntech: the filter and the object differ
    assert issubclass(sfapi_client.SFApiRemoteError, Exception)
    assert issubclass(sfapi_client.SFApiMalformedResponseError, Exception)


def test_module_docstrings() -> None:
    for name in ["", "._client", "._gallery", "._models", "._filters", "._exceptions", "._idgen"]:
        mod = importlib.import_module(f"app.sfapi_client{name}")
        assert mod.__doc__, mod.__name__
