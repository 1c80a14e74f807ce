"""Configuration in one place: a TOML file (STATION_CONFIG, else <data dir>/station.toml)
plus STATION_* environment variables, which win. The file's keys are the variables'
names in lower case without the prefix (`tsa_url = ...` is STATION_TSA_URL), hot
folders are `[[hot_folders]]` tables (path, profile, polling) and delivery targets
`[[connectors]]` tables (see `delivery.registry`). Everything is checked at start,
with an error that names the bad key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.keys import Pkcs11Key, Pkcs12Key, ensure_dev_certificate
from archive.signing import LEVELS, SigningConfig
from errors import ConfigError
from ocr import DEFAULT_ENGINE
from watch_folders import HotFolder

DEFAULT_ORGANISATION = "Cơ quan thử nghiệm"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    signing: SigningConfig
    trust_roots: tuple[Path, ...]  # for verification: configured roots + the development CA
    development_key: bool


def _paths(name: str, env: dict[str, str]) -> tuple[Path, ...]:
    value = env.get(name, "")
    paths = tuple(Path(p) for p in value.split(os.pathsep) if p)
    for p in paths:
        if not p.exists():
            raise ConfigError(f"{name}: {p} does not exist")
    return paths


KNOWN_KEYS = {
    "data_dir",
    "organisation",
    "signing_level",
    "tsa_url",
    "signing_pin_file",
    "trust_roots",
    "crls",
    "signing_pkcs11_module",
    "signing_token_label",
    "signing_key_label",
    "signing_cert_label",
    "signing_key_id",
    "signing_pkcs12",
    "delivery_http_url",
    "edxml_url",
    "edxml_token",
    "paperless_url",
    "paperless_token",
    "organ_id",
    "auto_approve",
    "settle_seconds",
    "incomplete_seconds",
    "jobs",
    "retry_base_seconds",
    "approval_grace_seconds",
    "http_host",
    "http_port",
    "max_pages",
    "max_page_megapixels",
    "ocr_engine",
    # page work on other machines (station.cluster)
    "broker_url",
    "shared_dir",
    "broker_visibility_timeout",
    "page_deadline",
    "broker_max_file_mb",
    "broker_queue",
    "pages_in_flight",
}
TABLES = ("hot_folders", "connectors")  # arrays of tables, read apart from the plain keys


def data_dir(env: dict[str, str] | None = None) -> Path:
    """Where the station keeps its data, without touching keys or anything else: what
    `station status` and the other admin commands need."""
    env = dict(os.environ if env is None else env)
    if not env.get("STATION_DATA_DIR") and env.get("STATION_CONFIG"):
        env, _ = _with_file(env)
    return Path(env.get("STATION_DATA_DIR") or Path.home() / ".local/share/digitization-station")


def _with_file(env: dict[str, str]) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """Environment merged over the TOML file; and the file's tables (hot folders,
    connectors)."""
    import tomllib

    path = env.get("STATION_CONFIG")
    if not path:
        path = str(data_dir(env) / "station.toml")
        if not Path(path).exists():
            return env, {}
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"STATION_CONFIG: {path} does not exist")
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})")
    tables = {name: doc.pop(name, []) for name in TABLES}
    for name, value in tables.items():
        if not isinstance(value, list):
            raise ConfigError(f"{path}: '{name}' must be written as [[{name}]] tables")
    merged = {}
    for key, value in doc.items():
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{path}: unknown setting '{key}'")
        merged["STATION_" + key.upper()] = os.pathsep.join(value) if isinstance(value, list) else str(value)
    return {**merged, **env}, tables


def merged(env: dict[str, str] | None = None) -> dict[str, str]:
    """The STATION_* settings: the environment over the TOML file."""
    return _with_file(dict(os.environ if env is None else env))[0]


def sender_trust_roots(env: dict[str, str] | None = None) -> tuple[Path, ...]:
    """The CA certificates senders' signatures are checked against (STATION_TRUST_ROOTS),
    read without touching signing keys."""
    return _paths("STATION_TRUST_ROOTS", merged(env))


def load(env: dict[str, str] | None = None) -> Settings:
    env, _ = _with_file(dict(os.environ if env is None else env))
    base_dir = data_dir(env)
    organisation = env.get("STATION_ORGANISATION", DEFAULT_ORGANISATION).strip()
    if not organisation:
        raise ConfigError("STATION_ORGANISATION: the organisation name is empty")
    level = env.get("STATION_SIGNING_LEVEL", "").upper() or ("B-T" if env.get("STATION_TSA_URL") else "B-B")
    if level not in LEVELS:
        raise ConfigError(f"STATION_SIGNING_LEVEL: '{level}' is not one of {', '.join(LEVELS)}")
    tsa = env.get("STATION_TSA_URL") or None
    if tsa and not tsa.startswith(("http://", "https://")):
        raise ConfigError(f"STATION_TSA_URL: '{tsa}' is not an http(s) address")
    pin_file = Path(env["STATION_SIGNING_PIN_FILE"]) if env.get("STATION_SIGNING_PIN_FILE") else None
    trust = _paths("STATION_TRUST_ROOTS", env)
    crls = _paths("STATION_CRLS", env)
    development = False
    if env.get("STATION_SIGNING_PKCS11_MODULE"):
        module = Path(env["STATION_SIGNING_PKCS11_MODULE"])
        if not module.exists():
            raise ConfigError(f"STATION_SIGNING_PKCS11_MODULE: {module} does not exist")
        label = env.get("STATION_SIGNING_TOKEN_LABEL")
        if not label:
            raise ConfigError("STATION_SIGNING_TOKEN_LABEL: needed with STATION_SIGNING_PKCS11_MODULE")
        key_id = env.get("STATION_SIGNING_KEY_ID")
        try:
            key_id_bytes = bytes.fromhex(key_id) if key_id else None
        except ValueError:
            raise ConfigError(f"STATION_SIGNING_KEY_ID: '{key_id}' is not hexadecimal (e.g. 01 or a1b2)")
        key: Pkcs11Key | Pkcs12Key = Pkcs11Key(
            module,
            label,
            env.get("STATION_SIGNING_KEY_LABEL"),
            env.get("STATION_SIGNING_CERT_LABEL"),
            key_id_bytes,
            pin_file=pin_file,
        )
    elif env.get("STATION_SIGNING_PKCS12"):
        p12 = Path(env["STATION_SIGNING_PKCS12"])
        if not p12.exists():
            raise ConfigError(f"STATION_SIGNING_PKCS12: {p12} does not exist")
        key = Pkcs12Key(p12, pin_file=pin_file)
    else:
        dev = ensure_dev_certificate(base_dir / "signing", organisation)
        key, development = dev.key, True
        trust = trust + (dev.ca_cert,)
    dev_ca = base_dir / "signing" / "dev-ca.pem"
    if not development and dev_ca.exists():
        trust = trust + (dev_ca,)  # earlier development signatures stay verifiable here
    return Settings(
        base_dir, SigningConfig(organisation, key, level, tsa, trust, crls, base_dir / "cache"), trust, development
    )


def _number(env: dict[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}: '{raw}' is not a number")
    if not low <= value <= high:
        raise ConfigError(f"{name}: {value} is outside {low}..{high}")
    return value


@dataclass
class ServiceSettings:
    """Settings of `station run`."""

    data_dir: Path
    signing: SigningConfig
    folders: list[HotFolder] = field(default_factory=list)
    connectors: list[dict[str, Any]] = field(default_factory=list)  # [[connectors]] tables, see delivery.registry
    organ_id: str = ""  # this office's agency code (mã định danh), for edXML
    ocr_engine: str = DEFAULT_ENGINE  # a built-in name or module:Class (ocr.engine)
    auto_approve_above: float = 0.9
    settle_s: float = 1.0
    give_up_s: float = 60.0  # a file that stays undecodable this long is taken (and fails clearly)
    jobs: int = os.cpu_count() or 1
    retry_base_s: float = 2.0  # first wait before a delivery is tried again
    approval_grace_s: float = 30.0  # a clerk's approval can be undone this long; signing waits for it
    http_host: str = "127.0.0.1"  # the web server listens on this machine only, unless configured
    http_port: int = 8470  # 0: no web server
    max_pages: int = 2000  # per file
    max_page_pixels: int = 100_000_000  # per page: bounds a worker's memory

    @property
    def job_retry_base_s(self) -> float:
        """First wait before a failed job is tried again: longer than a delivery's, as a
        page that crashed an engine is costly to redo."""
        return 5 * self.retry_base_s

    def __post_init__(self) -> None:
        if not self.folders:
            self.folders = [
                HotFolder(self.data_dir / "hot" / "incoming", "incoming"),
                HotFolder(self.data_dir / "hot" / "archive", "archive"),
            ]


# Connectors set by single variables, as before [[connectors]] tables existed: they
# still work, and a connector of the same name in the file wins.
_CONNECTOR_VARIABLES = (
    ("http", {"url": "STATION_DELIVERY_HTTP_URL"}),
    ("edxml", {"url": "STATION_EDXML_URL", "token": "STATION_EDXML_TOKEN"}),
    ("paperless", {"url": "STATION_PAPERLESS_URL", "token": "STATION_PAPERLESS_TOKEN"}),
)


def _connector_tables(env: dict[str, str], tables: list[Any]) -> list[dict[str, Any]]:
    out = list(tables)
    named = {t.get("name", t.get("type")) for t in out if isinstance(t, dict)}
    for kind, keys in _CONNECTOR_VARIABLES:
        if not env.get(keys["url"]) or kind in named:
            continue
        table: dict[str, Any] = {"type": kind}
        for key, variable in keys.items():
            if env.get(variable):
                table[key] = env[variable]
            elif key == "token" and kind == "paperless":
                raise ConfigError(f"{variable}: needed with {keys['url']}")
        if not table["url"].startswith(("http://", "https://")):
            raise ConfigError(f"{keys['url']}: '{table['url']}' is not an http(s) address")
        out.append(table)
    return out


def _hot_folders(tables: list[Any]) -> list[HotFolder]:
    folders = []
    for i, t in enumerate(tables, 1):
        if not isinstance(t, dict) or "path" not in t:
            raise ConfigError(f"hot_folders[{i}]: needs a path")
        unknown = set(t) - {"path", "profile", "polling"}
        if unknown:
            raise ConfigError(f"hot_folders[{i}]: unknown setting '{sorted(unknown)[0]}'")
        profile = t.get("profile", "incoming")
        if profile not in ("incoming", "archive"):
            raise ConfigError(f"hot_folders[{i}].profile: '{profile}' is not incoming or archive")
        folders.append(HotFolder(Path(t["path"]), profile, bool(t.get("polling", False))))
    return folders


def service(env: dict[str, str] | None = None) -> ServiceSettings:
    """Settings of `station run`."""
    env, tables = _with_file(dict(os.environ if env is None else env))
    base = load(env)
    return ServiceSettings(
        data_dir=base.data_dir,
        signing=base.signing,
        folders=_hot_folders(tables.get("hot_folders", [])),
        connectors=_connector_tables(env, tables.get("connectors", [])),
        organ_id=env.get("STATION_ORGAN_ID", ""),
        ocr_engine=env.get("STATION_OCR_ENGINE") or DEFAULT_ENGINE,
        http_host=env.get("STATION_HTTP_HOST", "127.0.0.1"),
        http_port=int(_number(env, "STATION_HTTP_PORT", 8470, 0, 65535)),
        auto_approve_above=_number(env, "STATION_AUTO_APPROVE", 0.9, 0.0, 1.0),
        settle_s=_number(env, "STATION_SETTLE_SECONDS", 1.0, 0.1, 600.0),
        give_up_s=_number(env, "STATION_INCOMPLETE_SECONDS", 60.0, 0.5, 86400.0),
        jobs=int(_number(env, "STATION_JOBS", os.cpu_count() or 1, 1, 256)),
        retry_base_s=_number(env, "STATION_RETRY_BASE_SECONDS", 2.0, 0.05, 3600.0),
        approval_grace_s=_number(env, "STATION_APPROVAL_GRACE_SECONDS", 30.0, 0.0, 3600.0),
        max_pages=int(_number(env, "STATION_MAX_PAGES", 2000, 1, 100000)),
        max_page_pixels=int(_number(env, "STATION_MAX_PAGE_MEGAPIXELS", 100, 1, 150) * 1_000_000),
    )
