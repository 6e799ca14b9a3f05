"""The standalone sealing tool: ``python -m trading.domain.sealing seal|inspect|verify|verify-receipt`` for
bidders, ``holder-key new|show`` and ``release-share`` for key holders.

No Flask, no database: a bidder seals its price form and documents for a lot's published opening key, checks
the envelope as the platform will, and later checks the platform's receipt offline. A key holder makes its
personal key on its own computer (the platform receives the public key only) and, at the opening, opens its
sealed share into a released-share file to upload. Exit status 0 means all checks passed, 1 that something was
refused (the reason is printed), 2 a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import getpass
import json
import os
import re
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from ..errors import DomainError
from . import ceremony, holderkeys, sharefiles
from .envelope import check_for_upload, fingerprint, inspect, seal
from .receipt import verify_receipt

_HEX = re.compile(r"[0-9a-fA-F]{64}")


class ToolError(Exception):
    """A problem with the tool's input (files, keys, options), reported as a message with exit status 1."""


def load_public_key(value: str, kind: type) -> bytes:
    """A raw 32-byte public key from a file or the argument itself: PEM, raw bytes, hex or base64."""
    path = Path(value)
    data = path.read_bytes() if path.is_file() else value.encode()
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise ToolError(f"{value}: not a PEM public key ({exc})") from None
        if not isinstance(key, kind):
            raise ToolError(f"{value}: not an {kind.__name__.removesuffix('PublicKey')} public key")
        return key.public_bytes_raw()
    if path.is_file() and len(data) == 32:
        return data
    text = data.decode("ascii", "replace").strip()
    if _HEX.fullmatch(text):
        return bytes.fromhex(text)
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ToolError(f"{value}: expected a 32-byte key as PEM, raw bytes, 64 hex digits or base64")
    return raw


def load_signing_key(path: str, password_env: str | None) -> Ed25519PrivateKey:
    """The bidder's Ed25519 key from a PEM PKCS#8 file, encrypted with the password in ``password_env``."""
    data = Path(path).read_bytes()
    password = None
    if password_env:
        if password_env not in os.environ:
            raise ToolError(f"the environment variable {password_env} is not set")
        password = os.environ[password_env].encode()
    try:
        key = serialization.load_pem_private_key(data, password)
    except TypeError:
        if password is not None or not sys.stdin.isatty():
            raise ToolError(f"{path}: the key is encrypted; give its password with --password-env") from None
        key = serialization.load_pem_private_key(data, getpass.getpass(f"Password for {path}: ").encode())
    except ValueError:
        raise ToolError(f"{path}: cannot read the key (wrong password, or not a PEM private key)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ToolError(f"{path}: not an Ed25519 private key")
    return key


def _price_form(args) -> dict:
    form = {"price": args.price, **({"duration": args.duration} if args.duration else {})}
    for item in args.field:
        name, sep, value = item.partition("=")
        if not sep or not name or name in form:
            raise ToolError(f"--field {item}: expected NAME=VALUE with a new name")
        form[name] = value
    return form


def cmd_seal(args) -> int:
    """Seal the price form and documents into one envelope file."""
    lot_key = load_public_key(args.lot_key, X25519PublicKey)
    signer = load_signing_key(args.key, args.password_env)
    certificate = Path(args.cert).read_bytes()
    out = Path(args.out)
    partial = out.with_name(out.name + ".part")
    handles = [open(name, "rb") for name in args.files]
    try:
        with partial.open("wb") as stream:
            result = seal(stream, lot_code=args.lot_code, bidder_code=args.bidder_code, lot_public_key=lot_key,
                          price_form=_price_form(args), files=[(Path(h.name).name, h) for h in handles],
                          signer=signer, certificate_pem=certificate, chunk_size=args.chunk_size)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, out)
    finally:
        for handle in handles:
            handle.close()
        partial.unlink(missing_ok=True)
    print(f"sealed       {out} ({result.size} bytes)")
    print(f"lot          {args.lot_code}, opening key {fingerprint(lot_key)}")
    print(f"bidder       {args.bidder_code}")
    print(f"manifest     {result.manifest_hash}")
    print("the receipt the platform returns must name this manifest hash and size")
    return 0


def _print_info(info) -> None:
    cert = info.certificate()
    print(f"envelope     version {info.version}, {info.size} bytes")
    print(f"lot          {info.lot_code}")
    print(f"bidder       {info.bidder_code}")
    print(f"opening key  {info.lot_key_fingerprint}")
    print(f"suite        {info.suite}")
    print(f"chunk size   {info.chunk_size}")
    print(f"header hash  {info.header_hash}")
    for index, entry in enumerate(info.files):
        state = "ok" if entry.ciphertext_ok else "DOES NOT MATCH THE MANIFEST"
        print(f"file {index:<7} {entry.name} ({entry.size} bytes)")
        if entry.salted_hash is not None:  # versions 1 and 2
            print(f"  salted     {entry.salted_hash}")
        print(f"  encrypted  {entry.ciphertext_hash} {state}")
    print(f"manifest     {info.manifest_hash}")
    print(f"signature    {'valid' if info.signature_valid else 'INVALID'} under the embedded certificate")
    print(f"certificate  {cert.subject.rfc4514_string()}, serial {cert.serial_number:x}")
    when = "%Y-%m-%d %H:%M:%S"
    print(f"  valid      {cert.not_valid_before_utc:{when}} to {cert.not_valid_after_utc:{when}} UTC"
          " (the platform checks its issuer against its CA)")


def cmd_inspect(args) -> int:
    """Print what anyone can see in an envelope without a private key."""
    with open(args.envelope, "rb") as stream:
        info = inspect(stream)
    _print_info(info)
    return 0 if info.signature_valid and info.body_ok else 1


def cmd_verify(args) -> int:
    """Run the platform's upload checks on an envelope."""
    lot_key = load_public_key(args.lot_key, X25519PublicKey)
    with open(args.envelope, "rb") as stream:
        bidder = args.bidder_code
        if bidder is None:
            bidder = inspect(stream).bidder_code
            stream.seek(0)
        info = check_for_upload(stream, lot_code=args.lot_code, lot_public_key=lot_key, bidder_code=bidder)
    print(f"OK: envelope for lot {info.lot_code} by {info.bidder_code}, opening key {info.lot_key_fingerprint}")
    print(f"manifest     {info.manifest_hash} ({info.size} bytes)")
    return 0


def cmd_verify_receipt(args) -> int:
    """Check a receipt's signature and, with --envelope, that it names this envelope."""
    platform_key = load_public_key(args.platform_key, Ed25519PublicKey)
    try:
        data = json.loads(Path(args.receipt).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ToolError(f"{args.receipt}: not JSON ({exc})") from None
    receipt = verify_receipt(data, platform_key)
    for name, value in receipt.as_fields().items():
        print(f"{name:<25}{value}")
    print("signature                valid (platform key " + fingerprint(platform_key) + ")")
    if args.envelope:
        with open(args.envelope, "rb") as stream:
            info = inspect(stream)
        found = (info.manifest_hash, info.size, info.lot_code, info.bidder_code)
        if found != (receipt.manifest_hash, receipt.envelope_size, receipt.lot_code, receipt.bidder_code):
            print(f"MISMATCH: the envelope has manifest {info.manifest_hash}, {info.size} bytes, lot {info.lot_code},"
                  f" bidder {info.bidder_code}", file=sys.stderr)
            return 1
        print(f"envelope                 {args.envelope} matches (manifest hash and size)")
    return 0


def _passphrase(env: str | None, prompt: str, *, twice: bool = False) -> str:
    """The key-holder passphrase from the environment variable ``env``, else asked on the terminal."""
    if env:
        if env not in os.environ:
            raise ToolError(f"the environment variable {env} is not set")
        return os.environ[env]
    if not sys.stdin.isatty():
        raise ToolError("give the passphrase with --passphrase-env (no terminal to ask on)")
    first = getpass.getpass(prompt)
    if twice and getpass.getpass("Again: ") != first:
        raise ToolError("the two passphrases differ")
    return first


def cmd_holder_key_new(args) -> int:
    """Make a key holder's personal key file; print the public key to upload and its fingerprint."""
    out = Path(args.out)
    if out.exists():
        raise ToolError(f"{out} exists: the tool never overwrites a key file")
    passphrase = _passphrase(args.passphrase_env, "Key-holder passphrase (12 characters or more): ", twice=True)
    holderkeys.check_passphrase(passphrase)
    data, public = holderkeys.new_key_file(passphrase)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    print(f"key file     {out} (keep it and its passphrase to yourself; the platform never sees either)")
    print(f"public key   {public.hex()}")
    print(f"fingerprint  {holderkeys.fingerprint(public)}")
    print("upload the public key on the platform's key-holder page; a supervisor then approves it")
    return 0


def cmd_holder_key_show(args) -> int:
    """Print a key file's public key and fingerprint (no passphrase needed)."""
    public = holderkeys.key_file_public_key(Path(args.key).read_bytes())
    print(f"public key   {public.hex()}")
    print(f"fingerprint  {holderkeys.fingerprint(public)}")
    return 0


def cmd_release_share(args) -> int:
    """Open a downloaded sealed share with the holder's key file and write the released-share file to upload."""
    lot_code, share = sharefiles.read_sealed_share(Path(args.share).read_bytes())
    if args.lot_code and args.lot_code != lot_code:
        raise ToolError(f"{args.share} is a share of lot {lot_code}, not {args.lot_code}")
    key_data = Path(args.key).read_bytes()
    private = holderkeys.open_key_file(key_data, _passphrase(args.passphrase_env, "Key-holder passphrase: "))
    opened = ceremony.open_share(share, lot_code, private)  # checks the logged share hash too
    out = Path(args.out)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(sharefiles.released_share_file(lot_code, share, opened))
    os.replace(partial, out)
    print(f"released     {out}: share {opened.index} of lot {lot_code} ({share.role})")
    print(f"share hash   {share.share_hash} (as logged at the key ceremony)")
    print("upload this file on the lot's opening page; the platform accepts it only after the bid deadline")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="python -m trading.domain.sealing",
                                     description="The sealing tool: seal a bid, check an envelope, check a receipt;"
                                                 " a key holder's key and share release.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("seal", help="seal a price form and documents into an envelope")
    p.add_argument("--lot-code", required=True)
    p.add_argument("--bidder-code", required=True)
    p.add_argument("--lot-key", required=True, help="the lot's opening public key: file or value (hex/base64/PEM)")
    p.add_argument("--key", required=True, help="the bidder's Ed25519 private key (PEM PKCS#8, encrypted)")
    p.add_argument("--password-env", help="environment variable holding the key's password")
    p.add_argument("--cert", required=True, help="the bidder's certificate (PEM)")
    p.add_argument("--price", required=True, help="the bid price in yuan, e.g. 12345678.90")
    p.add_argument("--duration", default="", help="the duration, e.g. 180日历天 (a property lot's sealed price "
                                                  "has none)")
    p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE", help="another price-form field")
    p.add_argument("--chunk-size", type=int, default=1024 * 1024, help=argparse.SUPPRESS)
    p.add_argument("--out", required=True, help="the envelope file to write")
    p.add_argument("files", nargs="*", metavar="FILE", help="documents to seal after the price form")
    p.set_defaults(run=cmd_seal)
    p = sub.add_parser("inspect", help="show an envelope's public content and check its signature")
    p.add_argument("envelope")
    p.set_defaults(run=cmd_inspect)
    p = sub.add_parser("verify", help="run the platform's upload checks")
    p.add_argument("envelope")
    p.add_argument("--lot-code", required=True)
    p.add_argument("--lot-key", required=True)
    p.add_argument("--bidder-code")
    p.set_defaults(run=cmd_verify)
    p = sub.add_parser("verify-receipt", help="check a receipt offline")
    p.add_argument("receipt")
    p.add_argument("--platform-key", required=True, help="the platform's Ed25519 public key (hex/base64/PEM)")
    p.add_argument("--envelope", help="also check that the receipt names this envelope")
    p.set_defaults(run=cmd_verify_receipt)
    p = sub.add_parser("holder-key", help="a key holder's personal key on its own computer")
    holder = p.add_subparsers(dest="holder_command", required=True)
    q = holder.add_parser("new", help="make a passphrase-protected key file and print the public key to upload")
    q.add_argument("--out", required=True, help="the key file to write (never overwritten)")
    q.add_argument("--passphrase-env", help="environment variable holding the passphrase (else asked)")
    q.set_defaults(run=cmd_holder_key_new)
    q = holder.add_parser("show", help="print a key file's public key and fingerprint")
    q.add_argument("key")
    q.set_defaults(run=cmd_holder_key_show)
    p = sub.add_parser("release-share", help="open your sealed share of a lot into a file to upload at the opening")
    p.add_argument("--share", required=True, help="the sealed-share file downloaded from the opening page")
    p.add_argument("--key", required=True, help="your key file (from holder-key new)")
    p.add_argument("--passphrase-env", help="environment variable holding the passphrase (else asked)")
    p.add_argument("--lot-code", help="refuse a share of any other lot")
    p.add_argument("--out", required=True, help="the released-share file to write")
    p.set_defaults(run=cmd_release_share)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the tool; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except DomainError as exc:
        print(f"refused: {exc.render()}", file=sys.stderr)
    except (ToolError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
