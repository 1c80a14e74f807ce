"""Start-of-run housekeeping: the data folder closed to other users, and the work
folders of runs that were killed removed."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

WORKDIR_PREFIX = "station-"
OWNER_FILE = ".owner-pid"


def secure_tree(root: Path, skip: set[Path] | frozenset[Path] = frozenset()) -> None:
    """Folders 0700 and files 0600 under `root` (only ever taking rights away), except
    the folders in `skip` (hot folders: a scanner or a share writes there) and what
    is below them."""
    skip = {p.resolve() for p in skip}
    _tighten(root, 0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if (here / d).resolve() not in skip]
        for d in dirnames:
            _tighten(here / d, 0o700)
        for f in filenames:
            _tighten(here / f, 0o600)


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            return
        current = stat.S_IMODE(st.st_mode)
        if current & ~mode:
            path.chmod(current & mode)
    except OSError:
        pass  # gone meanwhile, or not ours: nothing to close


def make_workdir() -> Path:
    """A temporary work folder that says which process owns it, so a later run can tell
    a killed run's leftovers from a live one's."""
    d = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
    (d / OWNER_FILE).write_text(str(os.getpid()))
    return d


def clean_stale_workdirs(tmp: Path | None = None) -> int:
    """Remove work folders whose owner process is gone; returns how many."""
    removed = 0
    for d in Path(tmp or tempfile.gettempdir()).glob(WORKDIR_PREFIX + "*"):
        try:
            if not d.is_dir() or d.is_symlink() or d.stat().st_uid != os.getuid():
                continue
            pid = int((d / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not one of ours (or from a version without the owner file): leave it
        if not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
