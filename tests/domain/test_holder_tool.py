"""The sealing tool's key-holder commands, as a holder runs them on its own computer: ``holder-key new`` makes a
passphrase-protected key file and prints the public key, ``release-share`` opens a downloaded sealed share into the
file the platform accepts (and only that holder's, for that lot)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trading.domain.errors import DomainError
from trading.domain.sealing import ceremony, holderkeys, sharefiles
from trading.domain.sealing.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
LOT = "4212022026JS0001"
STRONG = "otter lantern quarry 47"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    monkeypatch.setattr(holderkeys, "ARGON2_TIME_COST", 1)
    monkeypatch.setattr(holderkeys, "ARGON2_MEMORY_KIB", 64)
    monkeypatch.setattr(holderkeys, "ARGON2_PARALLELISM", 1)
    monkeypatch.setenv("HOLDER_PASS", STRONG)


def new_key(tmp_path, name="holder.key") -> tuple[Path, bytes]:
    path = tmp_path / name
    assert main(["holder-key", "new", "--out", str(path), "--passphrase-env", "HOLDER_PASS"]) == 0
    return path, holderkeys.key_file_public_key(path.read_bytes())


def test_holder_key_new_prints_the_public_key_and_fingerprint_and_keeps_the_file_private(tmp_path, capsys):
    path, public = new_key(tmp_path)
    out = capsys.readouterr().out
    assert public.hex() in out and holderkeys.fingerprint(public) in out
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert STRONG not in path.read_text()
    assert main(["holder-key", "show", str(path)]) == 0 and public.hex() in capsys.readouterr().out


def test_holder_key_new_refuses_a_weak_passphrase_and_an_existing_file(tmp_path, capsys, monkeypatch):
    path, _ = new_key(tmp_path)
    before = path.read_bytes()
    assert main(["holder-key", "new", "--out", str(path), "--passphrase-env", "HOLDER_PASS"]) == 1
    assert "never overwrites" in capsys.readouterr().err and path.read_bytes() == before
    monkeypatch.setenv("WEAK", "password1234")
    assert main(["holder-key", "new", "--out", str(tmp_path / "weak.key"), "--passphrase-env", "WEAK"]) == 1
    assert "common passwords" in capsys.readouterr().err and not (tmp_path / "weak.key").exists()


def ceremony_for(publics: dict[str, bytes]) -> ceremony.CeremonyResult:
    holders = [ceremony.Holder(str(n), role, publics[role]) for n, role in enumerate(ceremony.DEFAULT_ROLES, 1)]
    return ceremony.run(LOT, holders, 2)


def test_release_share_opens_the_holders_share_into_the_file_the_platform_accepts(tmp_path, capsys):
    keys = {role: new_key(tmp_path, f"{role}.key") for role in ceremony.DEFAULT_ROLES}
    result = ceremony_for({role: public for role, (_, public) in keys.items()})
    host = next(s for s in result.shares if s.role == ceremony.ROLE_HOST)
    share_file = tmp_path / "share.json"
    share_file.write_bytes(sharefiles.sealed_share_file(host, LOT, result.fingerprint))
    out = tmp_path / "released.json"
    assert main(["release-share", "--share", str(share_file), "--key", str(keys["host"][0]),
                 "--passphrase-env", "HOLDER_PASS", "--lot-code", LOT, "--out", str(out)]) == 0
    assert host.share_hash in capsys.readouterr().out
    opened = sharefiles.read_released_share(out.read_bytes(), lot_code=LOT, holder_id=host.holder_id,
                                            index=host.index, share_hash=host.share_hash)
    supervisor = next(s for s in result.shares if s.role == ceremony.ROLE_SUPERVISOR)
    other = ceremony.open_share(supervisor, LOT, holderkeys.open_key_file(keys["supervisor"][0].read_bytes(), STRONG))
    deadline = ceremony_deadline()
    assert ceremony.reconstruct(LOT, [opened, other], k=2, expected_public_key=result.public_key,
                                share_hashes={s.index: s.share_hash for s in result.shares}, now=deadline,
                                deadline=deadline)


def ceremony_deadline():
    from datetime import UTC, datetime

    return datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_release_share_refuses_another_holders_key_a_wrong_passphrase_and_another_lot(tmp_path, capsys, monkeypatch):
    keys = {role: new_key(tmp_path, f"{role}.key") for role in ceremony.DEFAULT_ROLES}
    result = ceremony_for({role: public for role, (_, public) in keys.items()})
    host = next(s for s in result.shares if s.role == ceremony.ROLE_HOST)
    share_file = tmp_path / "share.json"
    share_file.write_bytes(sharefiles.sealed_share_file(host, LOT, result.fingerprint))
    out = tmp_path / "released.json"
    base = ["release-share", "--share", str(share_file), "--passphrase-env", "HOLDER_PASS", "--out", str(out)]
    assert main([*base, "--key", str(keys["supervisor"][0])]) == 1  # someone else's key
    assert "cannot be opened with this key" in capsys.readouterr().err
    monkeypatch.setenv("HOLDER_PASS", "not the passphrase at all")
    assert main([*base, "--key", str(keys["host"][0])]) == 1
    assert "does not unlock" in capsys.readouterr().err
    monkeypatch.setenv("HOLDER_PASS", STRONG)
    assert main([*base, "--key", str(keys["host"][0]), "--lot-code", "E3301000001000002001"]) == 1
    assert not out.exists()


def test_a_released_file_is_checked_field_by_field():
    opened = ceremony.OpenedShare(1, bytes(range(16)))
    good_hash = ceremony.share_hash(LOT, 1, opened.share)
    share = ceremony.SealedShare("7", "host", 1, b"", good_hash)
    data = sharefiles.released_share_file(LOT, share, opened)
    expect = {"lot_code": LOT, "holder_id": "7", "index": 1, "share_hash": good_hash}
    assert sharefiles.read_released_share(data, **expect) == opened
    for field, value in (("holder_id", "8"), ("index", 2), ("lot_code", "X"), ("share", "00" * 16),
                         ("share", "zz"), ("format", "other")):
        document = json.loads(data)
        document[field] = value
        with pytest.raises(DomainError) as refused:
            sharefiles.read_released_share(json.dumps(document).encode(), **expect)
        assert refused.value.field == ("released" if field == "format" else f"released.{field}")


def test_the_tool_runs_as_a_module(tmp_path):
    env = {**os.environ, "HOLDER_PASS": STRONG}
    done = subprocess.run([sys.executable, "-m", "trading.domain.sealing", "holder-key", "new", "--out",
                           str(tmp_path / "h.key"), "--passphrase-env", "HOLDER_PASS"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "fingerprint" in done.stdout
