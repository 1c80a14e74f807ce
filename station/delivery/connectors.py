"""Where documents go: a local export folder, or a system across the network."""
from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .package import Package


class DeliveryError(Exception):
    """The receiver did not take the document; worth retrying later unless `final`."""

    def __init__(self, message: str, final: bool = False) -> None:
        super().__init__(message)
        self.final = final


class Connector(Protocol):
    name: str
    networked: bool  # True: the document leaves this machine

    def send(self, package: Package) -> str:
        """Deliver; returns a receipt (where it went). Raises DeliveryError."""
        ...


@dataclass
class ExportFolder:
    """The default: signed PDF and JSON into a folder (a shared drive, a USB disk)."""

    folder: Path
    name: str = "export folder"
    networked: bool = False

    def send(self, package: Package) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        for src_bytes, target in ((None, self.folder / package.pdf.name),
                                  (json.dumps(package.metadata, ensure_ascii=False, indent=2).encode(),
                                   self.folder / f"{package.name}.json")):
            tmp = target.with_name(f".{target.name}.part")
            if src_bytes is None:
                shutil.copyfile(package.pdf, tmp)
            else:
                tmp.write_bytes(src_bytes)
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

    def send(self, package: Package) -> str:
        boundary = uuid.uuid4().hex
        body = _multipart(boundary, package)
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            **self.headers,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Idempotency-Key": package.idempotency_key,
        })
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return f"{self.url} answered {resp.status}"
        except urllib.error.HTTPError as e:
            # 4xx (but 408/429) will not get better by retrying.
            final = 400 <= e.code < 500 and e.code not in (408, 429)
            raise DeliveryError(f"{self.url} refused the document: HTTP {e.code} {e.reason}", final=final)
        except (urllib.error.URLError, OSError) as e:
            raise DeliveryError(f"{self.url} cannot be reached ({getattr(e, 'reason', e)})")


def _multipart(boundary: str, package: Package) -> bytes:
    meta = json.dumps(package.metadata, ensure_ascii=False).encode()
    parts = [
        (b'Content-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n', meta),
        (f'Content-Disposition: form-data; name="file"; filename="{package.pdf.name}"\r\n'
         "Content-Type: application/pdf\r\n\r\n".encode(), package.pdf.read_bytes()),
    ]
    out = b""
    for head, data in parts:
        out += b"--" + boundary.encode() + b"\r\n" + head + data + b"\r\n"
    return out + b"--" + boundary.encode() + b"--\r\n"
