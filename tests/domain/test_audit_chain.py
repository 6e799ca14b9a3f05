"""The audit chain finds any edited, deleted, inserted or reordered entry, and says which."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from trading.domain import audit as chain

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def build(count: int) -> list[chain.StoredEntry]:
    """A valid chain of ``count`` entries."""
    rows, prev = [], chain.GENESIS_HASH
    for seq in range(1, count + 1):
        content = chain.EntryContent(T0 + timedelta(minutes=seq), 7, "staff", f"lot.step{seq}", "lot", "12",
                                     None, chain.clean_payload({"n": seq, "amount": Decimal("1.50")}))
        digest = chain.entry_hash(content, prev)
        rows.append(chain.StoredEntry(seq, content, prev, digest))
        prev = digest
    return rows


def test_an_untouched_chain_verifies_and_reports_its_head():
    rows = build(5)
    verdict = chain.verify(rows)
    assert verdict.ok and verdict.count == 5
    assert (verdict.head_seq, verdict.head_hash) == (5, rows[-1].hash)


def test_an_empty_log_verifies():
    assert chain.verify([]).ok


def test_an_edited_payload_is_found_at_its_sequence():
    rows = build(5)
    edited = dataclasses.replace(rows[2].content, payload={"n": 3, "amount": "9.99"})
    rows[2] = dataclasses.replace(rows[2], content=edited)
    verdict = chain.verify(rows)
    assert (verdict.ok, verdict.bad_seq, verdict.problem) == (False, 3, "edited")


def test_a_deleted_entry_is_found_by_its_missing_number():
    rows = build(5)
    del rows[2]
    verdict = chain.verify(rows)
    assert (verdict.bad_seq, verdict.problem) == (3, "deleted")


def test_a_forged_entry_slid_into_the_middle_is_found_even_with_a_correct_hash():
    rows = build(5)
    forged_content = dataclasses.replace(rows[1].content, action="lot.forged")
    forged = chain.StoredEntry(3, forged_content, rows[1].hash, chain.entry_hash(forged_content, rows[1].hash))
    renumbered = [dataclasses.replace(row, seq=row.seq + 1) for row in rows[2:]]
    verdict = chain.verify(rows[:2] + [forged] + renumbered)
    assert (verdict.bad_seq, verdict.problem) == (3, "inserted")


def test_two_swapped_entries_are_reported_as_reordered():
    rows = build(5)
    rows[1], rows[2] = dataclasses.replace(rows[2], seq=2), dataclasses.replace(rows[1], seq=3)
    verdict = chain.verify(rows)
    assert (verdict.bad_seq, verdict.problem) == (2, "reordered")


def test_an_entry_rewritten_with_a_recomputed_hash_breaks_the_next_link():
    rows = build(5)
    content = dataclasses.replace(rows[2].content, payload={"n": 3, "amount": "0.01"})
    rows[2] = dataclasses.replace(rows[2], content=content, hash=chain.entry_hash(content, rows[2].prev_hash))
    verdict = chain.verify(rows)
    assert (verdict.bad_seq, verdict.problem) == (3, "edited")


def test_a_rebuilt_chain_is_caught_against_a_head_noted_earlier():
    original = build(5)
    rebuilt = build(4)  # the last entry was cut and nothing else changed
    assert chain.verify(rebuilt).ok
    verdict = chain.verify(rebuilt, expected_head=(5, original[-1].hash))
    assert (verdict.ok, verdict.problem) == (False, "head_mismatch")
    by_hash = chain.verify(rebuilt, expected_head=(None, original[-1].hash))  # noted from the page: hash alone
    assert (by_hash.ok, by_hash.problem) == (False, "head_mismatch")
    assert chain.verify(original, expected_head=(None, original[2].hash)).ok  # an older head is still in the chain


def test_payloads_reject_types_that_would_not_round_trip():
    with pytest.raises(TypeError):
        chain.clean_payload({"x": object()})


def test_decimals_and_times_are_hashed_as_their_stored_text():
    payload = chain.clean_payload({"price": Decimal("12.30"), "at": T0})
    assert payload == {"price": "12.30", "at": "2026-03-02T01:00:00.000000Z"}
