"""Test PKI on this machine: a CA, a signing certificate, a time-stamp authority served
over HTTP on 127.0.0.1 (RFC 3161), a CRL, and a SoftHSM2 token holding a key that was
generated on the token, as on a real USB token."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.timestamps import DummyTimeStamper

from archive.keys import issue, make_ca

SOFTHSM_LIB = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "246810"


@dataclass
class LocalPKI:
    dir: Path
    ca_key: object
    ca_cert: x509.Certificate
    ca_pem: Path
    p12: Path
    pin_file: Path
    crl: Path

    @classmethod
    def create(cls, d: Path) -> LocalPKI:
        d.mkdir(parents=True, exist_ok=True)
        ca_key, ca_cert = make_ca("Test CA for the station")
        key, cert = issue(ca_key, ca_cert, "Sở Nội vụ tỉnh Lạng Sơn", "Sở Nội vụ tỉnh Lạng Sơn")
        (d / "pin").write_text(PIN)
        (d / "org.p12").write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"org", key, cert, [ca_cert], serialization.BestAvailableEncryption(PIN.encode())
            )
        )
        (d / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        now = dt.datetime.now(dt.UTC)
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca_cert.subject)
            .last_update(now - dt.timedelta(hours=1))
            .next_update(now + dt.timedelta(days=7))
            .sign(ca_key, hashes.SHA256())
        )
        (d / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
        return cls(d, ca_key, ca_cert, d / "ca.pem", d / "org.p12", d / "pin", d / "ca.crl")

    def asn1(self, cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class TimeStampServer:
    """RFC 3161 over HTTP on 127.0.0.1, signing with a TSA certificate from the test CA."""

    def __init__(self, pki: LocalPKI) -> None:
        key, cert = issue(pki.ca_key, pki.ca_cert, "Test time-stamp authority", timestamping=True)
        stamper = DummyTimeStamper(
            tsa_cert=pki.asn1(cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
        )
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                resp = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(resp)))
                self.end_headers()
                self.wfile.write(resp)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/tsa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def softhsm_token(pki: LocalPKI, d: Path, label: str = "station") -> dict[str, str]:
    """Initialise a SoftHSM2 token in `d`, generate the signing key on it, store the
    certificate the test CA issues for that key. Returns the environment that points
    the station (and SoftHSM) at it."""
    import pkcs11
    from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
    from pkcs11.util.rsa import encode_rsa_public_key

    (d / "tokens").mkdir(parents=True, exist_ok=True)
    conf = d / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {d / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", "135790"],
        check=True,
        capture_output=True,
        env=env,
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)  # the library reads it when loaded in this process
    lib = pkcs11.lib(SOFTHSM_LIB)
    token = lib.get_token(token_label=label)
    with token.open(rw=True, user_pin=PIN) as session:
        pub, _ = session.generate_keypair(
            KeyType.RSA, 2048, store=True, label="signing", id=b"\x01", mechanism=Mechanism.RSA_PKCS_KEY_PAIR_GEN
        )
        public_key = serialization.load_der_public_key(encode_rsa_public_key(pub))
        _, cert = issue(
            pki.ca_key, pki.ca_cert, "Sở Nội vụ tỉnh Lạng Sơn (token)", "Sở Nội vụ tỉnh Lạng Sơn", public_key=public_key
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "signing",
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    return {
        "SOFTHSM2_CONF": str(conf),
        "STATION_SIGNING_PKCS11_MODULE": SOFTHSM_LIB,
        "STATION_SIGNING_TOKEN_LABEL": label,
        "STATION_SIGNING_KEY_LABEL": "signing",
    }
