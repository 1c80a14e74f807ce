"""Signing keys: a PKCS#12 file, a PKCS#11 token (the USB tokens government CAs issue),
or, with no configuration, a development certificate the station makes for itself.

PINs come from an environment variable or a file; they are never logged, printed or
stored anywhere else."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from errors import ExitCode, StationError

DEV_MARK = "CHỨNG THƯ THỬ NGHIỆM - DEVELOPMENT, NOT FOR PRODUCTION"


class SigningKeyError(StationError):
    """The signing key cannot be used; the message says why in plain words. A token
    plugged in later or a PIN file fixed makes it work: worth another try."""

    exit_code = ExitCode.SIGNING_KEY
    retryable = True


@dataclass(frozen=True)
class Pkcs12Key:
    path: Path
    pin_env: str | None = "STATION_SIGNING_PIN"
    pin_file: Path | None = None


@dataclass(frozen=True)
class Pkcs11Key:
    module: Path  # the token's PKCS#11 library (.so)
    token_label: str
    key_label: str | None = None
    cert_label: str | None = None
    key_id: bytes | None = None
    pin_env: str | None = "STATION_SIGNING_PIN"
    pin_file: Path | None = None


def read_pin(env: str | None, file: Path | None) -> str:
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise SigningKeyError(f"the PIN file {file} cannot be read ({e.strerror})")
    if env and env in os.environ:
        return os.environ[env]
    raise SigningKeyError(f"no PIN given: set the environment variable {env} or a PIN file")


@dataclass(frozen=True)
class DevCredentials:
    key: Pkcs12Key
    ca_cert: Path  # PEM; trusted by `station verify` on this machine


def ensure_dev_certificate(data_dir: Path, organisation: str) -> DevCredentials:
    """A development CA and an organisation certificate issued by it, made once and kept
    in `data_dir`. Subjects say plainly that they are not for production use."""
    p12, pin_file, ca_pem = data_dir / "dev-signing.p12", data_dir / "dev-signing.pin", data_dir / "dev-ca.pem"
    if not (p12.exists() and pin_file.exists() and ca_pem.exists()):
        data_dir.mkdir(parents=True, exist_ok=True)
        ca_key, ca_cert = make_ca("Station development CA - NOT FOR PRODUCTION")
        key, cert = issue(ca_key, ca_cert, organisation[:64], organisation[:64], unit=DEV_MARK)
        pin = secrets.token_urlsafe(18)
        _write_private(pin_file, pin.encode())
        _write_private(
            p12,
            pkcs12.serialize_key_and_certificates(
                b"station", key, cert, [ca_cert], serialization.BestAvailableEncryption(pin.encode())
            ),
        )
        ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return DevCredentials(Pkcs12Key(p12, pin_env=None, pin_file=pin_file), ca_pem)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _name(common: str, org: str | None = None, unit: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(attrs)


def make_ca(common: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue(
    ca_key,
    ca_cert: x509.Certificate,
    common: str,
    org: str | None = None,
    public_key=None,
    timestamping: bool = False,
    unit: str | None = None,
) -> tuple[rsa.RSAPrivateKey | None, x509.Certificate]:
    """A certificate signed by the CA, for a new key or for `public_key` (a token's)."""
    key = None
    if public_key is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_key = key.public_key()
    now = dt.datetime.now(dt.UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(common, org, unit))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if timestamping:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
    return key, b.sign(ca_key, hashes.SHA256())
