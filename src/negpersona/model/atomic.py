"""Write outputs so that a failure never leaves a half-written file behind.

Every file goes to a temporary name in the same folder first and is then renamed into place
(``os.replace`` is atomic on one file system). A folder of outputs is assembled in a temporary
sibling folder and moved in file by file only after everything was produced.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def staged_file(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds.

    The block (Python or an engine's ``COPY … TO``) writes the temporary file; on any error it is
    removed and ``path`` keeps its old content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _default_mode())  # mkstemp makes 0600; outputs get the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with staged_file(path) as tmp:
        descriptor = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)


def _default_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give: 0666 minus the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def to_json(data: Any) -> str:
    """JSON text with stable key order and non-finite floats written as null."""
    return json.dumps(_finite(data), indent=2, ensure_ascii=False, default=_default) + "\n"


def write_json(path: str | Path, data: Any) -> None:
    write_text(path, to_json(data))


def to_yaml(data: Any) -> str:
    import yaml  # loaded when needed: most commands never write YAML

    return yaml.safe_dump(_finite(data), sort_keys=False, allow_unicode=True, width=100)


@contextmanager
def staged_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder; on success move its contents into ``target``.

    Sub-folders that exist in the staged folder replace the ones in ``target`` whole, so a
    ``personas/`` folder never mixes files of two runs. On failure ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield stage
        target.mkdir(parents=True, exist_ok=True)
        for item in sorted(stage.iterdir()):
            destination = target / item.name
            if item.is_dir():
                old = None
                if destination.exists():
                    old = destination.with_name(f".{destination.name}.old")
                    shutil.rmtree(old, ignore_errors=True)
                    os.replace(destination, old)
                os.replace(item, destination)
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(item, destination)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return _default(value) if _is_numpy(value) else value


def _is_numpy(value: Any) -> bool:
    return type(value).__module__ == "numpy"


def _default(value: Any) -> Any:
    if hasattr(value, "item"):
        return _finite(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")
