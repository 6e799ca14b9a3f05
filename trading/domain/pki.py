"""The platform's small certificate authority and the bidders' signing certificates (X.509, Ed25519).

Each bidder organisation holds an Ed25519 key certified by the platform's own CA; it signs the manifest of
every sealed bid, so a bidder cannot deny or swap its bid after the receipt (DESIGN §4 step 3). The subject
of a bidder certificate carries the organisation's name and, in the X.509 ``serialNumber`` attribute, its
统一社会信用代码. Certificates are revoked by staff; the revoked serials live in the database and are passed
to ``check_certificate``. The platform's own receipt-signing key is a plain Ed25519 key (no certificate).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from trading.domain.accounts import check_credit_code, normalise_credit_code
from trading.domain.calendar import to_local
from trading.domain.errors import N_, DomainError

PLATFORM_ORG = "公共资源交易平台"
MIN_PASSWORD_LENGTH = 8
RULE = "electronic.encrypted_bids"
FIELD = "certificate"
# id-kp-documentSigning (RFC 9336): the key signs documents (bid manifests), not TLS or code.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")

Rng = Callable[[int], bytes]


def _ed25519_from(rng: Rng) -> Ed25519PrivateKey:
    """An Ed25519 private key whose 32-byte seed comes from ``rng``."""
    seed = rng(32)
    if len(seed) != 32:
        raise ValueError(f"the random source returned {len(seed)} bytes, expected 32")
    return Ed25519PrivateKey.from_private_bytes(bytes(seed))


def _serial_from(rng: Rng) -> int:
    """A positive random serial number of at most 127 bits (RFC 5280 allows up to 20 octets)."""
    return (int.from_bytes(rng(16), "big") >> 1) or 1


def _show(moment: datetime) -> str:
    """A time as shown in refusals: local, to the minute."""
    return to_local(moment).strftime("%Y-%m-%d %H:%M")


def new_bidder_key(rng: Rng = os.urandom) -> Ed25519PrivateKey:
    """A new Ed25519 signing key for a bidder organisation."""
    return _ed25519_from(rng)


def issue_platform_signing_key(rng: Rng = os.urandom) -> Ed25519PrivateKey:
    """A new Ed25519 key the platform signs receipts with."""
    return _ed25519_from(rng)


def create_ca(name: str, now: datetime, *, years: int = 10,
              rng: Rng = os.urandom) -> tuple[Ed25519PrivateKey, x509.Certificate]:
    """The platform's CA: a new Ed25519 key and its self-signed certificate, valid ``years`` years from ``now``."""
    key = _ed25519_from(rng)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, PLATFORM_ORG)])
    public = key.public_key()
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(public)
            .serial_number(_serial_from(rng))
            .not_valid_before(now).not_valid_after(now + timedelta(days=365 * years + years // 4))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, None))
    return key, cert


def issue_bidder_certificate(ca_key: Ed25519PrivateKey, ca_cert: x509.Certificate, *, org_name: str,
                             credit_code: str, public_key: Ed25519PublicKey, serial: int, now: datetime,
                             days: int = 730) -> x509.Certificate:
    """A certificate for a bidder organisation's Ed25519 key, signed by the platform's CA."""
    code = check_credit_code(credit_code)
    if not isinstance(public_key, Ed25519PublicKey):
        raise DomainError(N_("A bidder's signing key must be an Ed25519 key."), field=FIELD, rule=RULE)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, org_name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, code)])
    not_after = min(now + timedelta(days=days), ca_cert.not_valid_after_utc)  # never outlives its CA
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(ca_cert.subject).public_key(public_key)
            .serial_number(serial).not_valid_before(now).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, None))


def certificate_pem(cert: x509.Certificate) -> bytes:
    """The certificate as PEM bytes."""
    return cert.public_bytes(serialization.Encoding.PEM)


def load_certificate(pem: bytes | str) -> x509.Certificate:
    """A certificate from PEM, or a refusal when the data is not one."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else bytes(pem)
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise DomainError(N_("This is not a certificate in PEM format."), field=FIELD, rule=RULE) from None


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """The SHA-256 of the certificate's DER encoding, in hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def subject_credit_code(cert: x509.Certificate) -> str | None:
    """The 统一社会信用代码 in the certificate's subject serialNumber, if any."""
    found = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return str(found[0].value) if found else None


def _refuse(message: str, **params) -> DomainError:
    """A certificate refusal (field ``certificate``, rule ``electronic.encrypted_bids``)."""
    return DomainError(message, field=FIELD, rule=RULE, **params)


def _check_signed_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> None:
    """Refuse a certificate not issued and signed by this CA."""
    if cert.issuer != ca_cert.subject or cert.signature_algorithm_oid != SignatureAlgorithmOID.ED25519:
        raise _refuse(N_("The certificate was not issued by this platform's certificate authority."))
    ca_public = ca_cert.public_key()
    if not isinstance(ca_public, Ed25519PublicKey):
        raise ValueError("the platform CA must have an Ed25519 key")
    try:
        ca_public.verify(cert.signature, cert.tbs_certificate_bytes)
    except InvalidSignature:
        raise _refuse(N_("The certificate was not issued by this platform's certificate authority.")) from None


def _check_usage(cert: x509.Certificate) -> None:
    """Refuse a certificate that is not an end-entity Ed25519 signing certificate."""
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise _refuse(N_("The certificate is not a bidder's signing certificate.")) from None
    if constraints.ca or not (usage.digital_signature and usage.content_commitment) \
            or not isinstance(cert.public_key(), Ed25519PublicKey):
        raise _refuse(N_("The certificate is not a bidder's signing certificate."))


def check_certificate(cert_pem: bytes | str | x509.Certificate, ca_cert: x509.Certificate, *, now: datetime,
                      revoked_serials: Collection[int] = frozenset(),
                      revoked_at: Mapping[int, datetime] | None = None,
                      credit_code: str | None = None) -> x509.Certificate:
    """The bidder certificate if this CA signed it, it is valid at ``now``, not revoked and (if given) for the code."""
    cert = cert_pem if isinstance(cert_pem, x509.Certificate) else load_certificate(cert_pem)
    _check_signed_by(cert, ca_cert)
    _check_usage(cert)
    if now < cert.not_valid_before_utc:
        raise _refuse(N_("The certificate is not valid until %(not_before)s."),
                      not_before=_show(cert.not_valid_before_utc))
    if now > cert.not_valid_after_utc:
        raise _refuse(N_("The certificate expired on %(not_after)s."), not_after=_show(cert.not_valid_after_utc))
    revoked_at = revoked_at or {}
    if cert.serial_number in revoked_at:
        raise _refuse(N_("The certificate with serial %(serial)s was revoked on %(revoked_at)s."),
                      serial=cert.serial_number, revoked_at=_show(revoked_at[cert.serial_number]))
    if cert.serial_number in revoked_serials:
        raise _refuse(N_("The certificate with serial %(serial)s was revoked."), serial=cert.serial_number)
    if credit_code is not None:
        holder = subject_credit_code(cert)
        if holder != normalise_credit_code(credit_code):
            raise _refuse(N_("The certificate belongs to credit code %(holder)s, not %(expected)s."),
                          holder=holder or "-", expected=credit_code)
    return cert


def export_private_key(key: Ed25519PrivateKey, password: str) -> bytes:
    """The key as an encrypted PKCS#8 PEM file, for the bidder to download."""
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(N_("Choose a password of at least %(min)s characters to protect the key file."),
                          field="password", min=MIN_PASSWORD_LENGTH)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(password.encode("utf-8")))


def load_private_key(data: bytes, password: str) -> Ed25519PrivateKey:
    """The Ed25519 key from an encrypted PKCS#8 PEM file, or a refusal when the password does not open it."""
    if not password:
        raise DomainError(N_("Enter the password of the key file."), field="password")
    try:
        key = serialization.load_pem_private_key(bytes(data), password=password.encode("utf-8"))
    except TypeError:  # the file is not encrypted: the platform only hands out encrypted key files
        raise DomainError(N_("The key file is not protected by a password."), field="password") from None
    except ValueError:
        raise DomainError(N_("The password does not open this key file, or the file is damaged."),
                          field="password") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError(N_("The key file does not hold an Ed25519 signing key."), field="key")
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The public key (of a private key, or itself) as SubjectPublicKeyInfo PEM."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes | str) -> Ed25519PublicKey:
    """An Ed25519 public key from SubjectPublicKeyInfo PEM."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else bytes(pem)
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise DomainError(N_("This is not a public key in PEM format."), field="key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise DomainError(N_("The key is not an Ed25519 public key."), field="key")
    return key
