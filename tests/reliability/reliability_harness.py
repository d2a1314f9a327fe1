"""Helpers of the reliability tests: the server factory's type and TOML server configs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from server_harness import ServerProcess

Start = Callable[..., ServerProcess]


def write_config(path: Path, **tables: dict[str, Any]) -> Path:
    """A TOML server config of top-level keys (table "") and tables of scalar/list values."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in tables.pop("", {}).items()]
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {value(v)}" for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
