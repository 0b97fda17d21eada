"""A throwaway service-account key file, known to the fake Google's token endpoint."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle

EMAIL = "leadsync@project.iam.gserviceaccount.com"


@dataclass(frozen=True)
class KeyFile:
    path: Path
    email: str
    private_key_id: str
    private_pem: str

    def secrets(self) -> list[str]:
        """What must never show outside the file: the PEM's body lines, the key id."""
        lines = self.private_pem.strip().splitlines()
        return [line for line in lines if not line.startswith("-----")] + [
            self.private_key_id
        ]

    def settings(self, settings: Settings) -> Settings:
        return replace(settings, google_service_account_file=str(self.path))


@lru_cache(maxsize=2)
def _rsa_pair(which: int) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )
    return private, public


def make_key_file(
    directory: Path,
    fake: FakeGoogle,
    *,
    email: str = EMAIL,
    known: bool = True,
    other_key: bool = False,
) -> KeyFile:
    """Write a key file whose token_uri is the fake's; ``known``: the fake knows
    its public key (``other_key``: the fake knows a different one)."""
    private, public = _rsa_pair(0)
    if other_key:
        public = _rsa_pair(1)[1]
    if known:
        fake.add_service_account(email, public)
    key_id = secrets.token_hex(20)
    info = {
        "type": "service_account",
        "project_id": "project",
        "private_key_id": key_id,
        "private_key": private,
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": fake.oauth.token_uri,
    }
    path = directory / f"service-account-{key_id[:6]}.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    return KeyFile(path, email, key_id, private)
