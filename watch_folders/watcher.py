"""Hot folders: notice new files (file-system events, or polling for network shares),
hand each one over once it is complete, and rescan now and then for anything an
event missed.

A file is complete when its size and modification time have not changed for
`settle_s` seconds and it decodes as a scan. One that stays undecodable for
`give_up_s` is handed over anyway: the job then fails with a clear error instead of
the file waiting forever."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ocr import InputError, count_pages

from .rules import HotFolder, ignored

Handoff = Callable[[Path, HotFolder], None]


@dataclass
class _Candidate:
    folder: HotFolder
    size: int
    mtime: float
    stable_since: float
    first_seen: float


class HotFolderWatcher:
    def __init__(
        self,
        folders: list[HotFolder],
        handoff: Handoff,
        settle_s: float = 1.0,
        rescan_s: float = 30.0,
        give_up_s: float = 60.0,
        tick_s: float = 0.2,
    ) -> None:
        self.folders = folders
        self.handoff = handoff
        self.settle_s, self.rescan_s, self.give_up_s, self.tick_s = settle_s, rescan_s, give_up_s, tick_s
        self._candidates: dict[Path, _Candidate] = {}
        self._handed: set[Path] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._observers: list = []
        self._thread: threading.Thread | None = None

    # -- events ---------------------------------------------------------------------
    def notice(self, path: Path, folder: HotFolder) -> None:
        if ignored(path) or not path.is_file():
            return
        with self._lock:
            if path in self._handed or path in self._candidates:
                return
            try:
                st = path.stat()
            except OSError:
                return
            t = time.monotonic()
            self._candidates[path] = _Candidate(folder, st.st_size, st.st_mtime, t, t)

    def start(self) -> None:
        for folder in self.folders:
            folder.path.mkdir(parents=True, exist_ok=True)
            observer = PollingObserver(timeout=1.0) if folder.polling else Observer()
            observer.schedule(_Handler(self, folder), str(folder.path), recursive=True)
            observer.start()
            self._observers.append(observer)
        self.rescan()
        self._thread = threading.Thread(target=self._run, name="hot-folders", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        for o in self._observers:
            o.stop()
        for o in self._observers:
            o.join(timeout=5)
        if self._thread:
            self._thread.join(timeout=5)

    def rescan(self) -> None:
        for folder in self.folders:
            for path in sorted(folder.path.rglob("*")):
                self.notice(path, folder)
        with self._lock:  # forget files that have left the folder
            self._handed = {p for p in self._handed if p.exists()}

    # -- completion -----------------------------------------------------------------
    def _run(self) -> None:
        last_rescan = time.monotonic()
        while not self._stop.wait(self.tick_s):
            self.check()
            if time.monotonic() - last_rescan >= self.rescan_s:
                self.rescan()
                last_rescan = time.monotonic()

    def check(self) -> None:
        t = time.monotonic()
        ready: list[tuple[Path, HotFolder]] = []
        with self._lock:
            for path, c in list(self._candidates.items()):
                try:
                    st = path.stat()
                except OSError:
                    del self._candidates[path]  # moved away or deleted while being written
                    continue
                if (st.st_size, st.st_mtime) != (c.size, c.mtime):
                    c.size, c.mtime, c.stable_since = st.st_size, st.st_mtime, t
                    continue
                if t - c.stable_since < self.settle_s or st.st_size == 0 and t - c.first_seen < self.give_up_s:
                    continue
                if not _decodes(path) and t - c.stable_since < self.give_up_s:
                    continue  # a copy tool may pause mid-file: give it time
                del self._candidates[path]
                self._handed.add(path)
                ready.append((path, c.folder))
        for path, folder in ready:
            self.handoff(path, folder)


def _decodes(path: Path) -> bool:
    try:
        count_pages(path)
        return True
    except InputError:
        return False


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: HotFolderWatcher, folder: HotFolder) -> None:
        self.watcher, self.folder = watcher, folder

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        target = getattr(event, "dest_path", None) or event.src_path
        if event.event_type in ("created", "modified", "moved", "closed"):
            self.watcher.notice(Path(os.fsdecode(target)), self.folder)
