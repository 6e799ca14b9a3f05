"""How well the collusion screens find planted collusion: run every screen over the test bed's lots
(``trading.simulate.screens_bed``: half honest, half with one kind of collusion planted) at the default thresholds,
and print per kind and overall ``precision``, ``recall`` and ``lots`` (and, under ``screens``, how many honest and
planted lots each screen signalled on; under ``without_price_screens``, the overall figures of every screen but the
four single-lot price screens, to show where the false alarms come from: a diagnosis, not a target).

A lot is flagged for a kind when one of that kind's screens signals (``screens_bed.SCREENS_OF``), and flagged at all
when any screen signals. Per kind: precision = flagged for it and planted with it / flagged for it; recall = flagged
for it and planted with it / planted with it; ``lots`` = lots planted with it; ``precision_any_kind`` = flagged
for it and planted with any kind / flagged for it (the cross-lot screens also fire on the lots of rings planted for
another kind: a ring of firms that keeps bidding together takes turns or covers whatever else it shares). Overall:
any screen against any collusion. Each lot is screened as at its opening: its history is the lots before it (the
fences of the price figures, rotation and cover bidding).

The decision rule the screens apply (``domain.screens.price_figures``, docs/SUPERVISION.md): CV and RD signal only
when past their RULES.md benchmark and outside the fences of the lots of the same kind (on the logarithm), DIFFP
outside its fences, no fences before 8 earlier lots.

    .venv/bin/python benchmarks/screens.py [--lots 2100] [--seed 19]

Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trading.domain import rules as rule_data
from trading.domain.screens import screen_records
from trading.simulate import screens_bed

PRICE_SCREENS = {"cv", "rd", "diffp", "pattern", "identical_prices"}  # one lot's prices alone


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=2100)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    rules = rule_data.RuleSet()  # the law's defaults
    counts: Counter = Counter()
    by_screen: Counter = Counter()
    for done, lot in enumerate(screens_bed.generate(args.lots, args.seed), start=1):
        fired = {s.screen for s in screen_records(lot.records, rules)}
        planted = bool(lot.kinds)
        counts["planted"] += planted
        counts["flagged"] += bool(fired)
        counts["hit"] += bool(fired) and planted
        others = fired - PRICE_SCREENS
        counts["flagged_others"] += bool(others)
        counts["hit_others"] += bool(others) and planted
        for screen in fired:
            by_screen[(screen, "planted" if planted else "honest")] += 1
        for kind, screens in screens_bed.SCREENS_OF.items():
            flagged = bool(fired & screens)
            counts[kind, "planted"] += kind in lot.kinds
            counts[kind, "flagged"] += flagged
            counts[kind, "hit"] += flagged and kind in lot.kinds
            counts[kind, "hit_any"] += flagged and planted
        if done % 250 == 0:
            print(f"{done} lots screened", file=sys.stderr)
    report = {kind: {"precision": _ratio(counts[kind, "hit"], counts[kind, "flagged"]),
                     "recall": _ratio(counts[kind, "hit"], counts[kind, "planted"]),
                     "lots": counts[kind, "planted"],
                     "precision_any_kind": _ratio(counts[kind, "hit_any"], counts[kind, "flagged"])}
              for kind in screens_bed.SCREENS_OF}
    report["overall"] = {"precision": _ratio(counts["hit"], counts["flagged"]),
                         "recall": _ratio(counts["hit"], counts["planted"]), "lots": args.lots,
                         "planted": counts["planted"]}
    report["without_price_screens"] = {"precision": _ratio(counts["hit_others"], counts["flagged_others"]),
                                       "recall": _ratio(counts["hit_others"], counts["planted"]), "lots": args.lots}
    # how many honest and planted lots each screen signalled on (where the false alarms come from)
    report["screens"] = {screen: {"honest": by_screen[screen, "honest"], "planted": by_screen[screen, "planted"]}
                         for screen in sorted({screen for screen, _ in by_screen})}
    print(json.dumps(report, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()
