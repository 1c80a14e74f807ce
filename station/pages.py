"""The per-page work, run in worker processes: load, archive image, recognise.

Takes and returns plain data only, so any executor (a process pool here, a task
queue on a cluster) can run it."""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr import InputError, OCREngineError, load_page, recognise

from .archive import write_page_image


@dataclass(frozen=True)
class PageTask:
    source: Path
    index: int  # 1-based
    image_pdf: Path  # where to write the page's archival image
    lang: str = "vie"
    detect_rotation: bool = True
    deskew: bool = True


@dataclass
class PageOutcome:
    task: PageTask
    page: dict[str, Any] | None = None  # RecognisedPage.to_dict()
    matrix: list[list[float]] = field(default_factory=list)
    image_size: tuple[int, int] = (0, 0)
    error: str | None = None  # plain words, for the user
    debug: str | None = None  # traceback, for --verbose and logs


def run_page(task: PageTask) -> PageOutcome:
    try:
        src = load_page(task.source, task.index)
        write_page_image(task.source, src, task.image_pdf)
        page, matrix = recognise(src, task.lang, task.detect_rotation, task.deskew)
        return PageOutcome(task, page.to_dict(), matrix.tolist(), src.image.size)
    except InputError as e:
        return PageOutcome(task, error=str(e))
    except OCREngineError as e:
        return PageOutcome(task, error=f"the OCR engine failed: {e}")
    except MemoryError:
        return PageOutcome(task, error="not enough memory to process this page")
    except Exception as e:  # noqa: BLE001 - one bad page must not stop the others
        return PageOutcome(task, error=f"internal error while processing the page ({type(e).__name__}: {e})",
                           debug=traceback.format_exc())


def init_worker() -> None:
    # One page per core already: libraries must not start threads of their own.
    import cv2

    cv2.setNumThreads(1)
