"""Configuration from STATION_* environment variables, checked at start with an error
that names the bad key. (The TOML file arrives with `station run`; it will fill the
same typed settings.)"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .archive.keys import Pkcs11Key, Pkcs12Key, ensure_dev_certificate
from .archive.signing import LEVELS, SigningConfig

DEFAULT_ORGANISATION = "Cơ quan thử nghiệm"


class ConfigError(Exception):
    """A setting is wrong; the message names it."""


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


def load(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("STATION_DATA_DIR") or Path.home() / ".local/share/digitization-station")
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
        key = Pkcs11Key(module, label, env.get("STATION_SIGNING_KEY_LABEL"), env.get("STATION_SIGNING_CERT_LABEL"),
                        key_id_bytes, pin_file=pin_file)
    elif env.get("STATION_SIGNING_PKCS12"):
        p12 = Path(env["STATION_SIGNING_PKCS12"])
        if not p12.exists():
            raise ConfigError(f"STATION_SIGNING_PKCS12: {p12} does not exist")
        key = Pkcs12Key(p12, pin_file=pin_file)
    else:
        dev = ensure_dev_certificate(data_dir / "signing", organisation)
        key, development = dev.key, True
        trust = trust + (dev.ca_cert,)
    dev_ca = data_dir / "signing" / "dev-ca.pem"
    if not development and dev_ca.exists():
        trust = trust + (dev_ca,)  # earlier development signatures stay verifiable here
    return Settings(data_dir, SigningConfig(organisation, key, level, tsa, trust, crls), trust, development)


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


def service(env: dict[str, str] | None = None):
    """Settings of `station run`."""
    from .service import ServiceSettings

    env = dict(os.environ if env is None else env)
    base = load(env)
    urls = {}
    for key in ("STATION_DELIVERY_HTTP_URL", "STATION_EDXML_URL", "STATION_PAPERLESS_URL"):
        url = env.get(key) or None
        if url and not url.startswith(("http://", "https://")):
            raise ConfigError(f"{key}: '{url}' is not an http(s) address")
        urls[key] = url
    if urls["STATION_PAPERLESS_URL"] and not env.get("STATION_PAPERLESS_TOKEN"):
        raise ConfigError("STATION_PAPERLESS_TOKEN: needed with STATION_PAPERLESS_URL")
    return ServiceSettings(
        data_dir=base.data_dir, signing=base.signing, http_url=urls["STATION_DELIVERY_HTTP_URL"],
        edxml_url=urls["STATION_EDXML_URL"], edxml_token=env.get("STATION_EDXML_TOKEN") or None,
        paperless_url=urls["STATION_PAPERLESS_URL"], paperless_token=env.get("STATION_PAPERLESS_TOKEN") or None,
        organ_id=env.get("STATION_ORGAN_ID", ""),
        http_host=env.get("STATION_HTTP_HOST", "127.0.0.1"),
        http_port=int(_number(env, "STATION_HTTP_PORT", 8470, 0, 65535)),
        auto_approve_above=_number(env, "STATION_AUTO_APPROVE", 0.9, 0.0, 1.0),
        settle_s=_number(env, "STATION_SETTLE_SECONDS", 1.0, 0.1, 600.0),
        give_up_s=_number(env, "STATION_INCOMPLETE_SECONDS", 60.0, 0.5, 86400.0),
        jobs=int(_number(env, "STATION_JOBS", os.cpu_count() or 1, 1, 256)),
        retry_base_s=_number(env, "STATION_RETRY_BASE_SECONDS", 2.0, 0.05, 3600.0),
    )
