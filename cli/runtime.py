"""The composition root of `station run`: settings in, a running station out.

As in OCRmyPDF's `run` (options and plugin manager built once, then passed down), the
station's collaborators are built here and nowhere else: the connectors from their
`[[connectors]]` tables, the signer from the configured key, the OCR engine checked,
the station given all of them, and the web app beside it. The job engine does not know
the web server exists; the web app does not know the job engine exists: they share
only the database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from archive.signing import open_signer
from delivery import ConnectorContext, build
from ocr.engine import check as check_engine
from station.config import ServiceSettings
from station.service import Station

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: ServiceSettings
    station: Station
    engine: str  # the OCR engine and its version
    web: Any = None  # the uvicorn server, when the review page is served

    def serve(self) -> None:
        """Run until stopped: the web server on a thread of its own, the station here."""
        self.web = _start_web(self.settings)
        try:
            self.station.run()
        finally:
            if self.web is not None:
                self.web.should_exit = True


@contextmanager
def runtime(settings: ServiceSettings) -> Iterator[Runtime]:
    """Everything `station run` needs, built once; the signer (a token session) is
    closed when the block ends."""
    organisation = {"OrganId": settings.organ_id, "OrganName": settings.signing.organisation}
    connectors = build(settings.connectors, ConnectorContext(settings.data_dir, organisation))
    engine = check_engine(settings.ocr_engine)  # a missing engine is said at start, not at the first scan
    with open_signer(settings.signing.key) as signer:
        station = Station(settings, connectors, signer)
        log.info("OCR engine %s; delivery to %s", engine, ", ".join(connectors))
        yield Runtime(settings, station, engine)


def _start_web(settings: ServiceSettings) -> Any:
    if not settings.http_port:
        return None
    import uvicorn

    from api.app import create_app

    app = create_app(settings.data_dir, settings.signing.trust_roots, settings.approval_grace_s)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_level="warning"))
    # Served from a thread, uvicorn leaves signals alone: the station handles SIGTERM.
    threading.Thread(target=server.run, name="web", daemon=True).start()
    return server
