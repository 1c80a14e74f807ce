"""The station's web server. For now: health and the status counts the review page will
build on (no document content is served before login exists)."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from models.db import connect


def create_app(data_dir: Path) -> FastAPI:
    app = FastAPI(title="Digitization station", docs_url=None, redoc_url=None)
    db = data_dir / "station.db"

    @app.get("/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/api/status")
    def status() -> dict:
        from station.service import status as station_status

        conn = connect(db)
        try:
            full = station_status(conn)
        finally:
            conn.close()
        # Counts only: file names and errors wait for the review page's login.
        return {k: full[k] for k in ("jobs", "documents", "outbox")} | {
            "failures": len(full["recent_failures"]), "dead_letters": len(full["dead_letters"])}

    return app
