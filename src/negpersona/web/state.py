"""What the server knows about its personas folder, re-read when the folder changes on disk.

A folder changes under a running server: ``negpersona policy`` or ``recheck`` rewrite files, a
colleague edits a persona's YAML, the dashboard itself saves an edit. Every request asks
:meth:`FolderState.current`, which compares the size and modification time of the files the
server reads (one ``stat`` each) with those of the last load and reloads only when one moved.
A folder that cannot be loaded any more (a damaged file mid-edit) keeps serving the last good
load, with the error shown, rather than failing every request.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from negpersona.apply.personas import Personas
from negpersona.errors import DataError, NegPersonaError
from negpersona.monitor.history import history_path, read_edits, read_history
from negpersona.present.report import report_model

WATCHED = ("personas.json", "policy.json", "negpersona.yaml")


@dataclass
class Loaded:
    """One consistent load of the folder."""

    version: int
    personas: Personas
    report: dict[str, Any]
    warnings: list[str]
    runs: list[dict[str, Any]] = field(default_factory=list)
    persona_runs: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    rechecks: dict[str, Path] = field(default_factory=dict)  # run id → folder with recheck.json
    problem: str | None = None  # why the newest files could not be loaded (the last good load)

    def persona(self, persona_id: str) -> dict[str, Any] | None:
        """The report's view of one persona (its card), or None."""
        return next((p for p in self.report["personas"] if p["id"] == persona_id), None)


class FolderState:
    """The loaded folder, shared by all requests (thread-safe)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._loaded: Loaded | None = None
        self._version = 0
        self.current()  # a folder that cannot be loaded at start is an error now, not later

    def current(self) -> Loaded:
        """The folder as it is now on disk (reloaded if a watched file changed)."""
        stamp = self._stamp_now()
        with self._lock:
            if self._loaded is not None and stamp == self._stamp:
                return self._loaded
            try:
                loaded = self._load()
            except NegPersonaError as error:
                if self._loaded is None:
                    raise
                self._loaded.problem = error.message
                return self._loaded
            self._stamp, self._loaded = stamp, loaded
            return loaded

    def _stamp_now(self) -> tuple:
        paths = [self.folder / name for name in WATCHED]
        paths += sorted((self.folder / "personas").glob("*.yaml"))
        paths += [history_path(self.folder), *sorted(self.folder.glob("*/recheck.json"))]
        stamp = []
        for path in paths:
            try:
                info = path.stat()
            except OSError:
                stamp.append((str(path), None))
                continue
            stamp.append((str(path), info.st_mtime_ns, info.st_size))
        return tuple(stamp)

    def _load(self) -> Loaded:
        personas = Personas.load(self.folder)
        report, warnings = report_model(self.folder)
        self._version += 1
        loaded = Loaded(self._version, personas, report, list(dict.fromkeys(warnings)))
        try:
            loaded.runs, loaded.persona_runs = read_history(self.folder)
            loaded.edits = read_edits(self.folder)
        except DataError as error:  # busy or damaged: the dashboard still works without it
            loaded.warnings.append(f"The run history could not be read: {error.message}")
        loaded.rechecks = _rechecks(self.folder)
        return loaded


def _rechecks(folder: Path) -> dict[str, Path]:
    """Run id → the re-check folder holding its ``recheck.json`` (folders inside ``folder``)."""
    found = {}
    for path in sorted(folder.glob("*/recheck.json")):
        try:
            run_id = json.loads(path.read_text(encoding="utf-8")).get("run_id")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(run_id, str) and run_id:
            found[run_id] = path.parent
    return found
