"""The ranking is the published HMAC-SHA256 of "specialty|expert id" under the seed: anyone replaying a draw with a
standard HMAC gets the same order, whatever the seed's length."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from trading.domain.drawing import rank


@pytest.mark.parametrize("length", [1, 32, 64, 65, 200])
def test_ranking_is_hmac_sha256_of_code_and_id_for_any_seed(length):
    seed = bytes(range(length))
    eligible = {"A010101": list(range(1, 400)), "B0101": [7, 3, 12345]}
    expected = {code: sorted(ids, key=lambda i, code=code: (hmac.new(seed, f"{code}|{i}".encode(),
                                                                      hashlib.sha256).digest(), i))
                for code, ids in eligible.items()}
    assert rank(seed, eligible) == expected
