"""Forged draw records and archives (issue 13, item 8). The attacker holds an exported record or archive, edits it,
and re-signs what it can with keys of its own; the verifier, given the keys the platform publishes at /keys (read
here through the test client, without logging in), must say MISMATCH and name what was forged. Without a trusted
key the verifiers refuse to say MATCH at all (exit status 3) unless told --no-key-check, and then they say so."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import FIXED_NOW
from trading.domain import archive as bundle, archive_cli, drawing
from trading.domain.beacon import make_pulse
from trading.domain.drawing import CallOutcome, call_statement, call_subject, cli as drawing_cli
from trading.services import draws
from trading.simulate import demo, experts as demo_experts, lots as walk

ATTACKER = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))


def published(client, name: str) -> str:
    """A key as anyone downloads it from the platform: /keys/<name>.pub, no login."""
    response = client.get(f"/keys/{name}.pub")
    assert response.status_code == 200
    return response.get_data(as_text=True).strip()


@pytest.fixture
def exported(ctx, session, now, client):
    """A real draw through the services, answered on the keypad: call 1 rings out (no answer), call 2 is
    declined, the rest accept; awarded, revealed and exported. Returns the record's JSON data and the keys."""
    demo.load(session, now)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    walk.sign_up(session, people, now, lot, 2)
    demo_experts.load(ctx, session, now)
    session.flush()
    draw = draws.create(ctx, session, people.staff, now, lot, wanted=[("A080201", 2, 0)], exclude_same_region=False,
                        evaluation_at=now + timedelta(days=25), place="封闭评标室3", gateway="keypad")
    gateway, at = draws.gateway_for(session, draw), now
    for _ in range(200):
        draws.advance(ctx, session, at, draw)
        if draw.status == "complete":
            break
        for call in draw.calls:
            if call.outcome is None and call.seq > 1 and gateway.poll(call.call_id, at) is None:
                gateway.press(call.call_id, "2" if call.seq == 2 else "1", at + timedelta(seconds=5))
        at += timedelta(minutes=1)
    assert [c.outcome for c in draw.calls] == ["no_answer", "declined", "accepted", "accepted"]
    lot.state = "awarded"  # the award is not what this test is about
    draws.reveal(ctx, session, people.supervisor, at, draw)
    data = json.loads(draws.record(ctx, session, draw).to_json())
    trusted = ["--beacon-key", published(client, "beacon"), "--gateway-key", published(client, "gateway")]
    return data, trusted


def verify(tmp_path, capsys, data: dict, *options: str) -> tuple[int, str, str]:
    """Run ``python -m trading.domain.drawing verify FILE OPTIONS`` on the data: (status, stdout, stderr)."""
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    status = drawing_cli.main(["verify", str(path), *options])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_real_draw_verifies_with_the_published_keys(exported, tmp_path, capsys, runner):
    data, trusted = exported
    assert verify(tmp_path, capsys, data, *trusted)[:2] == (0, "MATCH\n")
    assert all(call["signature"] for call in data["calls"]) and data["gateway_key"] == trusted[3]
    done = runner.invoke(args=["draw", "verify", str(tmp_path / "forged.json"), *trusted])  # the flask command
    assert done.exit_code == 0 and done.output.strip() == "MATCH"


def test_an_outcome_changed_from_no_answer_to_declined_is_a_mismatch_naming_the_call(exported, tmp_path, capsys):
    data, trusted = exported
    called = data["calls"][0]
    assert called["outcome"] == "no_answer"
    called["outcome"] = "declined"  # the seats do not change: before signatures this said MATCH
    status, out, _ = verify(tmp_path, capsys, data, *trusted)
    assert status == 1 and out.startswith("MISMATCH")
    assert f"call 1 (expert {called['expert_id']}, A080201, declined" in out
    assert "the gateway's signature does not match" in out


def test_a_consistent_forgery_skipping_a_ranked_expert_is_a_mismatch(exported, tmp_path, capsys):
    """The attacker marks the first expert who accepted as having declined, calls the next ranked expert in his
    place, and rebuilds the panel, so the replay itself is consistent. Keeping the platform's signatures, or
    re-signing every call with its own key, both fail against the published gateway key."""
    data, trusted = exported
    record = drawing.DrawRecord.from_json(json.dumps(data))
    ranking = record.ranking["A080201"]
    skipped = record.calls[2]
    assert skipped.outcome == "accepted" and skipped.expert_id == ranking[2]
    calls = [*record.calls[:2], replace(skipped, outcome="declined"), record.calls[3],
             CallOutcome(ranking[4], "A080201", "accepted", record.calls[3].at + timedelta(minutes=2))]

    def forged(signer) -> dict:
        signed = []
        for position, call in enumerate(calls, start=1):
            subject = call_subject(record.commitment.commitment_hash, record.request.lot_code, position,
                                   call.expert_id, call.specialty)
            signature = signer.sign(call_statement(subject, call.outcome, call.at)) if signer else call.signature
            signed.append(replace(call, signature=signature))
        gateway_key = signer.public_key().public_bytes_raw() if signer else record.gateway_key
        again = drawing.build_record(record.request, record.pool, record.exclusions, record.commitment,
                                         record.committed_at, record.pulse, record.secret, signed, gateway_key)
        assert drawing.verify(again, allow_unsigned=True) == [] or signer is None  # consistent in itself
        return json.loads(again.to_json())

    status, out, _ = verify(tmp_path, capsys, forged(None), *trusted)
    assert status == 1
    assert f"call 3 (expert {skipped.expert_id}, A080201, declined" in out
    assert "call 5: no gateway signature" in out  # the invented call has none

    status, out, _ = verify(tmp_path, capsys, forged(ATTACKER), *trusted)
    assert status == 1
    assert "gateway key: the record names" in out and "signed by someone else" in out
    assert out.count("the gateway's signature does not match") == 5

    status, out, err = verify(tmp_path, capsys, forged(ATTACKER), "--no-key-check")  # why the keys matter
    assert status == 0 and "keys not checked" in out and "WHOSE KEYS SIGNED THIS WAS NOT CHECKED" in err


def test_a_pulse_re_signed_with_another_key_is_a_mismatch_with_the_published_beacon_key(exported, tmp_path, capsys):
    data, trusted = exported
    pulse = drawing.DrawRecord.from_json(json.dumps(data)).pulse
    data["pulse"] = make_pulse(None, pulse.round, pulse.time, ATTACKER, lambda size: b"\x01" * size).as_dict()
    status, out, _ = verify(tmp_path, capsys, data, *trusted)
    assert status == 1 and "pulse: Pulse" in out and "names the beacon key" in out


def test_the_draw_verifier_without_a_key_fails_closed(exported, tmp_path, capsys, runner):
    data, trusted = exported
    status, out, err = verify(tmp_path, capsys, data)
    assert (status, out) == (3, "") and "no trusted key" in err and "/keys" in err
    status, _, err = verify(tmp_path, capsys, data, *trusted[:2])  # the beacon's key alone is not enough
    assert status == 3 and "--gateway-key" in err
    assert runner.invoke(args=["draw", "verify", str(tmp_path / "forged.json")]).exit_code == 3
    status, out, err = verify(tmp_path, capsys, data, "--no-key-check")
    assert status == 0 and out.strip() == "MATCH (keys not checked: --no-key-check)"
    assert "WARNING" in err and "NOT CHECKED" in err


def _archive(path, signer, award: str) -> None:
    """A small archive with this award notice, signed by ``signer``."""
    items = [bundle.ArchiveItem("award.txt", "notices", award.encode()),
             bundle.ArchiveItem("draw-1.json", "draw", b'{"format": "trading.draw-record"}')]
    with open(path, "wb") as out:
        bundle.write_archive(out, lot_info={"deal_code": "4212022026JS0001"}, items=items, created_at=FIXED_NOW,
                             signer=signer)


def test_a_re_signed_archive_is_a_mismatch_with_the_published_key(app, client, tmp_path, capsys):
    genuine, forged = tmp_path / "genuine.zip", tmp_path / "forged.zip"
    _archive(genuine, app.extensions["trading"].keyring.receipt_key, "中标人：湖北楚天路桥有限公司")
    key = published(client, "archive")
    assert key == published(client, "receipts")  # the archive is signed with the receipt key
    assert archive_cli.main(["verify", str(genuine), "--public-key", key]) == 0
    _archive(forged, ATTACKER, "中标人：另一家公司")  # the attacker rewrites the notice and re-signs it all
    capsys.readouterr()
    assert archive_cli.main(["verify", str(forged), "--public-key", key]) == 1
    out = capsys.readouterr().out
    assert out.startswith("MISMATCH") and "signed by key" in out and f"expected {key}" in out

    assert archive_cli.main(["verify", str(forged)]) == 3  # no key: fails closed
    assert "--public-key" in capsys.readouterr().err
    assert archive_cli.main(["verify", str(forged), "--no-key-check"]) == 0
    out, err = capsys.readouterr()
    assert "keys not checked" in out and "NOT CHECKED" in err
