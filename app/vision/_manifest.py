"""The model manifest (`resources/models/manifest.toml`): the packs and what their files are.

A model pack is a named, versioned set of ONNX files obtained from one registry package. The
manifest pins the package tarball's sha256 and every file's sha256, size and tensor shapes; the
installer and the engine trust nothing that does not match it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.common import resources_dir
from app.vision._errors import ModelError


def default_manifest_path() -> Path:
    """The manifest shipped with sfdesk."""
    return resources_dir() / "models" / "manifest.toml"


@dataclass(frozen=True)
class ModelFile:
    """One model file of a pack, as pinned by the manifest."""

    name: str
    sha256: str
    size: int
    role: str
    inputs: Mapping[str, tuple[int, ...]]
    outputs: Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class PackSource:
    """Where a pack's files come from: a registry package and the pinned tarball."""

    registry: str
    package: str
    version: str
    tarball: str
    tarball_sha256: str
    path_in_package: str

    @property
    def spec(self) -> str:
        """The `package@version` string the registry's client understands."""
        return f"{self.package}@{self.version}"


@dataclass(frozen=True)
class ModelPack:
    """A named, versioned unit of models; `pack_id` (e.g. "faceplugin-0.0.1") tags vectors."""

    pack_id: str
    name: str
    version: str
    embedding_dim: int
    licence: str
    provenance: str
    source: PackSource
    files: Mapping[str, ModelFile]

    def __repr__(self) -> str:
        return f"ModelPack({self.pack_id!r}, files={sorted(self.files)})"


@dataclass(frozen=True)
class Manifest:
    """Every pack in a manifest file, and which one is the default."""

    default: str
    packs: Mapping[str, ModelPack]

    def pack(self, pack_id: str | None = None) -> ModelPack:
        """The pack called `pack_id` (the default when None); ModelError names the known ones."""
        wanted = pack_id or self.default
        try:
            return self.packs[wanted]
        except KeyError:
            known = ", ".join(sorted(self.packs))
            raise ModelError(f"unknown model pack {wanted!r} (known: {known})") from None


def _shapes(table: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    return {name: tuple(int(d) for d in dims) for name, dims in table.items()}


def _parse_pack(pack_id: str, table: Mapping[str, Any]) -> ModelPack:
    src = table["source"]
    files = {
        name: ModelFile(
            name=name,
            sha256=str(entry["sha256"]).lower(),
            size=int(entry["bytes"]),
            role=str(entry.get("role", "")),
            inputs=_shapes(entry.get("inputs", {})),
            outputs=_shapes(entry.get("outputs", {})),
        )
        for name, entry in table["files"].items()
    }
    return ModelPack(
        pack_id=pack_id,
        name=str(table["name"]),
        version=str(table["version"]),
        embedding_dim=int(table["embedding_dim"]),
        licence=str(table.get("licence", "")),
        provenance=str(table.get("provenance", "")).strip(),
        source=PackSource(
            registry=str(src["registry"]),
            package=str(src["package"]),
            version=str(src["version"]),
            tarball=str(src["tarball"]),
            tarball_sha256=str(src["tarball_sha256"]).lower(),
            path_in_package=str(src["path_in_package"]).strip("/"),
        ),
        files=files,
    )


def load_manifest(path: Path | None = None) -> Manifest:
    """Read and check a manifest; ModelError when it is missing or malformed."""
    path = path or default_manifest_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        packs = {pid: _parse_pack(pid, table) for pid, table in data["packs"].items()}
        default = str(data["default"])
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"cannot read the model manifest {path}: {exc!r}") from exc
    if default not in packs:
        raise ModelError(f"model manifest {path}: default pack {default!r} is not defined")
    return Manifest(default=default, packs=packs)
