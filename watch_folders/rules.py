"""Which files in a hot folder are scans, and what a folder's profile is."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

# Files scanners, copy tools and office software leave while working: never scans.
IGNORED = ("*.part", "*.tmp", "*.crdownload", "*.partial", "~$*", "Thumbs.db", "desktop.ini", "*.error.txt", "*.json")


@dataclass(frozen=True)
class HotFolder:
    path: Path
    profile: str = "incoming"  # incoming: a clerk reviews; archive: auto-approve above the threshold
    polling: bool = False  # network shares deliver no file-system events: poll them


def ignored(path: Path) -> bool:
    name = path.name
    return name.startswith(".") or any(fnmatch.fnmatch(name, pat) for pat in IGNORED)


def hoso_code(folder: HotFolder, path: Path) -> str | None:
    """Archive batches go into a sub-folder named after the hồ sơ (archive file) code."""
    if folder.profile != "archive":
        return None
    rel = path.relative_to(folder.path)
    return rel.parts[0] if len(rel.parts) > 1 else None
