"""A throwaway certificate authority for the TLS tests, made with the
openssl command line at test time (no key material lives in the repo).

make_pki(dir) writes:

  ca.pem / ca-key.pem            the test CA
  server.pem / server-key.pem    signed by the CA; CN and SAN localhost,
                                 SAN IP 127.0.0.1 (what the tests connect to)
  wrong-san.pem / -key.pem       signed by the same CA, but for a name the
                                 tests never connect to (identity mismatch)
  client.pem / client-key.pem    client certificate signed by the CA
  client-key-enc.pem             the same client key, AES-encrypted with
                                 CLIENT_KEY_PASSWORD
  other-ca.pem / -key.pem        an unrelated CA that signed nothing we use

"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CLIENT_CN = "airbyte-tls-client"
CLIENT_KEY_PASSWORD = "client-key-pass-9Qe"
SERVER_NAMES = ("localhost",)
SERVER_IPS = ("127.0.0.1",)
WRONG_NAME = "db.wrong-name.invalid"
DAYS = 30
# EC P-256: a fraction of the time of RSA key generation, and accepted by
# MariaDB and Connector/C built on OpenSSL.
_KEY_ARGS = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")


class CertError(RuntimeError):
    """openssl failed."""


def have_openssl() -> bool:
    return shutil.which("openssl") is not None


def _openssl(*args: str, cwd: Path) -> None:
    res = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True,
                         text=True, timeout=60)
    if res.returncode != 0:
        raise CertError("openssl %s failed: %s"
                        % (" ".join(args), res.stderr.strip()))


@dataclass
class Pki:
    """Paths of everything make_pki() wrote."""
    dir: Path

    def path(self, name: str) -> Path:
        return self.dir / name

    def text(self, name: str) -> str:
        return (self.dir / name).read_text()

    @property
    def ca(self) -> Path:
        return self.dir / "ca.pem"

    @property
    def other_ca(self) -> Path:
        return self.dir / "other-ca.pem"

    @property
    def server_cert(self) -> Path:
        return self.dir / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.dir / "server-key.pem"

    @property
    def wrong_san_cert(self) -> Path:
        return self.dir / "wrong-san.pem"

    @property
    def wrong_san_key(self) -> Path:
        return self.dir / "wrong-san-key.pem"

    @property
    def client_cert(self) -> Path:
        return self.dir / "client.pem"

    @property
    def client_key(self) -> Path:
        return self.dir / "client-key.pem"

    @property
    def client_key_encrypted(self) -> Path:
        return self.dir / "client-key-enc.pem"


def _make_ca(d: Path, stem: str, cn: str) -> None:
    ext = d / (stem + ".ext")
    ext.write_text("basicConstraints=critical,CA:TRUE\n"
                   "keyUsage=critical,keyCertSign,cRLSign\n"
                   "subjectKeyIdentifier=hash\n")
    _openssl("req", "-x509", *_KEY_ARGS, "-nodes",
             "-keyout", stem + "-key.pem", "-out", stem + ".pem",
             "-days", str(DAYS), "-subj", "/O=source-mysql tests/CN=" + cn,
             "-extensions", "v3_ca", "-config", _req_config(d, ext),
             cwd=d)


def _req_config(d: Path, ext: Path) -> str:
    """A minimal openssl config whose v3_ca section is ext's lines, so the
    result does not depend on the system openssl.cnf."""
    cfg = d / (ext.stem + ".cnf")
    cfg.write_text("[req]\ndistinguished_name=dn\n[dn]\n[v3_ca]\n"
                   + ext.read_text())
    return str(cfg)


def _make_leaf(d: Path, stem: str, ca: str, cn: str, sans: list[str],
               usage: str) -> None:
    ext = d / (stem + ".ext")
    lines = ["basicConstraints=critical,CA:FALSE",
             "keyUsage=critical,digitalSignature,keyEncipherment",
             "extendedKeyUsage=" + usage,
             "authorityKeyIdentifier=keyid"]
    if sans:
        lines.append("subjectAltName=" + ",".join(sans))
    ext.write_text("\n".join(lines) + "\n")
    _openssl("req", "-new", *_KEY_ARGS, "-nodes",
             "-keyout", stem + "-key.pem", "-out", stem + ".csr",
             "-subj", "/O=source-mysql tests/CN=" + cn,
             "-config", _plain_config(d), cwd=d)
    _openssl("x509", "-req", "-in", stem + ".csr",
             "-CA", ca + ".pem", "-CAkey", ca + "-key.pem",
             "-CAcreateserial", "-days", str(DAYS), "-sha256",
             "-extfile", ext.name, "-out", stem + ".pem", cwd=d)


def _plain_config(d: Path) -> str:
    """Config for certificate requests: no extensions, they are added when
    the CA signs."""
    cfg = d / "req.cnf"
    cfg.write_text("[req]\ndistinguished_name=dn\n[dn]\n")
    return str(cfg)


def make_pki(directory: Path | str) -> Pki:
    """Create the CA, the certificates and keys in directory."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _make_ca(d, "ca", "source-mysql test CA")
    _make_ca(d, "other-ca", "unrelated test CA")
    _make_leaf(d, "server", "ca", SERVER_NAMES[0],
               ["DNS:" + n for n in SERVER_NAMES]
               + ["IP:" + ip for ip in SERVER_IPS], "serverAuth")
    _make_leaf(d, "wrong-san", "ca", WRONG_NAME, ["DNS:" + WRONG_NAME],
               "serverAuth")
    _make_leaf(d, "client", "ca", CLIENT_CN, [], "clientAuth")
    _openssl("pkey", "-in", "client-key.pem", "-aes-256-cbc",
             "-passout", "pass:" + CLIENT_KEY_PASSWORD,
             "-out", "client-key-enc.pem", cwd=d)
    for key in d.glob("*-key*.pem"):
        key.chmod(0o600)
    return Pki(d)


def verify(pki: Pki) -> None:
    """Self-check: the leaves verify against the CA, and not against the
    unrelated one."""
    for leaf in ("server.pem", "wrong-san.pem", "client.pem"):
        _openssl("verify", "-CAfile", "ca.pem", leaf, cwd=pki.dir)
    try:
        _openssl("verify", "-CAfile", "other-ca.pem", "server.pem",
                 cwd=pki.dir)
    except CertError:
        return
    raise CertError("server.pem verifies against the unrelated CA")


if __name__ == "__main__":
    import sys
    import tempfile
    out = Path(sys.argv[1] if len(sys.argv) > 1
               else tempfile.mkdtemp(prefix="pki-"))
    verify(make_pki(out))
    print(out)
