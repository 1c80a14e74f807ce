"""Hot folders: watching, waiting until a file is complete, ignore rules, profiles."""

from .rules import HotFolder, hoso_code, ignored
from .watcher import HotFolderWatcher

__all__ = ["HotFolder", "HotFolderWatcher", "hoso_code", "ignored"]
