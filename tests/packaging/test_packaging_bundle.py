"""The spec's helper functions (packaging/bundle.py), tested without building."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from app.common import default_model_dir
from app.vision import default_manifest_path, load_manifest

REPO = Path(__file__).resolve().parents[2]


def _load_bundle() -> ModuleType:
    # Loaded from its file: a `packaging` package would shadow the PyPI library of that name.
    spec = importlib.util.spec_from_file_location("sfdesk_bundle", REPO / "packaging" / "bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bundle = _load_bundle()


def test_repo_root_comes_from_the_spec_directory(tmp_path: Path) -> None:
    assert bundle.repo_root(REPO / "packaging") == REPO
    with pytest.raises(bundle.BundleError, match="not the sfdesk repository"):
        bundle.repo_root(tmp_path / "packaging")


def test_resources_keep_their_relative_place() -> None:
    datas = bundle.resource_datas(REPO)
    by_source = {Path(src).relative_to(REPO): dest for src, dest in datas}
    assert by_source[Path("resources/icons/sfdesk.svg")] == "resources/icons"
    assert by_source[Path("resources/styles/app.qss")] == "resources/styles"
    assert by_source[Path("resources/models/manifest.toml")] == "resources/models"
    assert by_source[Path("packaging/selftest/astronaut.jpg")] == "packaging/selftest"
    assert by_source[Path("packaging/selftest/LICENCE.md")] == "packaging/selftest"
    plugins = {p.relative_to(REPO) for p in (REPO / "resources" / "plugins").glob("*.py")}
    assert plugins and plugins <= set(by_source)
    for src, dest in datas:
        assert Path(src).is_file()
        assert Path(src).parent.relative_to(REPO) == Path(dest)


def test_no_test_photos_docs_or_caches_are_bundled(faces_dir: Path) -> None:
    sources = [Path(src).resolve() for src, _ in bundle.resource_datas(REPO)]
    photo_names = {p.name for p in faces_dir.iterdir()}
    for source in sources:
        assert faces_dir.resolve() not in source.parents
        assert source.name not in photo_names
        assert "docs" not in source.relative_to(REPO).parts
        assert "__pycache__" not in source.parts


def test_the_verified_model_pack_goes_where_the_frozen_app_looks() -> None:
    pack = load_manifest().pack()
    datas = bundle.model_datas(default_manifest_path(), default_model_dir())
    assert sorted(Path(src).name for src, _ in datas) == sorted(pack.files)
    assert {dest for _, dest in datas} == {f"models/{pack.pack_id}"}


def test_an_unverified_model_pack_is_refused(tmp_path: Path) -> None:
    pack = load_manifest().pack()
    broken = tmp_path / pack.pack_id
    broken.mkdir()
    first = sorted(pack.files)[0]
    shutil.copyfile(default_model_dir() / pack.pack_id / first, broken / first)
    with (broken / first).open("r+b") as fh:
        fh.write(b"\0")  # same size, different sha256
    with pytest.raises(bundle.BundleError, match="refusing to bundle") as info:
        bundle.model_datas(default_manifest_path(), tmp_path)
    assert "sha256" in str(info.value) and "missing" in str(info.value)


def test_hidden_imports_cover_lazy_commands_forms_and_plugin_imports() -> None:
    hidden = bundle.hidden_imports(REPO)
    assert hidden == sorted(set(hidden))
    for name in ("app.gui.forms.ui_main_window", "app.gui._selftest", "app.server.cli",
                 "app.vision", "httpx", "app.plugins"):
        assert name in hidden
    assert "__future__" not in hidden


def test_plugin_imports_are_read_from_the_source(tmp_path: Path) -> None:
    plugin = tmp_path / "p.py"
    plugin.write_text(
        "from __future__ import annotations\nimport json, xml.dom\nfrom a.b import c\n"
        "from . import relative\n"
    )
    assert bundle.plugin_imports([plugin]) == ["a.b", "json", "xml.dom"]


def test_exclusions_spare_what_the_app_uses() -> None:
    assert list(bundle.EXCLUDED_MODULES) == sorted(bundle.EXCLUDED_MODULES)
    used = bundle.hidden_imports(REPO) + [
        "PySide6.QtWidgets", "PySide6.QtGui", "PySide6.QtMultimedia", "PySide6.QtNetwork",
        "onnxruntime", "PIL.Image", "numpy", "uvicorn", "click",
    ]
    for name in used:
        assert not any(name == ex or name.startswith(ex + ".") for ex in bundle.EXCLUDED_MODULES)


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", False),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", False),
        ("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", False),
        ("PySide6/Qt/lib/libQt6Network.so.6", True),
        ("PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6\\Qt\\lib\\libQt6Core.so.6", True),
        ("faiss/libfaiss.so", True),
    ],
)
def test_keep_binary(dest: str, kept: bool) -> None:
    assert bundle.keep_binary(dest) is kept


def test_identical_libraries_become_relative_links(tmp_path: Path) -> None:
    for folder in ("a.libs", "b.libs", "c.libs"):
        (tmp_path / folder).mkdir()
    (tmp_path / "a.libs" / "libx.so.1").write_bytes(b"same")
    (tmp_path / "b.libs" / "libx.so.1").write_bytes(b"same")
    (tmp_path / "c.libs" / "libx.so.1").write_bytes(b"diff")
    replaced = bundle.link_duplicates(tmp_path)
    assert replaced == [tmp_path / "b.libs" / "libx.so.1"]
    link = tmp_path / "b.libs" / "libx.so.1"
    assert link.is_symlink() and not Path(link.readlink()).is_absolute()
    assert link.read_bytes() == b"same"
    assert not (tmp_path / "c.libs" / "libx.so.1").is_symlink()


def test_links_to_dropped_libraries_are_removed(tmp_path: Path) -> None:
    (tmp_path / "PySide6").mkdir()
    (tmp_path / "PySide6" / "libQt6Core.so.6").write_bytes(b"kept")
    (tmp_path / "libQt6Core.so.6").symlink_to("PySide6/libQt6Core.so.6")
    (tmp_path / "libQt6Pdf.so.6").symlink_to("PySide6/libQt6Pdf.so.6")
    assert bundle.remove_dangling_links(tmp_path) == [tmp_path / "libQt6Pdf.so.6"]
    assert (tmp_path / "libQt6Core.so.6").read_bytes() == b"kept"


def test_identical_console_executable_becomes_a_link(tmp_path: Path) -> None:
    (tmp_path / "sfdesk").write_bytes(b"bootloader + archive")
    (tmp_path / "sfdesk-console").write_bytes(b"bootloader + archive")
    assert bundle.link_console_executable(tmp_path)
    console = tmp_path / "sfdesk-console"
    assert console.is_symlink() and console.readlink() == Path("sfdesk")
    assert console.read_bytes() == b"bootloader + archive"
    assert not bundle.link_console_executable(tmp_path)  # already done


def test_different_executables_both_stay(tmp_path: Path) -> None:
    (tmp_path / "sfdesk").write_bytes(b"windowed subsystem")
    (tmp_path / "sfdesk-console").write_bytes(b"console subsystem")
    assert not bundle.link_console_executable(tmp_path)
    assert not (tmp_path / "sfdesk-console").is_symlink()


@pytest.mark.skipif(shutil.which("strip") is None, reason="needs binutils' strip")
def test_only_the_interpreter_is_stripped(tmp_path: Path) -> None:
    dynload = Path(sys.base_prefix) / "lib" / f"python3.{sys.version_info.minor}" / "lib-dynload"
    extension = next(iter(sorted(dynload.glob("_json*.so"))), None)
    if extension is None:
        pytest.skip(f"no _json extension module in {dynload}")
    target = tmp_path / "python3.11" / "lib-dynload" / extension.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(extension, target)
    wheel_lib = tmp_path / "numpy.libs" / "libopenblas.so"
    wheel_lib.parent.mkdir()
    wheel_lib.write_bytes(b"not an ELF file: stripping it would fail")
    assert bundle.strip_interpreter(tmp_path) == [target]
    assert 0 < target.stat().st_size <= extension.stat().st_size


def test_top_level_libraries_only_dropped_plugins_needed_are_left_out() -> None:
    links = {
        "/v/cv2.so": ["libstdc++.so.6"],
        "/v/qt/libqxcb.so": ["libX11.so.6"],
        "/s/libX11.so.6": ["libxcb.so.1"],
        "/s/libgtk-3.so.0": ["libcairo.so.2"],
        "/v/_ext.so": ["/abs/libffi.so.8"],
    }
    entries = [
        ("cv2/cv2.abi3.so", "/v/cv2.so", "EXTENSION"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/v/qt/libqxcb.so", "BINARY"),
        ("_ext.cpython-311-x86_64-linux-gnu.so", "/v/_ext.so", "EXTENSION"),
        ("libpython3.11.so.1.0", "/s/libpython3.11.so.1.0", "BINARY"),
        ("libstdc++.so.6", "/s/libstdc++.so.6", "BINARY"),
        ("libX11.so.6", "/s/libX11.so.6", "BINARY"),
        ("libxcb.so.1", "/s/libxcb.so.1", "BINARY"),
        ("libffi.so.8", "/s/libffi.so.8", "BINARY"),
        ("libgtk-3.so.0", "/s/libgtk-3.so.0", "BINARY"),
        ("libcairo.so.2", "/s/libcairo.so.2", "BINARY"),
    ]
    kept = bundle.reachable_binaries(entries, lambda src: links.get(src, []))
    assert [dest for dest, _, _ in kept] == [dest for dest, _, _ in entries[:8]]
