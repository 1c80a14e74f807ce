"""Delivery of archived documents to the management system (or an export folder).

Every delivery goes through `deliver`, which is where the rule that secret documents
stay local is enforced, whatever the configuration says."""

from __future__ import annotations

from .connectors import Connector, ConnectorContext, DeliveryError, EdxmlHttp, ExportFolder, HttpMultipart, Paperless
from .package import Package
from .registry import KINDS, build


class SecretDocumentError(DeliveryError):
    """A secret-marked document was about to leave through a networked connector."""


def deliver(package: Package, connector: Connector) -> str:
    if package.secrecy and connector.networked:
        raise SecretDocumentError(
            f"{package.name} is marked {package.secrecy}: secret documents stay on this machine "
            f"and are never sent to {connector.name}",
            final=True,
        )
    try:
        return connector.send(package)
    except DeliveryError:
        raise
    except Exception as e:
        raise DeliveryError(f"{connector.name}: {type(e).__name__}: {str(e)[:200]}") from e


__all__ = [
    "KINDS",
    "Connector",
    "ConnectorContext",
    "DeliveryError",
    "EdxmlHttp",
    "ExportFolder",
    "HttpMultipart",
    "Package",
    "Paperless",
    "SecretDocumentError",
    "build",
    "deliver",
]
