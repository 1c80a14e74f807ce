"""The connector registry: delivery targets by kind, each built from its own
`[[connectors]]` table and checking its own keys (as pyHanko's configurable objects do).

    [[connectors]]
    type = "edxml"            # export | http | edxml | paperless
    name = "edxml"            # how the outbox and the status page call it (default: the type)
    url = "https://qlvb.example.gov.vn/edxml"
    token = "..."

Adding a target is one class with `kind`, `from_config` and `send`, and one line in
`KINDS`; the configuration, the service and the station need no change."""

from __future__ import annotations

from typing import Any

from errors import ConfigError

from .connectors import Connector, ConnectorContext, ConnectorTable, EdxmlHttp, ExportFolder, HttpMultipart, Paperless

KINDS: dict[str, Any] = {c.kind: c for c in (ExportFolder, HttpMultipart, EdxmlHttp, Paperless)}


def build(tables: list[dict[str, Any]], ctx: ConnectorContext) -> dict[str, Connector]:
    """The configured connectors by name, with the export folder always among them:
    whatever else is configured, a document can always be delivered to this machine."""
    out: dict[str, Connector] = {}
    for i, table in enumerate(tables, 1):
        where = f"connectors[{i}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: a table with type = ... is expected")
        t = ConnectorTable(where, table)
        kind = t.get("type", required=True)
        if kind not in KINDS:
            raise ConfigError(f"{where}.type: '{kind}' is not one of {', '.join(KINDS)}")
        name = str(t.get("name", kind))
        if name in out:
            raise ConfigError(f"{where}.name: '{name}' names two connectors")
        out[name] = KINDS[kind].from_config(t, ctx)
        t.done()
    if not any(isinstance(c, ExportFolder) for c in out.values()):
        out = {"export": ExportFolder.from_config(ConnectorTable("export", {}), ctx), **out}
    return out
