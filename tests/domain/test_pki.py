"""The platform's CA and the bidders' Ed25519 certificates: issue, check, revoke, export."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID, NameOID

from trading.domain import pki
from trading.domain.errors import DomainError

NOW = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
CODE = "91330100799655058B"
OTHER_CODE = "9144030071526726XG"
ORG = "杭州某某建设有限公司"


def counter_rng(seed: bytes = b"pki"):
    counter = itertools.count()

    def rng(size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(seed + next(counter).to_bytes(8, "big")).digest()
        return out[:size]

    return rng


@pytest.fixture(scope="module")
def ca():
    return pki.create_ca("公共资源交易平台 CA", NOW, rng=counter_rng())


@pytest.fixture(scope="module")
def bidder_key():
    return pki.new_bidder_key(counter_rng(b"bidder"))


@pytest.fixture(scope="module")
def cert(ca, bidder_key):
    ca_key, ca_cert = ca
    return pki.issue_bidder_certificate(ca_key, ca_cert, org_name=ORG, credit_code=CODE,
                                        public_key=bidder_key.public_key(), serial=1001, now=NOW)


def check(cert, ca, **kwargs):
    kwargs.setdefault("now", NOW + timedelta(days=1))
    return pki.check_certificate(pki.certificate_pem(cert), ca[1], **kwargs)


def refusal(cert, ca, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        check(cert, ca, **kwargs)
    assert refused.value.field == "certificate" and refused.value.rule == "electronic.encrypted_bids"
    return refused.value


def test_the_ca_certificate_is_a_self_signed_ca(ca):
    ca_key, ca_cert = ca
    assert ca_cert.issuer == ca_cert.subject
    assert ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "公共资源交易平台"
    assert ca_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "公共资源交易平台 CA"
    assert ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = ca_cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    ca_key.public_key().verify(ca_cert.signature, ca_cert.tbs_certificate_bytes)
    assert ca_cert.not_valid_after_utc - ca_cert.not_valid_before_utc >= timedelta(days=3650)


def test_a_bidder_certificate_names_the_organisation_and_its_credit_code(cert, ca, bidder_key):
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ORG
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == ORG
    assert pki.subject_credit_code(cert) == CODE and cert.serial_number == 1001
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    aki = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
    ski = ca[1].extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
    assert aki.key_identifier == ski.digest
    assert cert.public_key() == bidder_key.public_key()


def test_a_valid_certificate_passes(cert, ca):
    assert check(cert, ca, credit_code=CODE, revoked_serials={5, 6}) == cert
    assert check(cert, ca, now=NOW) == cert


def test_an_expired_certificate_is_refused(cert, ca):
    refused = refusal(cert, ca, now=NOW + timedelta(days=731))
    assert "expired" in str(refused) and refused.params["not_after"] == "2027-03-01 10:00"


def test_a_certificate_not_yet_valid_is_refused(cert, ca):
    assert "not valid until" in str(refusal(cert, ca, now=NOW - timedelta(seconds=1)))


def test_a_revoked_certificate_is_refused_with_the_date(cert, ca):
    assert refusal(cert, ca, revoked_serials={1001}).params["serial"] == 1001
    revoked = refusal(cert, ca, revoked_at={1001: NOW + timedelta(hours=1)})
    assert "revoked on 2025-03-01 11:00" in str(revoked)


def test_a_certificate_signed_by_another_ca_is_refused(ca, bidder_key):
    other_key, other_cert = pki.create_ca("公共资源交易平台 CA", NOW, rng=counter_rng(b"forger"))
    forged = pki.issue_bidder_certificate(other_key, other_cert, org_name=ORG, credit_code=CODE,
                                          public_key=bidder_key.public_key(), serial=1001, now=NOW)
    assert forged.issuer == ca[1].subject  # same name: only the signature tells them apart
    assert "not issued by this platform" in str(refusal(forged, ca))


def test_a_certificate_with_a_changed_byte_is_refused(cert, ca):
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    der[der.index(b"1330100799655058B")] ^= 1  # change the credit code inside the signed part
    assert "not issued by this platform" in str(refusal(x509.load_der_x509_certificate(bytes(der)), ca))


def test_the_ca_certificate_itself_is_not_a_bidder_certificate(ca):
    assert "not a bidder" in str(refusal(ca[1], ca))


def test_a_certificate_for_another_credit_code_is_refused(cert, ca):
    refused = refusal(cert, ca, credit_code=OTHER_CODE)
    assert refused.params == {"holder": CODE, "expected": OTHER_CODE}
    assert check(cert, ca, credit_code=" 9133-0100-7996-5505-8b ") == cert


def test_garbage_is_not_a_certificate(ca):
    with pytest.raises(DomainError) as refused:
        pki.check_certificate(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", ca[1], now=NOW)
    assert refused.value.field == "certificate"


def test_pem_round_trip_and_fingerprint(cert):
    pem = pki.certificate_pem(cert)
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert pki.load_certificate(pem) == cert == pki.load_certificate(pem.decode())
    der = cert.public_bytes(serialization.Encoding.DER)
    assert pki.certificate_fingerprint(cert) == hashlib.sha256(der).hexdigest()


def test_a_wrong_credit_code_cannot_be_certified(ca, bidder_key):
    with pytest.raises(DomainError) as refused:
        pki.issue_bidder_certificate(*ca, org_name=ORG, credit_code="91330100799655058C",
                                     public_key=bidder_key.public_key(), serial=2, now=NOW)
    assert refused.value.field == "credit_code"


def test_a_certificate_never_outlives_its_ca(ca, bidder_key):
    late = pki.issue_bidder_certificate(*ca, org_name=ORG, credit_code=CODE, public_key=bidder_key.public_key(),
                                        serial=3, now=NOW + timedelta(days=3600))
    assert late.not_valid_after_utc == ca[1].not_valid_after_utc


def test_pkcs8_round_trip(bidder_key):
    data = pki.export_private_key(bidder_key, "a good password")
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = pki.load_private_key(data, "a good password")
    assert loaded.public_key() == bidder_key.public_key()
    signature = loaded.sign(b"manifest")
    bidder_key.public_key().verify(signature, b"manifest")


def test_pkcs8_wrong_password_is_refused(bidder_key):
    data = pki.export_private_key(bidder_key, "a good password")
    for wrong in ("a bad password", ""):
        with pytest.raises(DomainError) as refused:
            pki.load_private_key(data, wrong)
        assert refused.value.field == "password"


def test_an_unencrypted_key_file_is_refused(bidder_key):
    plain = bidder_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    with pytest.raises(DomainError) as refused:
        pki.load_private_key(plain, "a good password")
    assert refused.value.field == "password"


@pytest.mark.parametrize("password", ["", "short", "1234567"])
def test_a_short_export_password_is_refused(bidder_key, password):
    with pytest.raises(DomainError) as refused:
        pki.export_private_key(bidder_key, password)
    assert refused.value.field == "password" and refused.value.params["min"] == 8


def test_platform_signing_key_and_public_key_pem():
    key = pki.issue_platform_signing_key(counter_rng(b"platform"))
    pem = pki.public_key_pem(key)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----") and pki.public_key_pem(key.public_key()) == pem
    public = pki.load_public_key(pem)
    public.verify(key.sign(b"receipt"), b"receipt")
    with pytest.raises(DomainError):
        pki.load_public_key(b"not a key")


def test_keys_are_deterministic_under_a_deterministic_rng():
    assert pki.new_bidder_key(counter_rng(b"x")).public_key() == pki.new_bidder_key(counter_rng(b"x")).public_key()
