"""Model packs: install from a tarball, verify, refuse mismatches; and the real `npm pack` path.

Most tests use a small fake package and manifest, so the refusal logic is exercised without a
download. One slow test installs the real default pack end to end with `npm pack`.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from app.vision import (
    INSTALL_COMMAND,
    ModelError,
    ModelPack,
    install_pack,
    load_manifest,
    pack_dir,
    require_pack,
    verify_pack,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FILES = {"a.onnx": b"model a " * 100, "b.onnx": b"model b " * 300}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {**files, "README.md": b"not a model"}.items():
            folder = "package" if name == "README.md" else "package/model"
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def make_manifest(path: Path, tarball: Path, files: dict[str, bytes]) -> ModelPack:
    entries = "".join(
        f'\n[packs."fake-1.0".files."{name}"]\nsha256 = "{sha(data)}"\nbytes = {len(data)}\n'
        for name, data in files.items()
    )
    path.write_text(
        f"""default = "fake-1.0"
[packs."fake-1.0"]
name = "fake"
version = "1.0"
embedding_dim = 4
licence = "MIT"
source.registry = "npm"
source.package = "fake-models"
source.version = "1.0"
source.tarball = "{tarball.name}"
source.tarball_sha256 = "{sha(tarball.read_bytes())}"
source.path_in_package = "package/model"
{entries}"""
    )
    return load_manifest(path).pack()


@pytest.fixture
def fake(tmp_path: Path) -> tuple[ModelPack, Path]:
    tarball = make_tarball(tmp_path / "fake-models-1.0.tgz", FILES)
    return make_manifest(tmp_path / "manifest.toml", tarball, FILES), tarball


def test_install_extracts_only_the_listed_files_and_verifies_them(
    fake: tuple[ModelPack, Path], tmp_path: Path
) -> None:
    pack, tarball = fake
    models = tmp_path / "models"
    messages: list[str] = []
    assert install_pack(pack, models, tarball=tarball, report=messages.append) is True
    installed = pack_dir(models, pack)
    assert sorted(p.name for p in installed.iterdir()) == ["a.onnx", "b.onnx"]
    assert (installed / "b.onnx").read_bytes() == FILES["b.onnx"]
    assert verify_pack(pack, models) == []
    assert require_pack(pack, models) == installed
    assert [p.name for p in models.iterdir()] == ["fake-1.0"]  # no staging left behind
    # Installing again does nothing and says so.
    messages.clear()
    assert install_pack(pack, models, tarball=tarball, report=messages.append) is False
    assert "already installed and verified" in messages[0]


def test_a_tarball_with_the_wrong_sha256_is_refused(
    fake: tuple[ModelPack, Path], tmp_path: Path
) -> None:
    pack, _ = fake
    other = make_tarball(tmp_path / "other.tgz", {**FILES, "a.onnx": b"tampered"})
    with pytest.raises(ModelError, match="refusing to install"):
        install_pack(pack, tmp_path / "models", tarball=other)
    assert not pack_dir(tmp_path / "models", pack).exists()


def test_a_listed_file_with_the_wrong_content_is_refused(tmp_path: Path) -> None:
    tampered = make_tarball(tmp_path / "fake-models-1.0.tgz", {**FILES, "b.onnx": b"x" * 2400})
    # The manifest pins this tarball, but the file inside does not match its own pin.
    pack = make_manifest(tmp_path / "manifest.toml", tampered, FILES)
    with pytest.raises(ModelError, match=r"b\.onnx.*refusing it"):
        install_pack(pack, tmp_path / "models", tarball=tampered)
    assert list((tmp_path / "models").iterdir()) == []  # nothing half-installed


def test_a_tarball_lacking_a_listed_file_is_refused(tmp_path: Path) -> None:
    partial = make_tarball(tmp_path / "fake-models-1.0.tgz", {"a.onnx": FILES["a.onnx"]})
    pack = make_manifest(tmp_path / "manifest.toml", partial, FILES)
    with pytest.raises(ModelError, match="lacks"):
        install_pack(pack, tmp_path / "models", tarball=partial)


def test_verify_names_every_problem_and_install_repairs_them(
    fake: tuple[ModelPack, Path], tmp_path: Path
) -> None:
    pack, tarball = fake
    models = tmp_path / "models"
    install_pack(pack, models, tarball=tarball)
    root = pack_dir(models, pack)
    (root / "a.onnx").write_bytes(FILES["a.onnx"][:-1] + b"!")  # same size, other content
    (root / "b.onnx").unlink()
    problems = verify_pack(pack, models)
    assert len(problems) == 2
    assert any("a.onnx" in p and "sha256" in p for p in problems)
    assert any("b.onnx" in p and "missing" in p for p in problems)
    with pytest.raises(ModelError) as caught:
        require_pack(pack, models)
    assert INSTALL_COMMAND in caught.value.reason and caught.value.code == "EXTRACTION_ERROR"
    assert install_pack(pack, models, tarball=tarball) is True
    assert verify_pack(pack, models) == []
    assert sorted(p.name for p in models.iterdir()) == ["fake-1.0"]


def test_the_shipped_manifest_pins_the_default_pack() -> None:
    manifest = load_manifest()
    pack = manifest.pack()
    assert pack.pack_id == "faceplugin-0.0.1" and pack.embedding_dim == 512
    assert pack.source.spec == "faceplugin-face-recognition-js@0.0.1"
    assert len(pack.source.tarball_sha256) == 64
    assert {"fr_detect.onnx", "fr_landmark.onnx", "fr_feature.onnx"} <= set(pack.files)
    for entry in pack.files.values():
        assert len(entry.sha256) == 64 and entry.size > 0 and entry.inputs and entry.outputs
    with pytest.raises(ModelError, match="unknown model pack"):
        manifest.pack("nope-1.0")


@pytest.mark.slow
def test_models_install_downloads_with_npm_and_installs_the_real_pack(tmp_path: Path) -> None:
    """End to end: `python -m app models install` runs `npm pack`, verifies and installs."""
    assert shutil.which("npm"), "npm is needed to install model packs"
    models = tmp_path / "models"
    cmd = [sys.executable, "-m", "app", "models"]
    install = subprocess.run(
        [*cmd, "install", "--model-dir", str(models)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr
    assert "installed 8 verified files" in install.stderr
    verify = subprocess.run(
        [*cmd, "verify", "--model-dir", str(models)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0 and "all 8 files verified" in verify.stdout
    again = subprocess.run(
        [*cmd, "install", "--model-dir", str(models)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "already installed and verified" in again.stderr
    # Offline: the same package as a tarball we already have.
    pack = load_manifest().pack()
    subprocess.run(
        ["npm", "pack", pack.source.spec, "--pack-destination", str(tmp_path)],
        capture_output=True,
        check=True,
        timeout=900,
    )
    offline = subprocess.run(
        [*cmd, "install", "--model-dir", str(tmp_path / "offline")]
        + ["--from-tarball", str(tmp_path / pack.source.tarball)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert offline.returncode == 0, offline.stderr
    assert verify_pack(pack, tmp_path / "offline") == []
    # Damage one file: verify fails and names the install command.
    (models / "faceplugin-0.0.1" / "fr_eye.onnx").write_bytes(b"broken")
    broken = subprocess.run(
        [*cmd, "verify", "--model-dir", str(models)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert broken.returncode == 1
    assert "fr_eye.onnx" in broken.stderr and INSTALL_COMMAND in broken.stderr


def test_cli_install_refuses_a_foreign_tarball_with_a_clear_message(
    fake: tuple[ModelPack, Path], tmp_path: Path
) -> None:
    _, foreign = fake  # not the package the shipped manifest pins
    proc = subprocess.run(
        [sys.executable, "-m", "app", "models", "install"]
        + ["--model-dir", str(tmp_path / "models"), "--from-tarball", str(foreign)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "\nEXTRACTION_ERROR: " in proc.stderr and "refusing to install" in proc.stderr
    assert not (tmp_path / "models" / "faceplugin-0.0.1").exists()
