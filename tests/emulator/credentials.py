"""Credentials the emulator accepts (fixed by docs/dev/CONTRACTS.md)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional

AK = "EMULATORAK0000000001"
SK = "emulator-secret-key-0000000000000000000001"

TEMP_AK = "EMULATORTMPAK0000001"
TEMP_SK = "emulator-temp-secret-key-00000000000001"
SECURITY_TOKEN = "emulator-security-token-0001"

IAM_TOKEN = "emulator-iam-token-0001"

DOMAIN_ID = hashlib.sha256(b"emulator-domain").hexdigest()[:32]


@dataclass(frozen=True)
class AccessKey:
    """One AK/SK pair; ``security_token`` is set for temporary keys."""

    ak: str
    sk: str
    security_token: Optional[str] = None


ACCESS_KEYS: dict[str, AccessKey] = {
    AK: AccessKey(AK, SK),
    TEMP_AK: AccessKey(TEMP_AK, TEMP_SK, SECURITY_TOKEN),
}
IAM_TOKENS: frozenset[str] = frozenset({IAM_TOKEN})


def project_id_for(region: str) -> str:
    """Deterministic 32-hex project id of a region name."""
    return hashlib.sha256(f"emulator-project:{region}".encode()).hexdigest()[:32]
