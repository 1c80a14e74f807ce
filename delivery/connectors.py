"""Where documents go: a local export folder, or a system across the network."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from errors import ConfigError, StationError

from . import edxml
from .package import Package


class DeliveryError(StationError):
    """The receiver did not take the document; worth retrying later unless `final` (a 4xx
    other than 408/429 will not get better by retrying)."""

    def __init__(self, message: str, final: bool = False) -> None:
        super().__init__(message)
        self.final = final
        self.retryable = not final


@dataclass(frozen=True)
class ConnectorContext:
    """What every connector may need from the station: where its data lives and who
    this office is (the receiver in edXML terms)."""

    data_dir: Path
    organisation: dict[str, str]  # OrganId, OrganName


class Connector(Protocol):
    name: str
    networked: bool  # True: the document leaves this machine

    def send(self, package: Package) -> str:
        """Deliver; returns a receipt (where it went). Raises DeliveryError."""
        ...


class ConnectorTable:
    """One `[[connectors]]` table being read: each connector takes its own keys from it,
    and whatever is left over is an error that names the key."""

    def __init__(self, where: str, table: dict[str, Any]) -> None:
        self.where, self.rest = where, dict(table)

    def get(self, key: str, default: Any = None, required: bool = False) -> Any:
        if key not in self.rest:
            if required:
                raise ConfigError(f"{self.where}.{key}: needed for this connector")
            return default
        return self.rest.pop(key)

    def url(self, key: str = "url") -> str:
        value = str(self.get(key, required=True))
        if not value.startswith(("http://", "https://")):
            raise ConfigError(f"{self.where}.{key}: '{value}' is not an http(s) address")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.get(key, default)
        if not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{self.where}.{key}: '{value}' is not a positive number of seconds")
        return float(value)

    def done(self) -> None:
        if self.rest:
            raise ConfigError(f"{self.where}: unknown setting '{sorted(self.rest)[0]}'")


@dataclass
class ExportFolder:
    """The default: signed PDF, JSON and edXML into a folder (a shared drive, a USB disk)."""

    folder: Path
    organisation: dict[str, str] = field(default_factory=dict)  # edXML receiver (this office)
    name: str = "export folder"
    networked: bool = False
    kind: ClassVar[str] = "export"

    @classmethod
    def from_config(cls, t: ConnectorTable, ctx: ConnectorContext) -> ExportFolder:
        return cls(Path(t.get("folder", ctx.data_dir / "export")), ctx.organisation)

    def send(self, package: Package) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        message = edxml.build(
            package.pdf, package.metadata, sender_of(package), self.organisation, original=package.original
        )
        files: list[tuple[Path | bytes, Path]] = [
            (package.pdf, self.folder / package.pdf.name),
            (json.dumps(package.metadata, ensure_ascii=False, indent=2).encode(), self.folder / f"{package.name}.json"),
            (message, self.folder / f"{package.name}.edxml"),
        ]
        if package.original is not None:
            # "<name>.ban-goc.pdf" beside "<name>.pdf": the sender's file as received.
            files.append((package.original, self.folder / package.original.name))
        for src, target in files:
            tmp = target.with_name(f".{target.name}.part")
            if isinstance(src, Path):
                shutil.copyfile(src, tmp)
            else:
                tmp.write_bytes(src)
            os.replace(tmp, target)
        return str(self.folder / package.pdf.name)


@dataclass
class HttpMultipart:
    """POST multipart/form-data: `file` (the PDF) and `metadata` (JSON)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    name: str = "HTTP"
    networked: bool = True
    kind: ClassVar[str] = "http"

    @classmethod
    def from_config(cls, t: ConnectorTable, ctx: ConnectorContext) -> HttpMultipart:
        headers = t.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ConfigError(f"{t.where}.headers: a table of header names and text values")
        return cls(t.url(), dict(headers), t.number("timeout", 60.0))

    def send(self, package: Package) -> str:
        boundary = uuid.uuid4().hex
        body = _encode_parts(
            boundary,
            [
                ("metadata", None, "application/json", json.dumps(package.metadata, ensure_ascii=False).encode()),
                ("file", package.pdf.name, "application/pdf", package.pdf.read_bytes()),
            ]
            + (
                [("original", package.original.name, "application/pdf", package.original.read_bytes())]
                if package.original is not None
                else []
            ),
        )
        return _post(
            self.url,
            body,
            {
                **self.headers,
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Idempotency-Key": package.idempotency_key,
            },
            self.timeout,
        )


@dataclass
class EdxmlHttp:
    """The edXML message POSTed to the management system's endpoint."""

    url: str
    organisation: dict[str, str] = field(default_factory=dict)
    token: str | None = None  # sent as 'Authorization: Bearer <token>'
    timeout: float = 60.0
    name: str = "edXML"
    networked: bool = True
    kind: ClassVar[str] = "edxml"

    @classmethod
    def from_config(cls, t: ConnectorTable, ctx: ConnectorContext) -> EdxmlHttp:
        return cls(t.url(), ctx.organisation, t.get("token") or None, t.number("timeout", 60.0))

    def send(self, package: Package) -> str:
        body = edxml.build(
            package.pdf, package.metadata, sender_of(package), self.organisation, original=package.original
        )
        headers = {"Content-Type": "application/xml; charset=utf-8", "Idempotency-Key": package.idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return _post(self.url, body, headers, self.timeout)


@dataclass
class Paperless:
    """Paperless-ngx: POST /api/documents/post_document/ with token authentication."""

    base_url: str
    token: str
    timeout: float = 60.0
    name: str = "Paperless-ngx"
    networked: bool = True
    kind: ClassVar[str] = "paperless"

    @classmethod
    def from_config(cls, t: ConnectorTable, ctx: ConnectorContext) -> Paperless:
        return cls(t.url(), str(t.get("token", required=True)), t.number("timeout", 60.0))

    def send(self, package: Package) -> str:
        boundary = uuid.uuid4().hex
        f = {k: (v or {}).get("value") for k, v in package.metadata.get("fields", {}).items()}
        title = " ".join(str(f[k]) for k in ("type", "so_ky_hieu") if f.get(k)) or package.name
        parts: list[tuple[str, str | None, str, bytes]] = [("title", None, "text/plain", title.encode())]
        if f.get("date"):
            parts.append(("created", None, "text/plain", str(f["date"]).encode()))
        parts.append(("document", package.pdf.name, "application/pdf", package.pdf.read_bytes()))
        body = _encode_parts(boundary, parts)
        url = self.base_url.rstrip("/") + "/api/documents/post_document/"
        return _post(
            url,
            body,
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Authorization": f"Token {self.token}",
                "Idempotency-Key": package.idempotency_key,
            },
            self.timeout,
        )


def sender_of(package: Package) -> dict[str, str]:
    """The issuing body, as far as the document tells (its agency code is not printed)."""
    issuer = (package.metadata.get("fields", {}).get("issuer") or {}).get("value") or ""
    return {"OrganName": issuer}


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> str:
    """POST and say what came back. Every way a receiver or its address can fail is a
    DeliveryError: retried with backoff, never an exception that reaches the service."""
    try:
        req = urllib.request.Request(url, data=body, method="POST", headers=headers)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read(1 << 16)  # a receiver that sends garbage after its status line fails here, not later
            return f"{url} answered {resp.status}"
    except urllib.error.HTTPError as e:
        final = 400 <= e.code < 500 and e.code not in (408, 429)
        raise DeliveryError(f"{url} refused the document: HTTP {e.code} {e.reason}", final=final)
    except (urllib.error.URLError, OSError) as e:
        raise DeliveryError(f"{url} cannot be reached ({getattr(e, 'reason', e)})")
    except http.client.HTTPException as e:
        raise DeliveryError(f"{url} did not answer in HTTP ({type(e).__name__}: {str(e)[:120]!r})")
    except ValueError as e:
        raise DeliveryError(f"the receiver's address {url!r} is not valid ({e})")


def safe_filename(name: str) -> str:
    """A file name that cannot break out of a Content-Disposition header: no control
    characters (CR/LF would start a header), quotes or backslashes; ASCII only (the
    full name travels RFC 5987-encoded in filename*)."""
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]+", "_", folded.encode("ascii", "ignore").decode()).strip() or "document"
    return ascii_name[:150]


def _encode_parts(boundary: str, parts: list[tuple[str, str | None, str, bytes]]) -> bytes:
    out = b""
    for name, filename, ctype, data in parts:
        disp = f'form-data; name="{name}"'
        if filename:
            clean = "".join(c for c in filename if unicodedata.category(c)[0] != "C")
            disp += f"; filename=\"{safe_filename(filename)}\"; filename*=UTF-8''{urllib.parse.quote(clean, safe='')}"
        out += (f"--{boundary}\r\nContent-Disposition: {disp}\r\nContent-Type: {ctype}\r\n\r\n").encode()
        out += data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()
