"""An outside view of the data (issue 20): run the Open Contracting red-flag tool ``ocdscardinal`` over the OCDS
compiled releases of the collusion screens' test bed (``trading.simulate.screens_bed``, the lots of
``benchmarks/screens.py``: half honest, half with one kind of collusion planted) and print, per Cardinal
indicator, how often it agrees with the platform's own screens (``domain.screens.screen_records``) and how many of
its flags fall on planted lots.

**The data Cardinal reads is what the platform publishes.** Each bed lot, once awarded, is mapped by the
platform's own OCDS mapping (``screens_bed.published_facts`` gives the facts in the shape
``services.open_data.lot_facts`` reads from the database, ``domain.ocds.record`` maps them): tender period,
method, award criteria, the opening record's counts, the candidates' bids (at most three, with tenderer and price,
``bids.details``) and the award. Bidders other than the candidates are never published (``visibility.Fact.BIDDERS``),
so Cardinal never sees them; the platform's screens read every row (prices, accounts, devices, documents, uploads,
earlier lots). ``--all-bids`` asks what Cardinal would see if the centre published the whole opening record (every
bid, as the opening reads them out, 招标投标法 第三十六条): a counterfactual, not the platform's data.

**Per lot.** Cardinal's indicators on a contracting process (R003, R018, R024, R028, R030, R035, R036, R058) flag a
lot directly; those on organisations (R025 tenderers, R038 buyers and tenderers, R048 suppliers) flag the lots in
which a flagged organisation appears in the published data. A lot is flagged by the platform when any screen
signals as at its opening (as ``benchmarks/screens.py``), and by the closest screens when one of those named in
``CLOSEST`` signals (DIFFP split by side). Cardinal reads the whole file at once (its fences are over every lot),
the platform each lot with the lots before it.

Per indicator: ``flags`` (lots Cardinal flags), ``agree`` (flagged by Cardinal and by any screen),
``cardinal_only``, ``platform_only`` (any screen, not Cardinal), ``precision_on_planted`` (share of its flags on
planted lots), ``recall_on_planted``, the same against the closest screens under ``closest``, and the planted kinds
of its flags under ``kinds``. Indicators that cannot fire on the bed say why under ``why_silent``.

Cardinal is a Rust program (crate ``ocdscardinal``; the PyPI package of that name exposes only its coverage
command): docs/OPEN_DATA.md says how to build it. Without it the script prints one JSON line saying so and why
(``skipped``, ``reason``) and exits 0, so that ``make bench`` runs on without it.

    .venv/bin/python benchmarks/cardinal.py [--lots 2100] [--seed 19] [--cardinal PATH] [--keep DIR] [--all-bids]

Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trading.domain import ocds, rules as rule_data
from trading.domain.screens import screen_records
from trading.simulate import screens_bed

PREFIX = "ocds-tpt000"
INDICATORS = ("R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058")
PROCESS_LEVEL = {"R003", "R018", "R024", "R028", "R030", "R035", "R036", "R058"}  # the others flag organisations
# The platform's screens closest in meaning to each indicator ("diffp_low" / "diffp_high": DIFFP below its lower
# fence / above its upper one). Empty: the platform has no screen for it, the rule prevents it.
CLOSEST = {
    "R003": (), "R018": (), "R030": (), "R035": (), "R036": (), "R038": (), "R048": (),
    "R024": ("diffp_low", "cover_bidding"),  # the second bid close to the winner: a cover bid
    "R025": ("cover_bidding", "rotation"),  # a frequent bidder that rarely wins
    "R028": ("pattern",),  # identical prices are the degenerate pattern
    "R058": ("diffp_high", "rd"),  # the winner far below the others
}
# Why an indicator cannot fire on the bed (and, the first four, on the platform's data at all).
WHY_SILENT = {
    "R003": "the documents are issued at least 20 days before the deadline (construction.bid_window); Cardinal "
            "flags under 15",
    "R018": "no opening with fewer than 3 bids (construction.min_bids)",
    "R030": "a bid after the deadline is refused (electronic.bid_deadline) and bid times are not published",
    "R035": "the bed disqualifies no bid, and only the candidates' (valid) bids are published",
    "R036": "the bed disqualifies no bid, and only the candidates' (valid) bids are published",
    "R038": "the bed disqualifies no bid, and only the candidates' (valid) bids are published",
    "R048": "no item classifications are published (tender.items is not filled)",
}
# Every indicator enabled (an indicator runs only when its section is present) at its default thresholds; the main
# currency named rather than taken from the first value seen.
SETTINGS = "currency = CNY\n" + "".join(f"[{code}]\n" for code in INDICATORS)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def find_cardinal(given: str | None) -> tuple[str | None, str]:
    """The ocdscardinal program and its version, or None and why not."""
    path = given or os.environ.get("OCDSCARDINAL") or shutil.which("ocdscardinal")
    if not path:
        return None, ("ocdscardinal is not installed: it is a Rust command-line program (crate ocdscardinal); "
                      "docs/OPEN_DATA.md says how to build it; pass --cardinal PATH or set OCDSCARDINAL")
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except OSError as error:
        return None, f"{path} does not run: {error}"
    if done.returncode != 0 or not done.stdout.startswith("ocdscardinal"):
        return None, f"{path} is not ocdscardinal: {(done.stdout + done.stderr).strip()[:200]}"
    return path, done.stdout.strip()


def platform_flags(made, rules) -> set[str]:
    """The screens that signal on a bed lot as at its opening (DIFFP named by its side)."""
    fired = set()
    for signal in screen_records(made.records, rules):
        if signal.screen == "diffp":
            low = Decimal(signal.working["diffp"]) < Decimal(signal.working["lower_fence"])
            fired.add("diffp_low" if low else "diffp_high")
        fired.add(signal.screen)
    return fired


def compiled_release(made, rules, all_bids: bool) -> dict:
    """The lot's compiled release as the platform publishes it (with ``all_bids``, every opened bid added)."""
    facts = screens_bed.published_facts(made, rules)
    compiled = ocds.record(PREFIX, facts)["compiledRelease"]
    if all_bids:  # the counterfactual: the whole opening record, mapped by the platform's own bid mapping
        ranked = {c["bidder"]: c["rank"] for c in screens_bed.candidates(made, rules)}
        others = sorted((b for b in made.records.prices if b not in ranked),
                        key=lambda b: (made.records.prices[b], b))
        compiled["bids"]["details"] += [
            ocds.bid_detail(compiled["ocid"], len(ranked) + n, screens_bed.organisation(b, made.market),
                            made.records.prices[b]) for n, b in enumerate(others, start=1)]
    return compiled


def organisations_of(release: dict) -> set[str]:
    """The organisation ids the published lot names (buyer, procuring entity, tenderers, suppliers)."""
    found = {party["id"] for party in release.get("parties", ())}
    for bid in release.get("bids", {}).get("details", ()):
        found |= {t["id"] for t in bid.get("tenderers", ()) if "id" in t}
    return found


def run_cardinal(path: str, folder: Path, settings: str) -> tuple[dict, int]:
    """Cardinal's workflow over the compiled releases: ``prepare`` (its data-quality pass: the number of issues it
    reports is returned; it corrects nothing in the platform's data), then ``indicators`` over what it wrote."""
    (folder / "settings.ini").write_text(settings, encoding="utf-8")

    def run(*arguments: str) -> subprocess.CompletedProcess:
        done = subprocess.run([path, *arguments], capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"ocdscardinal {arguments[0]} exited {done.returncode}: {done.stderr.strip()[:500]}")
        return done

    run("prepare", "--settings", str(folder / "settings.ini"), "--output", str(folder / "prepared.jsonl"),
        "--errors", str(folder / "quality.csv"), str(folder / "compiled.jsonl"))
    issues = len((folder / "quality.csv").read_text(encoding="utf-8").splitlines())
    done = run("indicators", "--settings", str(folder / "settings.ini"), "--count", str(folder / "prepared.jsonl"))
    (folder / "cardinal.json").write_text(done.stdout, encoding="utf-8")
    return json.loads(done.stdout), issues


def flagged_lots(result: dict, lots: dict[str, set[str]]) -> dict[str, set[str]]:
    """``{indicator: ocids}``: directly for the process indicators, through the organisations otherwise."""
    found: dict[str, set[str]] = {code: set() for code in INDICATORS}
    for ocid, values in result.get("OCID", {}).items():
        for code in values:
            if code in PROCESS_LEVEL:
                found.setdefault(code, set()).add(ocid)
    for group in ("Buyer", "ProcuringEntity", "Tenderer"):
        for org, values in result.get(group, {}).items():
            for code in values:
                if code not in PROCESS_LEVEL:
                    found.setdefault(code, set()).update(o for o, names in lots.items() if org in names)
    return found


def _silent_fence(code: str, meta: dict) -> str:
    """Why a fenced indicator flagged nothing, from the quartiles Cardinal reports."""
    def figure(key):
        value = meta.get(key)
        return "none" if value is None else f"{value:.4f}"

    if code == "R024" and (meta.get("lower_fence") or 0) <= 0:
        return (f"its lower fence Q1 - 1.5 IQR of (b2 - b1) / b1 is {figure('lower_fence')} (Q1 {figure('q1')}, "
                f"Q3 {figure('q3')}): not above 0, so Cardinal flags nothing")
    if code == "R025" and (meta.get("lower_fence") or 0) <= 0:
        return (f"the lower fence of the tenderers' win ratios is {figure('lower_fence')} (Q1 {figure('q1')}, "
                f"Q3 {figure('q3')}): no ratio is below it")
    if code == "R058":
        return f"no (b2 - b1) / b1 reached its upper fence {figure('upper_fence')}"
    return "no lot passed its threshold"


def compare(flags: set[str], platform: set[str], planted: set[str]) -> dict:
    return {"flags": len(flags), "agree": len(flags & platform), "cardinal_only": len(flags - platform),
            "platform_only": len(platform - flags),
            "precision_on_planted": _ratio(len(flags & planted), len(flags)),
            "recall_on_planted": _ratio(len(flags & planted), len(planted))}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=2100)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--cardinal", help="the ocdscardinal program (default: $OCDSCARDINAL, then PATH)")
    parser.add_argument("--settings", help="Cardinal's settings file (default: every indicator at its defaults)")
    parser.add_argument("--keep", help="write the compiled releases and Cardinal's output to this folder")
    parser.add_argument("--all-bids", action="store_true",
                        help="counterfactual: publish every opened bid, not only the candidates'")
    args = parser.parse_args(argv)
    path, version = find_cardinal(args.cardinal)
    if path is None:
        report = {"skipped": "ocdscardinal unavailable", "reason": version, "lots": args.lots, "seed": args.seed}
        print(json.dumps(report, ensure_ascii=False))
        return report
    rules = rule_data.RuleSet()  # the law's defaults
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cardinal-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    fired: dict[str, set[str]] = {}
    kinds: dict[str, frozenset] = {}
    names: dict[str, set[str]] = {}
    with (folder / "compiled.jsonl").open("w", encoding="utf-8") as out:
        for done, made in enumerate(screens_bed.generate(args.lots, args.seed), start=1):
            release = compiled_release(made, rules, args.all_bids)
            out.write(json.dumps(release, ensure_ascii=False) + "\n")
            ocid = release["ocid"]
            fired[ocid], kinds[ocid], names[ocid] = platform_flags(made, rules), made.kinds, organisations_of(release)
            if done % 250 == 0:
                print(f"{done} lots screened and mapped", file=sys.stderr)
    print(f"running {version} over {folder / 'compiled.jsonl'}", file=sys.stderr)
    settings = Path(args.settings).read_text(encoding="utf-8") if args.settings else SETTINGS
    result, issues = run_cardinal(path, folder, settings)
    by_indicator = flagged_lots(result, names)
    planted = {o for o, k in kinds.items() if k}
    platform_any = {o for o, f in fired.items() if f}
    report: dict = {}
    for code in INDICATORS:
        flags = by_indicator.get(code, set())
        closest = CLOSEST[code]
        near = {o for o, f in fired.items() if f & set(closest)}
        entry = compare(flags, platform_any, planted)
        entry["closest"] = {"screens": list(closest), "platform": len(near), **{
            k: v for k, v in compare(flags, near, planted).items() if k in ("agree", "cardinal_only",
                                                                                 "platform_only")}} \
            if closest else None
        kind_counts = Counter(k for o in flags for k in (kinds[o] or {"honest"}))
        entry["kinds"] = dict(sorted(kind_counts.items()))
        if not flags:
            entry["why_silent"] = WHY_SILENT.get(code) or _silent_fence(code, result.get("Meta", {}).get(code, {}))
        report[code] = entry
    report["platform"] = {"flags": len(platform_any), "precision_on_planted": _ratio(len(platform_any & planted),
                                                                                    len(platform_any)),
                          "recall_on_planted": _ratio(len(platform_any & planted), len(planted))}
    any_cardinal = set().union(*(by_indicator.get(c, set()) for c in INDICATORS))
    report["cardinal_any"] = compare(any_cardinal, platform_any, planted)
    report["meta"] = {key: value for key, value in result.get("Meta", {}).items()}
    report["run"] = {"lots": args.lots, "seed": args.seed, "planted": len(planted), "cardinal": version,
                     "data": "every opened bid (counterfactual)" if args.all_bids else "as published",
                     "settings": args.settings or "currency = CNY; every indicator at its defaults",
                     "quality_issues": issues, "folder": str(folder) if args.keep else None}
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    _print_table(report)
    print(json.dumps(report, ensure_ascii=False))
    return report


def _print_table(report: dict) -> None:
    head = (f"{'indicator':9} {'flags':>5} {'any':>5} {'both':>5} {'C only':>6} {'P only':>6} {'prec.':>6} "
            f"{'closest screens':28} {'near':>5} {'both':>5} {'C only':>6} {'P only':>6}")
    print(head)
    platform = report["platform"]["flags"]
    for code in INDICATORS:
        e, c = report[code], report[code]["closest"]
        near = (f"{'+'.join(c['screens']):28} {c['platform']:>5} {c['agree']:>5} {c['cardinal_only']:>6} "
                f"{c['platform_only']:>6}") if c else f"{'(none)':28}"
        precision = "-" if e["precision_on_planted"] is None else f"{e['precision_on_planted']:.2f}"
        print(f"{code:9} {e['flags']:>5} {platform:>5} {e['agree']:>5} {e['cardinal_only']:>6} "
              f"{e['platform_only']:>6} {precision:>6} {near}")


if __name__ == "__main__":
    main()
