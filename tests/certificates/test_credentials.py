"""A certificate as an Open Badges 3.0 Verifiable Credential (VC-JWT, EdDSA on Ed25519) that
a verifier checks offline: with the public key fetched from /.well-known/jwks.json and
joserfc alone (never the portal's own code), as docs/CREDENTIALS.md tells; one changed byte
fails it; revocation shows in the signed Bitstring Status List; a key rotation keeps what
the old key signed verifiable; an erased holder's certificates are no longer confirmed."""
from __future__ import annotations

import base64
import gzip
import json
from datetime import date

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, DecodeError, InvalidKeyIdError
from joserfc.jwk import KeySet
from sqlalchemy import select

from portal import links
from portal.certificates import services
from portal.extensions import db
from portal.models import STATUS_LIST_SIZE, Certificate
from portal.privacy import deletion

ALGORITHMS = ["EdDSA"]


def path_of(url: str) -> str:
    """The path of one of the portal's absolute links (the test client speaks to it by path)."""
    assert url.startswith(links.base_url() + "/"), url
    return url.removeprefix(links.base_url())


def published_keys(client) -> KeySet:
    """What a verifier does first: fetch the issuer's JWK set and import it (public keys only)."""
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/jwk-set+json"
    data = response.get_json()
    assert data["keys"] and all("d" not in key for key in data["keys"]), "a private part is published"
    return KeySet.import_key_set(data)


def download(client, certificate) -> str:
    response = client.get(f"/verificar/{certificate.code}/credencial.jwt")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vc+jwt"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data(as_text=True)


def verified(token: str, keys: KeySet):
    return jwt.decode(token, keys, algorithms=ALGORITHMS)


def status_bit(client, keys: KeySet, entry: dict) -> int:
    """Fetch the status list a credential names, verify its signature, read the credential's bit
    (Bitstring Status List: base64url multibase "u", GZIP, index 0 = left-most bit)."""
    response = client.get(path_of(entry["statusListCredential"]))
    assert response.status_code == 200
    status = verified(response.get_data(as_text=True), keys).claims
    assert "BitstringStatusListCredential" in status["type"]
    subject = status["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= STATUS_LIST_SIZE
    index = int(entry["statusListIndex"])  # its position within that list
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_a_downloaded_credential_verifies_with_the_published_key_alone(client, world, certify):
    certificate = certify(0, "0123-2026", issued_on=date(2026, 7, 15))
    token = download(client, certificate)
    keys = published_keys(client)
    checked = verified(token, keys)
    header, claims = checked.header, checked.claims
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    assert header["kid"] == keys.keys[0].kid  # the key named in the header is the current one
    # Its registered claims hold (issuer, not before the day it was issued).
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": claims["issuer"]["id"]},
                          nbf={"essential": True}).validate(claims)
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["id"] == claims["jti"] == links.base_url() + f"/verificar/{certificate.code}"
    assert claims["validFrom"] == "2026-07-15T05:00:00Z"  # 15 July, midnight in Lima
    subject = claims["credentialSubject"]
    assert subject["identifier"] == [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                                      "identityHash": "Rosa Quispe Mamani"}]
    assert subject["licenseNumber"] == "0123-2026"
    achievement = subject["achievement"]
    assert achievement["name"] == world["modules"][0].name
    assert achievement["fieldOfStudy"] == world["student"].student.programme.name
    assert claims["issuer"]["name"] == "CETPRO Arequipa"
    assert claims["issuer"]["otherIdentifier"][0]["identifier"] == world["cetpro"].codigo_modular
    # The DID document names the same key, as <did>#<kid>, for verifiers that resolve did:web.
    document = client.get("/.well-known/did.json")
    assert document.status_code == 200 and document.mimetype == "application/did+json"
    did = document.get_json()
    assert did["id"] == claims["iss"] == claims["issuer"]["id"] and did["id"].startswith("did:web:")
    method = f"{did['id']}#{header['kid']}"
    assert method in did["assertionMethod"]
    [jwk] = [m["publicKeyJwk"] for m in did["verificationMethod"] if m["id"] == method]
    assert verified(token, KeySet.import_key_set({"keys": [jwk]})).claims == claims


def test_the_credential_says_nothing_else_about_the_holder(client, world, certify):
    certificate = certify()
    payload = json.dumps(verified(download(client, certificate), published_keys(client)).claims, ensure_ascii=False)
    profile = world["student"].student
    for private in ("71234598", "rosa.quispe@example.pe", "987123456", "2001", "Cayma", "Egresad",
                    world["coordinator"].email, world["coordinator"].first_names,
                    profile.graduation_date.isoformat()):
        assert private not in payload, private
    subject = json.loads(payload)["credentialSubject"]
    assert set(subject) == {"type", "identifier", "licenseNumber", "achievement"}
    assert [entry["identityType"] for entry in subject["identifier"]] == ["name"]


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_one_changed_byte_fails_it(client, world, certify, part):
    token = download(client, certify())
    keys = published_keys(client)
    segments = token.split(".")
    middle = len(segments[part]) // 2
    changed = "A" if segments[part][middle] != "A" else "B"
    segments[part] = segments[part][:middle] + changed + segments[part][middle + 1:]
    tampered = ".".join(segments)
    assert tampered != token
    # A changed header byte may land in the kid (which key signed): then no published key
    # matches it, which fails the token as surely as a bad signature (the kid is the key's
    # thumbprint, so where the byte lands depends on the instance's key).
    with pytest.raises((BadSignatureError, DecodeError, InvalidKeyIdError, ValueError)):
        verified(tampered, keys)
    assert verified(token, keys).claims  # the untouched one still verifies


def test_after_revocation_the_status_list_says_revoked(client, world, certify):
    certificate, other = certify(0, "0123-2026"), certify(1, "0124-2026")
    keys = published_keys(client)
    claims = verified(download(client, certificate), keys).claims
    entry = claims["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusListIndex"] == str(certificate.status_index % STATUS_LIST_SIZE)
    other_entry = verified(download(client, other), keys).claims["credentialStatus"]
    assert status_bit(client, keys, entry) == 0 and status_bit(client, keys, other_entry) == 0

    services.revoke(world["coordinator"], certificate, "Emitido por error")
    # The credential downloaded before still verifies (it was signed), but its bit now says revoked.
    assert status_bit(client, keys, entry) == 1
    assert status_bit(client, keys, other_entry) == 0
    # A revoked certificate is no longer signed: its verification page says why.
    refused = client.get(f"/verificar/{certificate.code}/credencial.jwt")
    assert refused.status_code == 410 and "revocó este certificado" in refused.get_data(as_text=True)
    page = client.get(f"/verificar/{certificate.code}").get_data(as_text=True)
    assert "credencial.jwt" not in page
    assert f"/verificar/{other.code}/credencial.jwt" in client.get(f"/verificar/{other.code}").get_data(as_text=True)


def test_after_the_holder_erases_her_account_the_portal_no_longer_confirms_it(client, world, certify):
    certificate = certify()
    keys = published_keys(client)
    entry = verified(download(client, certificate), keys).claims["credentialStatus"]
    unknown = client.get("/verificar/ZZZZZZZZZZ/credencial.jwt")
    deletion.erase(world["student"])
    db.session.commit()
    # As /verificar does: her code answers as an unknown one, and the list no longer vouches for it.
    gone = client.get(f"/verificar/{certificate.code}/credencial.jwt")
    assert gone.status_code == unknown.status_code == 404
    assert status_bit(client, keys, entry) == 1


def test_a_key_rotation_keeps_old_credentials_verifiable(client, app, world, certify, monkeypatch):
    certificate = certify()
    old_token = download(client, certificate)
    old_kid = published_keys(client).keys[0].kid
    # The operator's rotation: the CLI prints a new key first, the current ones' public halves after.
    printed = app.test_cli_runner().invoke(args=["credentials", "new-key", "--rotate"])
    assert printed.exit_code == 0, printed.output
    rotated = json.loads(printed.stdout)
    assert "d" in rotated["keys"][0] and all("d" not in key for key in rotated["keys"][1:])
    from portal import config
    monkeypatch.setitem(app.config, "CREDENTIAL_SIGNING_KEYS", config.signing_keys_from(json.dumps(rotated)))

    keys = published_keys(client)
    assert [key.kid for key in keys.keys] == [rotated["keys"][0]["kid"], old_kid]
    assert verified(old_token, keys).header["kid"] == old_kid  # signed before: still verifies
    new_token = download(client, certificate)
    assert verified(new_token, keys).header["kid"] == rotated["keys"][0]["kid"]
    did = client.get("/.well-known/did.json").get_json()
    assert [m["id"].split("#")[1] for m in did["verificationMethod"]] == [rotated["keys"][0]["kid"], old_kid]
    # Without the old key published, the old credential would fail: the rotation is what keeps it.
    monkeypatch.setitem(app.config, "CREDENTIAL_SIGNING_KEYS", {"keys": rotated["keys"][:1]})
    with pytest.raises(InvalidKeyIdError):
        verified(old_token, published_keys(client))


def test_unknown_codes_and_lists_are_404(client, world, certify):
    certify()
    assert client.get("/verificar/ZZZZZZZZZZ/credencial.jwt").status_code == 404
    assert client.get("/credenciales/estado/2").status_code == 404  # one list holds 131,072 certificates
    assert client.get("/credenciales/estado/0").status_code == 404
    listed = client.get("/credenciales/estado/1")
    assert listed.status_code == 200 and listed.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/verificar/ZZZZZZZZZZ/credencial.jwt", "/.well-known/jwks.json",
                                  "/.well-known/did.json", "/credenciales/estado/1"])
def test_the_public_credential_routes_are_rate_limited(client, world, path):
    answers = [client.get(path).status_code for _ in range(61)]
    assert answers[60] == 429 and 429 not in answers[:60]


def test_every_certificate_has_its_own_status_index_even_when_inserted_together(world, certify):
    """Rows inserted in one flush (as the demo seed and the roster do) draw distinct indexes."""
    certify()
    template = db.session.scalar(select(Certificate))
    for n in range(40):
        db.session.add(Certificate(code=f"BULK{n:06d}", student_id=template.student_id, module_id=template.module_id,
                                   cetpro_id=template.cetpro_id, number=f"B-{n}", issued_on=template.issued_on,
                                   state="revocado", revoked_at=template.created_at))
    db.session.commit()
    indexes = list(db.session.scalars(select(Certificate.status_index)))
    assert len(indexes) == 41 and len(set(indexes)) == 41
    assert all(0 <= index < STATUS_LIST_SIZE for index in indexes)


def test_the_verification_script_in_the_docs_works_against_the_portal(client, world, certify, tmp_path,
                                                                      monkeypatch, capsys):
    """docs/CREDENTIALS.md's Python block, run as a verifier would (its fetches answered by the
    portal under test): VIGENTE, then REVOCADO after revocation."""
    import runpy
    import urllib.request
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs/CREDENTIALS.md").read_text(encoding="utf-8")
    script = tmp_path / "verificar.py"
    script.write_text(doc.split("```python\n", 1)[1].split("```", 1)[0], encoding="utf-8")

    class Answer:
        def __init__(self, url):
            response = client.get(path_of(url))
            assert response.status_code == 200, url
            self.body = response.data

        def read(self):
            return self.body

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", Answer)
    certificate = certify()
    token = tmp_path / f"certificado-{certificate.code}.jwt"
    token.write_text(download(client, certificate))
    monkeypatch.setattr("sys.argv", [str(script), str(token), links.base_url()])
    runpy.run_path(str(script), run_name="__main__")
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"Rosa Quispe Mamani · {world['modules'][0].name} · CETPRO Arequipa · N° 0123-2026 · 2026-07-15",
                       "VIGENTE"]
    services.revoke(world["coordinator"], certificate, "Emitido por error")
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.splitlines()[-1] == "REVOCADO"


def test_the_migration_gives_existing_certificates_distinct_indexes(app, world, certify):
    """Certificates recorded before the status list get one index each (unique, in list 1)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    ids = [certify(n, f"07{n}-2026").id for n in range(3)]
    db.session.remove()
    downgrade(revision="0028_webhooks")  # the revision before 0029_credential_status
    assert "status_index" not in {column["name"] for column in db.inspect(db.engine).get_columns("certificates")}
    upgrade()
    indexes = dict(db.session.execute(text("SELECT id, status_index FROM certificates")).all())
    assert sorted(indexes) == sorted(ids)
    assert len(set(indexes.values())) == 3 and all(0 <= i < STATUS_LIST_SIZE for i in indexes.values())
    first, second = ids[:2]
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE certificates SET status_index = :taken WHERE id = :id"),
                           {"taken": indexes[first], "id": second})
    db.session.rollback()


def test_a_certificate_past_the_first_list_is_read_in_the_second(client, world, certify):
    """Index 131,077 is bit 5 of list 2; list 1's bit 5 belongs to someone else."""
    certificate, neighbour = certify(0, "0123-2026"), certify(1, "0124-2026")
    certificate.status_index, neighbour.status_index = STATUS_LIST_SIZE + 5, 5
    db.session.commit()
    keys = published_keys(client)
    entry = verified(download(client, certificate), keys).claims["credentialStatus"]
    assert entry["statusListCredential"].endswith("/credenciales/estado/2") and entry["statusListIndex"] == "5"
    neighbour_entry = verified(download(client, neighbour), keys).claims["credentialStatus"]
    assert neighbour_entry["statusListCredential"].endswith("/credenciales/estado/1")
    services.revoke(world["coordinator"], certificate, "Emitido por error")
    assert status_bit(client, keys, entry) == 1 and status_bit(client, keys, neighbour_entry) == 0
    assert client.get("/credenciales/estado/3").status_code == 404
