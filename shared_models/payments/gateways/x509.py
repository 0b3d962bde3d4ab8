"""Just enough X.509 for UnionPay: read a certificate with Crypto.Util.asn1 and check its chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from Crypto.Hash import SHA256
from Crypto.IO import PEM
from Crypto.PublicKey import RSA
from Crypto.PublicKey.RSA import RsaKey
from Crypto.Signature import pkcs1_15
from Crypto.Util.asn1 import DerBitString, DerObject, DerObjectId, DerSequence, DerSetOf

SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
COMMON_NAME = "2.5.4.3"
# How ASN.1 string types become text: UTF8String, PrintableString, T61, IA5, BMPString.
STRING_CODECS = {0x0C: "utf-8", 0x13: "ascii", 0x14: "latin-1", 0x16: "ascii", 0x1E: "utf-16-be"}


class CertificateError(ValueError):
    """A certificate cannot be read, or does not chain, or is out of date, or names someone else."""


def _object(encoded: bytes) -> DerObject:
    obj = DerObject()
    obj.decode(encoded)
    return obj


def _time(encoded: bytes) -> datetime:
    obj = _object(encoded)
    text = obj.payload.decode("ascii")
    if obj._tag_octet == 0x17:  # UTCTime: two-digit years, 50-99 are the 1900s (RFC 5280)
        text = ("19" if int(text[:2]) >= 50 else "20") + text
    elif obj._tag_octet != 0x18:
        raise CertificateError("validity is neither UTCTime nor GeneralizedTime")
    if not text.endswith("Z") or len(text) != 15:
        raise CertificateError(f"validity time {text!r} is not YYYYMMDDHHMMSSZ")
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)


def _common_name(name: bytes) -> str | None:
    """The last CN in a Name (SEQUENCE OF SET OF SEQUENCE {type, value})."""
    found = None
    for rdn in DerSequence().decode(name):
        for attribute in DerSetOf().decode(rdn):
            kind, value = DerSequence().decode(attribute)
            if DerObjectId().decode(kind).value == COMMON_NAME:
                obj = _object(value)
                codec = STRING_CODECS.get(obj._tag_octet)
                if codec is None:
                    raise CertificateError(f"CN has an unknown string type {obj._tag_octet:#x}")
                found = obj.payload.decode(codec)
    return found


def _algorithm(encoded: bytes) -> str:
    return DerObjectId().decode(DerSequence().decode(encoded)[0]).value


@dataclass(frozen=True)
class Certificate:
    """The fields of an X.509 v3 certificate the chain check reads, and the DER they came from."""

    der: bytes
    tbs: bytes  # the signed part, exactly as encoded
    serial: int
    issuer: bytes  # the issuer Name's DER, compared byte for byte with the issuer's subject
    subject: bytes
    issuer_cn: str | None
    subject_cn: str | None
    not_before: datetime
    not_after: datetime
    signature_algorithm: str
    signature: bytes
    public_key: RsaKey

    @classmethod
    def from_pem(cls, pem: bytes | str) -> Certificate:
        text = pem.decode("ascii", errors="replace") if isinstance(pem, bytes) else pem
        try:
            der, marker, _ = PEM.decode(text.strip())
        except ValueError as exc:
            raise CertificateError(f"not a PEM certificate: {exc}") from exc
        if marker != "CERTIFICATE":
            raise CertificateError(f"PEM holds a {marker}, not a CERTIFICATE")
        return cls.from_der(der)

    @classmethod
    def from_der(cls, der: bytes) -> Certificate:
        try:
            tbs, algorithm, signature = DerSequence().decode(der, nr_elements=3)
            fields = list(DerSequence().decode(tbs))
            if isinstance(fields[0], bytes) and fields[0][:1] == b"\xa0":
                fields.pop(0)  # [0] EXPLICIT version: v3 (absent for v1)
            serial, inner_algorithm, issuer, validity, subject, spki = fields[:6]
            not_before, not_after = DerSequence().decode(validity, nr_elements=2)
            if not isinstance(serial, int):
                raise CertificateError("serial number is not an INTEGER")
            if _algorithm(inner_algorithm) != _algorithm(algorithm):
                raise CertificateError("the signed and outer signature algorithms differ")
            return cls(
                der=der, tbs=tbs, serial=serial, issuer=issuer, subject=subject,
                issuer_cn=_common_name(issuer), subject_cn=_common_name(subject),
                not_before=_time(not_before), not_after=_time(not_after),
                signature_algorithm=_algorithm(algorithm),
                signature=DerBitString().decode(signature).value,
                public_key=RSA.import_key(spki))
        except CertificateError:
            raise
        except (ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
            raise CertificateError(f"not a readable X.509 certificate: {exc}") from exc

    def signed_by(self, issuer: Certificate) -> bool:
        if self.signature_algorithm != SHA256_WITH_RSA or self.issuer != issuer.subject:
            return False
        try:
            pkcs1_15.new(issuer.public_key).verify(SHA256.new(self.tbs), self.signature)
        except (ValueError, TypeError):
            return False
        return True

    def valid_at(self, moment: datetime) -> bool:
        return self.not_before <= moment <= self.not_after


def verify_chain(cert: Certificate, intermediate: Certificate, root: Certificate, *, now: datetime,
                 expected_cn: str) -> None:
    """The signing certificate was issued by the configured intermediate, itself by the root.

    Raises CertificateError naming the first check that fails.
    """
    for what, each in (("signing certificate", cert), ("intermediate", intermediate), ("root", root)):
        if not each.valid_at(now):
            raise CertificateError(f"{what} {each.subject_cn!r} is not valid at {now.isoformat()} "
                                   f"({each.not_before.isoformat()} to {each.not_after.isoformat()})")
    if not root.signed_by(root):
        raise CertificateError("the configured root is not self-signed with SHA256withRSA")
    if not intermediate.signed_by(root):
        raise CertificateError("the intermediate is not signed by the configured root")
    if not cert.signed_by(intermediate):
        raise CertificateError("the signing certificate is not signed by the configured intermediate")
    if cert.subject_cn != expected_cn:
        raise CertificateError(f"the signing certificate's CN is {cert.subject_cn!r}, not {expected_cn!r}")
