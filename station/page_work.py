"""The per-page work, run in worker processes: load, archive image, recognise.

Takes and returns plain data only, so any executor (a process pool here, a task
queue on a cluster) can run it."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archive import write_page_image
from ocr import DEFAULT_ENGINE, InputError, OCREngineError, RecognisedPage, engine, load_page, recognise, timing
from ocr.barcodes import read_barcodes
from ocr.digital import read_pdf_page
from ocr.load import PAGE_PIXELS, sniff
from ocr.quality import measure
from ocr.textlayer import read_text_layer
from ocr.timing import stage


@dataclass(frozen=True)
class PageTask:
    source: Path
    index: int  # 1-based
    image_pdf: Path  # where to write the page's archival image
    lang: str = "vie"
    detect_rotation: bool = True
    deskew: bool = True
    separator: str | None = None  # read barcodes; a page with this value is a separator sheet
    rotation: int | None = None  # clockwise degrees to turn the page upright; None: detect
    max_pixels: int = PAGE_PIXELS  # a bigger page is refused before it is decoded
    engine: str = DEFAULT_ENGINE  # see ocr.engine: built in the worker from this name


@dataclass
class PageOutcome:
    task: PageTask
    page: dict[str, Any] | None = None  # RecognisedPage.to_dict()
    matrix: list[list[float]] = field(default_factory=list)
    image_size: tuple[int, int] = (0, 0)
    error: str | None = None  # plain words, for the user
    debug: str | None = None  # traceback, for --verbose and logs
    retryable: bool = False  # the cause may pass (engine trouble, memory), unlike bad input
    timings: dict[str, float] = field(default_factory=dict)  # core-seconds by stage (ocr.timing)


def run_page(task: PageTask) -> PageOutcome:
    timing.take()  # what an earlier page in this worker left uncounted is not this page's
    try:
        with stage("load"):
            src = load_page(task.source, task.index, task.max_pixels)
        with stage("page image"):
            write_page_image(task.source, src, task.image_pdf)
        with stage("barcodes"):
            codes = read_barcodes(src.image) if task.separator else []
        if task.separator and task.separator in codes:
            # A separator sheet is dropped from the output: no need to read it.
            w, h = src.image.size
            page = RecognisedPage(task.index, w, h, src.dpi[0], 0, 0.0, barcodes=codes, notes=["separator sheet"])
            return PageOutcome(task, page.to_dict(), np.eye(3).tolist(), src.image.size, timings=timing.take())
        eng = engine(task.engine)
        if sniff(task.source) == "pdf":
            # A PDF may state its text exactly: that comes before any OCR.
            with stage("text layer"):
                layer = read_text_layer(task.source, task.index, src.dpi[0])
                page, matrix = read_pdf_page(
                    src, layer, task.lang, task.detect_rotation, task.deskew, task.rotation, eng
                )
        else:
            page, matrix = recognise(src, task.lang, task.detect_rotation, task.deskew, task.rotation, eng)
        page.barcodes = codes
        with stage("quality"):
            page.quality = measure(src.image, page)
        return PageOutcome(task, page.to_dict(), matrix.tolist(), src.image.size, timings=timing.take())
    except InputError as e:
        return PageOutcome(task, error=str(e))
    except OCREngineError as e:
        return PageOutcome(task, error=f"the OCR engine failed: {e}", debug=traceback.format_exc(), retryable=True)
    except MemoryError:
        return PageOutcome(task, error="not enough memory to process this page", retryable=True)
    except Exception as e:  # noqa: BLE001 - one bad page must not stop the others
        # Not the input's known fault: an engine or library crash may pass, so the job is
        # tried again (a few times, then set aside with this traceback kept).
        return PageOutcome(
            task,
            error=f"internal error while processing the page ({type(e).__name__}: {e})",
            debug=traceback.format_exc(),
            retryable=True,
        )


def init_worker(station_pid: int | None = None) -> None:
    # One page per core already: libraries must not start threads of their own.
    import cv2

    cv2.setNumThreads(1)
    if station_pid:
        _die_with(station_pid)


def _die_with(station_pid: int) -> None:
    """A page worker waits on its task queue, and a fork server's workers keep each
    other's server alive: if the station is killed (kill -9), neither would ever end.
    A watch thread ends the worker once the station is gone."""
    import os
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(station_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="station-watch", daemon=True).start()
