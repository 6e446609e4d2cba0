"""A certificate as a credential that verifies offline: an Open Badges 3.0
OpenBadgeCredential (a W3C Verifiable Credential), signed as a VC-JWT with EdDSA on an
Ed25519 key (joserfc does the JOSE work; nothing here signs or parses by hand).

- The keys are CREDENTIAL_SIGNING_KEYS (portal/config.py), a JWK set: the first signs, all
  are published, at /.well-known/jwks.json and in the did:web document
  /.well-known/did.json, so a credential signed before a rotation still verifies. The JWT
  header's `kid` names the key (its RFC 7638 thumbprint unless the setting names it).
- Revocation: every certificate has a `status_index`, its bit in a W3C Bitstring Status
  List credential the portal signs at /credenciales/estado/<n> (1 = revoked). A certificate
  whose holder erased her account is no longer confirmed by the portal (its /verificar page
  answers as an unknown code does), so its bit is set too.
- What the credential says about the holder: her name and the achievement (module,
  programme, CETPRO, certificate number, date). Nothing else.

docs/CREDENTIALS.md says how a verifier checks one with standard tools.
"""
from __future__ import annotations

import base64
import gzip
import warnings
from datetime import UTC, datetime, time
from urllib.parse import quote, urlsplit

from flask import current_app
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey
from sqlalchemy import func, or_, select

from portal import clock, links
from portal.extensions import db
from portal.models import STATUS_LIST_SIZE, Certificate, StudentProfile, User

# "EdDSA" with an Ed25519 key: what VC-JWT verifiers and JWT tools know today. RFC 9864
# (2025) names the same signature "Ed25519"; joserfc warns that "EdDSA" is deprecated in
# its favour. The signature is the same; the widely understood name is kept on purpose.
ALGORITHM = "EdDSA"
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)

MEDIA_TYPE = "application/vc+jwt"
CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


# --- Keys and the issuer's identity --------------------------------------------------------


def _configured() -> list[dict]:
    return current_app.config["CREDENTIAL_SIGNING_KEYS"]["keys"]


def _public(entry: dict) -> dict:
    key = OKPKey.import_key(entry)
    return {**key.as_dict(private=False), "kid": entry["kid"], "use": "sig", "alg": ALGORITHM}


def jwks() -> dict:
    """Every configured key's public half: the current one first, then the earlier ones."""
    return {"keys": [_public(entry) for entry in _configured()]}


def did() -> str:
    """The portal's did:web, from BASE_URL's host (a port is written %3A, a path as :parts)."""
    parts = urlsplit(links.base_url())
    segments = [quote(parts.netloc, safe="")] + [quote(part, safe="") for part in parts.path.split("/") if part]
    return "did:web:" + ":".join(segments)


def did_document() -> dict:
    """The DID document a did:web resolver fetches: each key as a JsonWebKey2020 method,
    named `<did>#<kid>`, usable to assert credentials."""
    issuer = did()
    methods = [{"id": f"{issuer}#{key['kid']}", "type": "JsonWebKey2020", "controller": issuer,
                "publicKeyJwk": key} for key in jwks()["keys"]]
    return {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
            "id": issuer, "verificationMethod": methods,
            "assertionMethod": [method["id"] for method in methods]}


def _sign(claims: dict) -> str:
    entry = _configured()[0]
    header = {"alg": ALGORITHM, "typ": "vc+jwt", "kid": entry["kid"]}
    return jwt.encode(header, claims, OKPKey.import_key(entry), algorithms=[ALGORITHM])


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


# --- A certificate's credential ------------------------------------------------------------


def status_list_number(index: int) -> int:
    return index // STATUS_LIST_SIZE + 1


def status_list_url(number: int) -> str:
    return links.external("certificates.status_list", number=number)


def credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential of a certificate, with its JWT claims (iss, jti, nbf, iat)."""
    module, cetpro = certificate.module, certificate.cetpro
    programme = module.programme
    issuer = did()
    url = links.external("certificates.verify", code=certificate.code)
    issued = datetime.combine(certificate.issued_on, time(0), tzinfo=clock.LIMA)
    status = status_list_url(status_list_number(certificate.status_index))
    position = certificate.status_index % STATUS_LIST_SIZE  # its bit within that list
    now = clock.utcnow().replace(tzinfo=UTC)
    return {
        "@context": CONTEXTS,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Certificado modular: {module.name}",
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": cetpro.name,
            "otherIdentifier": [{"type": "IdentifierEntry", "identifier": cetpro.codigo_modular,
                                 "identifierType": "identifier"}],
            "description": f"Código modular {cetpro.codigo_modular}. Firmado en su nombre por Enlace CETPRO "
                           f"({links.base_url()}).",
        },
        "validFrom": _iso(issued),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": certificate.student.user.full_name}],
            "licenseNumber": certificate.number,
            "achievement": {
                "id": f"urn:enlace-cetpro:modulo:{module.id}",  # an identifier, not a page
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": module.name,
                "description": f"Módulo formativo del programa de estudios «{programme.name}», certificado por "
                               f"{cetpro.name} (certificado modular, D.S. 022-2004-ED).",
                "criteria": {"narrative": f"Aprobar el módulo formativo «{module.name}» del programa de estudios "
                                          f"«{programme.name}» en {cetpro.name}."},
                "fieldOfStudy": programme.name,
                "inLanguage": "es",
            },
        },
        "credentialStatus": {
            "id": f"{status}#{position}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(position),
            "statusListCredential": status,
        },
        "iss": issuer,
        "jti": url,
        "nbf": _timestamp(issued),
        "iat": _timestamp(now),
    }


def issue(certificate: Certificate) -> str:
    """The signed VC-JWT (compact serialization) of a certificate."""
    return _sign(credential(certificate))


# --- The revocation list ---------------------------------------------------------------------


def list_count() -> int:
    """How many status lists exist: enough to hold the highest index given (at least one)."""
    highest = db.session.scalar(select(func.max(Certificate.status_index)))
    return status_list_number(highest) if highest is not None else 1


def revoked_indexes(number: int) -> list[int]:
    """The indexes, in list `number`, of certificates the portal no longer confirms: revoked,
    or held by someone who erased her account."""
    first = (number - 1) * STATUS_LIST_SIZE
    return list(db.session.scalars(
        select(Certificate.status_index)
        .join(StudentProfile, StudentProfile.id == Certificate.student_id)
        .join(User, User.id == StudentProfile.user_id)
        .where(Certificate.status_index >= first, Certificate.status_index < first + STATUS_LIST_SIZE,
               or_(Certificate.state != "vigente", User.deleted_at.is_not(None)))))


def encoded_list(indexes: list[int], first: int = 0) -> str:
    """The spec's encodedList: the bitstring (index 0 = the left-most bit of the first byte),
    GZIP-compressed, base64url without padding, with the multibase prefix "u"."""
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for index in indexes:
        position = index - first
        bits[position // 8] |= 0x80 >> (position % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def status_list(number: int) -> str | None:
    """The signed BitstringStatusListCredential of list `number`; None when there is no such list."""
    if not 1 <= number <= list_count():
        return None
    url = status_list_url(number)
    issuer = did()
    now = clock.utcnow().replace(tzinfo=UTC)
    claims = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked_indexes(number), (number - 1) * STATUS_LIST_SIZE),
        },
        "iss": issuer,
        "jti": url,
        "nbf": _timestamp(now),
        "iat": _timestamp(now),
    }
    return _sign(claims)
