"""The scenario files the explorer may read and the one folder it may write.

The browser names a scenario by an id from the listing, never by a path, and an export by a
plain file name; anything else is refused, so nothing it sends can reach a file outside the
scenario folders and the export folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from coopsim.errors import InputError

#: An export's name: letters, digits, '-' and '_', starting with a letter or digit.
EXPORT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
EXPORT_RULE = "1 to 64 letters, digits, '-' or '_', starting with a letter or digit"


@dataclass(frozen=True)
class ScenarioEntry:
    """One scenario file the page lists: its id, file and whether it is an export."""

    id: str
    path: Path
    exported: bool


class ScenarioLibrary:
    """Scenario files given on the command line or found in given folders, and exports."""

    def __init__(self, sources: list[Path], export_folder: Path) -> None:
        """`sources`: scenario files or folders of them; `export_folder`: where exports go."""
        self.files: list[Path] = []
        for source in sources:
            if source.is_dir():
                self.files += sorted(source.resolve().glob("*.toml"))
            elif source.is_file():
                self.files.append(source.resolve())
            else:
                raise InputError(str(source), "no such scenario file or folder")
        self.export_folder = export_folder.resolve()

    def folders(self) -> list[Path]:
        """Every folder the explorer reads scenarios from (the export folder included)."""
        found = {path.parent for path in self.files} | {self.export_folder}
        return sorted(found)

    def entries(self) -> list[ScenarioEntry]:
        """The scenarios to list: the given ones, then the exports, each with a unique id."""
        listed = [ScenarioEntry(path.stem, path, False) for path in self.files]
        if self.export_folder.is_dir():
            listed += [
                ScenarioEntry(f"exports/{path.stem}", path, True)
                for path in sorted(self.export_folder.glob("*.toml"))
                if path.resolve() not in self.files
            ]
        seen: dict[str, int] = {}
        unique = []
        for entry in listed:
            n = seen[entry.id] = seen.get(entry.id, 0) + 1
            unique.append(entry if n == 1 else ScenarioEntry(f"{entry.id}~{n}", entry.path, False))
        return unique

    def path_of(self, scenario_id: object) -> Path:
        """The file of a listed id; any other id (a path, '..') is refused."""
        entries = {entry.id: entry.path for entry in self.entries()}
        if not isinstance(scenario_id, str) or scenario_id not in entries:
            raise InputError(
                "scenario", f"unknown scenario {scenario_id!r}; listed: {', '.join(entries)}"
            )
        return entries[scenario_id]

    def export_path(self, name: object, suffix: str) -> Path:
        """The export folder's file `name` + `suffix`, for a name that is a plain file name."""
        if not isinstance(name, str) or not EXPORT_NAME.fullmatch(name):
            raise InputError("name", f"an export's name is {EXPORT_RULE} (got {name!r})")
        self.export_folder.mkdir(parents=True, exist_ok=True)
        return self.export_folder / f"{name}{suffix}"
