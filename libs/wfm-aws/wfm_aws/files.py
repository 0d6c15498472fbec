"""Files the taps and the pipeline read or write, checked so that a bad one is one line
naming the file and the fix (a ConfigError), never a traceback."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import ConfigError


def parse_json_object(text: str, name: str, what: str) -> dict[str, Any]:
    """`text` of the file `name` as a JSON object; `what` says what it is ("config file")."""
    if not text.strip():
        raise ConfigError(f"{what} {name} is empty: it must hold a JSON object ({{...}})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{what} {name} is not JSON: line {error.lineno}, column {error.colno}: {error.msg}; "
                          "correct the file there") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {name} must hold a JSON object ({{...}}), not a {type(data).__name__}")
    return data


def read_json_object(path: str | os.PathLike[str], what: str) -> dict[str, Any]:
    """The JSON object in the file at `path` (see parse_json_object)."""
    return parse_json_object(read_text(path, what), str(path), what)


def read_text(path: str | os.PathLike[str], what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist: check the path") from None
    except IsADirectoryError:
        raise ConfigError(f"{what} {path} is a directory, not a file: check the path") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what} {path} is not UTF-8 text: it must hold JSON") from None
    except OSError as error:
        raise ConfigError(f"{what} {path} cannot be read ({error.strerror}): check the path "
                          "and its permissions") from None


def check_writable_file(setting: str, path: str | os.PathLike[str]) -> None:
    """A file the tap appends to or touches later can be written now: its folder exists or
    can be made, and a file can be created there (tried, then removed; an existing file is
    opened for appending and left as it was). Raises ConfigError naming the setting."""
    target = Path(path)
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "it is a directory")
        if target.exists():
            with target.open("a", encoding="utf-8"):
                pass
        else:
            _create_a_file_in(target.parent)
    except OSError as error:
        raise ConfigError(f"{setting} {target} cannot be written ({error.strerror or error}): "
                          f"set {setting} to a file in a writable folder") from None


def check_writable_directory(setting: str, path: str | os.PathLike[str]) -> None:
    """A folder the tap writes files to exists (or can be made) and takes a new file."""
    try:
        _create_a_file_in(Path(path))
    except OSError as error:
        raise ConfigError(f"{setting} {path} cannot be written ({error.strerror or error}): "
                          f"set {setting} to a writable folder") from None


def _create_a_file_in(folder: Path) -> None:
    for ancestor in (folder, *folder.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, f"{ancestor} is a file, not a folder")
            break
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass
