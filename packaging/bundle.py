"""What goes into the PyInstaller bundle, and the trimming after it is built.

`sfdesk.spec` calls these functions; `tests/packaging` tests them without building. The data
lists name resources, the verified model pack, the example plugins and the self-test image (never
the test photos or the docs); `hidden_imports` covers the modules loaded by name; `keep_binary`
and `EXCLUDED_MODULES` drop the Qt and library parts the app does not use; `finish_bundle` works
on the built directory (identical libraries become links, the interpreter is stripped).
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

#: (source path, destination directory inside the bundle), as PyInstaller's `datas` wants them.
DataEntry = tuple[str, str]
#: (destination, source path, type code), as in PyInstaller's `Analysis.binaries`.
BinaryEntry = tuple[str, str, str]

#: Resource sub-directories the app reads at run time (icons, styles, manifest, example plugins).
RESOURCE_DIRS = ("icons", "styles", "models", "plugins")
#: The public-domain photo `self-test` uses, with its licence note; same place as in the repo.
SELFTEST_DIR = Path("packaging") / "selftest"

#: Python modules never needed by the frozen app: tools, optional back-ends, other Qt bindings,
#: httpx's command line (rich, pygments); OpenCV, which only the video worker uses (the desktop
#: app decodes video with Qt Multimedia; `video-worker` needs a Python install); faiss with its
#: OpenBLAS (62 MB), whose candidate index only speeds up searches of big galleries (without it
#: the embedded storage scans exactly: the same answers, ~47 ms per query at 1M faces).
EXCLUDED_MODULES = (
    "IPython",
    "PIL.AvifImagePlugin",
    "PIL.ImageFont",
    "PIL.ImageQt",
    "PIL.ImageTk",
    "PyInstaller",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "PySide6.Qt3DCore",
    "PySide6.QtDBus",
    "PySide6.QtOpenGL",
    "PySide6.QtPdf",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtWebEngineCore",
    "_pytest",
    "curses",
    "cv2",
    "faiss",
    "hypothesis",
    "markdown_it",
    "matplotlib",
    "mdurl",
    "mypy",
    "pandas",
    "psycopg_binary",
    "pydoc_data",
    "pygments",
    "pytest",
    "readline",
    "rich",
    "scipy",
    "tkinter",
    "yaml",
)

#: Parts of the collected binaries the app does not use: Qt translations, input and platform
#: plugins for embedded devices, VNC, Wayland (Qt falls back to xcb/XWayland), TLS and network
#: information (QtNetwork's library stays: Qt Multimedia links it), the GTK platform theme (and
#: the GTK stack it pulls in), the PDF image format and the on-screen virtual keyboard.
DROPPED_BINARY_PARTS = (
    "PySide6/Qt/translations/",
    "PySide6/Qt/plugins/egldeviceintegrations/",
    "PySide6/Qt/plugins/generic/",
    "PySide6/Qt/plugins/networkinformation/",
    "PySide6/Qt/plugins/imageformats/libqpdf",
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboard",
    "PySide6/Qt/plugins/platforms/libqeglfs",
    "PySide6/Qt/plugins/platforms/libqlinuxfb",
    "PySide6/Qt/plugins/platforms/libqminimalegl",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay",
    "PySide6/Qt/plugins/platforms/libqvnc",
    "PySide6/Qt/plugins/platforms/libqwayland",
    "PySide6/Qt/plugins/platformthemes/libqgtk3",
    "PySide6/Qt/plugins/tls/",
    "PySide6/Qt/plugins/wayland-",
    "PySide6/Qt/lib/libQt6EglFS",
    "PySide6/Qt/lib/libQt6EglFs",
    "PySide6/Qt/lib/libQt6Pdf",
    "PySide6/Qt/lib/libQt6VirtualKeyboard",
    "PySide6/Qt/lib/libQt6WaylandClient",
    "PySide6/Qt/lib/libQt6WlShellIntegration",
)


class BundleError(Exception):
    """The bundle cannot be built as asked (e.g. the model pack is not verified)."""


def repo_root(specpath: str | os.PathLike[str]) -> Path:
    """The repository root, given PyInstaller's SPECPATH (the directory holding the spec)."""
    root = Path(specpath).resolve().parent
    if not (root / "app" / "__main__.py").is_file():
        raise BundleError(f"{root} is not the sfdesk repository (no app/__main__.py)")
    return root


def tree_datas(root: Path, relative_dir: Path) -> list[DataEntry]:
    """Every file under `root/relative_dir`, kept at the same relative place in the bundle."""
    entries = []
    for path in sorted((root / relative_dir).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            entries.append((str(path), str(path.parent.relative_to(root))))
    return entries


def resource_datas(root: Path) -> list[DataEntry]:
    """The app's resources (RESOURCE_DIRS) and the self-test image with its licence."""
    entries = []
    for name in RESOURCE_DIRS:
        entries += tree_datas(root, Path("resources") / name)
    return entries + tree_datas(root, SELFTEST_DIR)


def model_datas(manifest_path: Path, model_dir: Path) -> list[DataEntry]:
    """The default model pack's files, after checking each against the manifest.

    They go to `models/<pack id>/`, where a frozen app's `default_model_dir()` looks. Raises
    BundleError listing the problems when the pack is missing or does not verify.
    """
    from app.vision import load_manifest, pack_dir, verify_pack

    pack = load_manifest(manifest_path).pack()
    problems = verify_pack(pack, model_dir)
    if problems:
        raise BundleError(
            f"refusing to bundle model pack {pack.pack_id}: {'; '.join(problems)} "
            "(run `python -m app models install`)"
        )
    source = pack_dir(model_dir, pack)
    return [(str(source / name), f"models/{pack.pack_id}") for name in sorted(pack.files)]


def package_modules(root: Path, package: str = "app") -> list[str]:
    """Every module of `package` by dotted name (commands and forms are imported lazily)."""
    modules = []
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.append(".".join(parts))
    return modules


def plugin_imports(plugin_files: Iterable[Path]) -> list[str]:
    """The modules the example plugins import (they are loaded from files, so not analysed)."""
    names: set[str] = set()
    for path in plugin_files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    names.discard("__future__")
    return sorted(names)


def hidden_imports(root: Path) -> list[str]:
    """All of `app` plus what the example plugins import."""
    plugins = sorted((root / "resources" / "plugins").glob("*.py"))
    return sorted(set(package_modules(root)) | set(plugin_imports(plugins)))


def keep_binary(dest: str) -> bool:
    """False for a collected file under one of DROPPED_BINARY_PARTS."""
    normal = dest.replace("\\", "/")
    return not any(part in normal for part in DROPPED_BINARY_PARTS)


def reachable_binaries(
    entries: list[BinaryEntry], imports: Callable[[str], Iterable[str]]
) -> list[BinaryEntry]:
    """The collected binaries without the top-level libraries nothing that is kept links to.

    PyInstaller puts the system libraries it found as dependencies at the top level; those that
    only dropped plugins needed (the GTK stack of the GTK theme, Kerberos of Qt's network code)
    would ship unused. Extension modules, everything inside a directory (wheels' libraries, Qt)
    and libpython (loaded by the bootloader) are kept; `imports(source)` lists the names of the
    libraries a binary links to.
    """
    by_name = {Path(dest).name: (dest, src, kind) for dest, src, kind in entries}
    stack = [
        (dest, src, kind)
        for dest, src, kind in entries
        if "/" in dest.replace("\\", "/") or dest.startswith("libpython") or kind == "EXTENSION"
    ]
    seen: set[str] = set()
    while stack:
        dest, src, _kind = stack.pop()
        if dest in seen:
            continue
        seen.add(dest)
        for name in imports(src):
            dependency = by_name.get(Path(name).name)
            if dependency is not None and dependency[0] not in seen:
                stack.append(dependency)
    return [entry for entry in entries if entry[0] in seen]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def link_duplicates(bundle: Path) -> list[Path]:
    """Replace files with the same name and content as an earlier one by relative symlinks.

    Wheels vendor their own copies of the same runtime (libgfortran in numpy's and faiss's
    `.libs` when they match); one copy is enough. Returns the replaced paths.
    """
    first: dict[tuple[str, int], list[Path]] = {}
    replaced = []
    for path in sorted(p for p in bundle.rglob("*.so*") if p.is_file() and not p.is_symlink()):
        candidates = first.setdefault((path.name, path.stat().st_size), [])
        original = next((c for c in candidates if _digest(c) == _digest(path)), None)
        if original is None:
            candidates.append(path)
            continue
        path.unlink()
        path.symlink_to(os.path.relpath(original, path.parent))
        replaced.append(path)
    return replaced


def strip_interpreter(bundle: Path) -> list[Path]:
    """Strip debug symbols from libpython and the standard library's extension modules.

    Only these: they come unstripped from the Python build, while the wheels' libraries are
    already stripped (and some are patched by auditwheel, which `strip` can break).
    """
    strip = shutil.which("strip")
    if strip is None:
        return []
    targets = sorted(bundle.glob("libpython3*.so*")) + sorted(
        bundle.glob("python3*/lib-dynload/*.so")
    )
    targets = [t for t in targets if t.is_file() and not t.is_symlink()]
    if targets:
        subprocess.run([strip, "--strip-unneeded", *map(str, targets)], check=True)
    return targets


def remove_dangling_links(bundle: Path) -> list[Path]:
    """Remove the links PyInstaller left to libraries that `keep_binary` dropped.

    PyInstaller links Qt's libraries into the top level of `_internal`; the links to dropped
    ones (Qt PDF, the virtual keyboard) would point nowhere. Returns the removed links.
    """
    dangling = sorted(p for p in bundle.rglob("*") if p.is_symlink() and not p.exists())
    for link in dangling:
        link.unlink()
    return dangling


def link_console_executable(
    app_dir: Path, windowed: str = "sfdesk", console: str = "sfdesk-console"
) -> bool:
    """Make the console executable a link to the windowed one when they are the same file.

    On Linux PyInstaller's windowed/console switch changes nothing, so the two executables are
    byte-identical (each carries the whole Python archive, ~8 MB); elsewhere they differ and both
    stay. Returns True when the link was made.
    """
    first, second = app_dir / windowed, app_dir / console
    if second.is_symlink() or not (first.is_file() and second.is_file()):
        return False
    if _digest(first) != _digest(second):
        return False
    second.unlink()
    second.symlink_to(windowed)
    return True


def finish_bundle(bundle: Path) -> None:
    """The trimming done on the built `_internal` directory (Linux; no-op elsewhere)."""
    if os.name != "posix":
        return
    remove_dangling_links(bundle)
    link_duplicates(bundle)
    link_console_executable(bundle.parent)
    strip_interpreter(bundle)
