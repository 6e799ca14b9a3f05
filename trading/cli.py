"""``flask`` commands: init-db, demo, clock, audit, scenario, stats calibrate, history import, rules show, archive
dispose."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .clock import current_clock
from .domain.errors import DomainError
from .extensions import db
from .models import Organisation
from .platform import current_platform
from .services import audit, clock as clock_service

LOCAL = ZoneInfo("Asia/Shanghai")


def _local(value: datetime) -> str:
    """A time as Beijing time, to the second."""
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    upgrade()
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")
    _reseal()
    _cleanup_blobs()


def _reseal() -> list[str]:
    """Re-seal database secrets left under the legacy SECRET_KEY derivation (see services.keys.reseal_legacy);
    returns the rows that open under neither key."""
    from .services import keys

    count, unreadable = keys.reseal_legacy(current_platform(), db.session, current_clock().now())
    db.session.commit()
    if count:
        click.echo(f"{count} secret(s) re-sealed under the at-rest key: SECRET_KEY can now be rotated")
    if unreadable:
        click.echo(f"{len(unreadable)} secret(s) open under neither the at-rest key nor SECRET_KEY (sealed under an "
                   f"earlier SECRET_KEY?), left as they are: {', '.join(unreadable)}", err=True)
    return unreadable


def _cleanup_blobs() -> None:
    """Start-up clean-up of the blob store: unfinished writes and blobs without a row (see storage.cleanup)."""
    import time

    from .storage import cleanup

    removed = cleanup(db.session, current_platform().store, time.time())
    if any(removed.values()):
        click.echo(f"blob store cleaned: {removed['temporary']} unfinished write(s), {removed['orphans']} orphan(s)")


@click.command("cleanup-blobs")
@with_appcontext
def cleanup_blobs() -> None:
    """Remove unfinished writes and blobs no row names (what a crash mid-upload can leave)."""
    _cleanup_blobs()
    click.echo("blob store checked")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no organisation yet.")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load the demo organisations and users (idempotent) and print the logins."""
    from .simulate import demo as demo_data

    if if_empty and db.session.scalar(sa.select(sa.func.count(Organisation.id))):
        click.echo("database not empty: demo data not loaded again")
    else:
        ctx, now = current_platform(), current_clock().now()
        report = demo_data.load(db.session, now)
        db.session.commit()
        for line in demo_data.load_lots(ctx, db.session, now):
            click.echo(line)
        from .simulate import experts as demo_experts

        click.echo(demo_experts.load(ctx, db.session, now))
        for line in demo_data.load_opening_lot(ctx, db.session, now):
            click.echo(line)
        for line in demo_data.load_property_lot(ctx, db.session, now):
            click.echo(line)
        from .simulate import supervision as demo_supervision

        for line in demo_supervision.load(ctx, db.session, now):  # after the others: their ids stay as they were
            click.echo(line)
        from .simulate import collusion as demo_collusion

        for line in demo_collusion.load(ctx, db.session, now):  # the planted collusion case, after all the others
            click.echo(line)
        for line in demo_data.load_property_followup(ctx, db.session, now):  # issue 18's follow-up, after those
            click.echo(line)
        for line in demo_data.load_contract_states(ctx, db.session, now):  # the finished states, after all the others
            click.echo(line)
        db.session.commit()
        click.echo(f"demo logins (password for every demo user: {demo_data.DEMO_PASSWORD}; key holders' key-holder "
                   f"passphrase, to release a share at the opening: {demo_data.DEMO_KEY_PASSPHRASE})")
        for spec, org_name, created in report:
            mark = "new " if created else "    "
            click.echo(f"  {mark}{spec.username:<11} {','.join(spec.roles):<11} {spec.display_name} · {org_name}")


clock_group = click.Group("clock", help="Show or advance the platform clock.")


@clock_group.command("show")
@with_appcontext
def clock_show() -> None:
    """Print the mode and the current platform time (UTC and Beijing time)."""
    clock = current_clock()
    now = clock.now()
    click.echo(f"mode: {'simulated' if clock.simulated else 'real'}")
    click.echo(f"now:  {_local(now)} Asia/Shanghai ({now.strftime('%Y-%m-%dT%H:%M:%SZ')})")


@clock_group.command("advance")
@click.option("--days", type=int, default=0, help="Days to advance.")
@click.option("--hours", type=int, default=0, help="Hours to advance.")
@click.option("--to", "to", default=None, help="Target Beijing time, 'YYYY-MM-DD HH:MM'.")
@with_appcontext
def clock_advance(days: int, hours: int, to: str | None) -> None:
    """Move the simulated clock forward (never back); audited."""
    clock = current_clock()
    if not clock.simulated:
        raise click.ClickException("the clock is real (TRADING_CLOCK=real) and cannot be moved")
    try:
        if to:
            try:
                target = datetime.strptime(to, "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL)
            except ValueError:
                raise click.BadParameter("use 'YYYY-MM-DD HH:MM' (Beijing time)", param_hint="--to") from None
            new_now = clock_service.advance(db.session, "cli", clock.now(), to=target)
        else:
            new_now = clock_service.advance(db.session, "cli", clock.now(),
                                            by=timedelta(days=days, hours=hours))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    from .services import chronograph

    chronograph.run(current_platform(), db.session, new_now)
    db.session.commit()
    click.echo(f"now:  {_local(new_now)} Asia/Shanghai")


@click.command("chronograph")
@with_appcontext
def chronograph() -> None:
    """Make everything due now happen (the clock step `make serve`'s scheduler runs every minute; elsewhere run it
    from cron): transitions, suspensions, draws."""
    from .jobs import clock_step

    step = clock_step()  # the scheduler's job of `make serve`, run here and now
    moved = step.moved
    if step.suspensions_ended:
        click.echo(f"{step.suspensions_ended} expert suspension(s) ended")
    if step.draws_moved:
        click.echo(f"{step.draws_moved} draw(s) moved on")
    if step.lots_opened:
        click.echo(f"{step.lots_opened} lot(s) opened (their k shares were in)")
    if step.messages_sent:
        click.echo(f"{step.messages_sent} message(s) sent from the outbox")
    for item in moved:
        click.echo(f"lot {item.lot_id}: {item.action} -> {item.to_state}")
    click.echo(f"{len(moved)} transition(s)")


bid_group = click.Group("bid", help="The bidder tool (the same as python -m trading.domain.sealing).")


@bid_group.command("seal", context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bid_seal(args) -> None:
    """Seal a price form and documents into an envelope: options as `python -m trading.domain.sealing seal`."""
    from .domain.sealing.__main__ import main

    sys.exit(main(["seal", *args]))


@bid_group.command("inspect")
@click.argument("envelope_file")
def bid_inspect(envelope_file: str) -> None:
    """Show what anyone can check of an envelope without a private key."""
    from .domain.sealing.__main__ import main

    sys.exit(main(["inspect", envelope_file]))


draw_group = click.Group("draw", help="Expert draws.")


@draw_group.command("verify", context_settings={"ignore_unknown_options": True})
@click.argument("record_file")
@click.argument("options", nargs=-1, type=click.UNPROCESSED)
def draw_verify(record_file: str, options: tuple[str, ...]) -> None:
    """Replay an exported draw record: FILE --beacon-key HEX --gateway-key HEX (or --no-key-check); print MATCH
    or what differs. Exit status 0 MATCH, 1 differences, 2 unreadable, 3 no trusted key."""
    from .domain.drawing.cli import main

    sys.exit(main(["verify", record_file, *options]))


audit_group = click.Group("audit", help="The hash-chained audit log.")


@audit_group.command("verify")
@click.option("--expect", default=None, help="A head noted earlier, 'HASH' (as the web page shows it) or "
              "'SEQ:HASH', that must still be in the chain.")
@with_appcontext
def audit_verify(expect: str | None) -> None:
    """Check every link of the chain; print OK or the first bad sequence number and why."""
    expected = None
    if expect:
        seq, _, digest = expect.rpartition(":")
        if (seq and not seq.isdigit()) or len(digest) != 64 or not all(c in "0123456789abcdefABCDEF" for c in digest):
            raise click.BadParameter("use HASH or SEQ:HASH with the 64-hex-digit hash", param_hint="--expect")
        expected = (int(seq) if seq else None, digest.lower())
    verdict = audit.verify(db.session, expected_head=expected)
    if verdict.ok:
        head = f"head {verdict.head_seq}:{verdict.head_hash}" if verdict.count else "empty log"
        click.echo(f"OK: {verdict.count} entries verified; {head}")
        return
    click.echo(f"FAILED at sequence {verdict.bad_seq}: {verdict.problem}: {verdict.detail}")
    sys.exit(1)


scenario_group = click.Group("scenario", help="Calibration scenarios: generated past deals matching the published "
                                              "2010 figures.")


@scenario_group.command("list")
@with_appcontext
def scenario_list() -> None:
    """List the scenarios, whether each is loaded, and what it reproduces."""
    from .domain.scenarios import SCENARIOS
    from .services import history

    loaded = history.loaded_scenarios(db.session)
    for name, scenario in SCENARIOS.items():
        click.echo(f"{name:<15} {'loaded' if name in loaded else 'not loaded':<11} {scenario.title_zh}")
        click.echo(f"    {scenario.description}")


@scenario_group.command("load")
@click.argument("name")
@with_appcontext
def scenario_load(name: str) -> None:
    """Load a scenario's deals into the deal table (once); audited."""
    from .services import history

    try:
        result = history.load_scenario(db.session, "cli", current_clock().now(), name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.render()) from None
    db.session.commit()
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result.by_trade_type.items()))
    click.echo(f"loaded {name}: {result.lots} lots ({kinds}), {result.amount:,.2f} yuan")


ocds_group = click.Group("ocds", help="Open Contracting Data Standard 1.1 (docs/OPEN_DATA.md).")


@ocds_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--base-uri", default="", help="Where the files will be published (the packages' uri), e.g. "
              "https://ggzy.example.cn/ocds")
@with_appcontext
def ocds_export(folder: str, base_uri: str) -> None:
    """Write FOLDER/release-package.json, record-package.json and records/<ocid>.json: every published lot, as the
    public may see it now."""
    from .services import ocds

    now = current_clock().now()
    publisher = current_platform().centre_name(db.session) or current_app.config.get("API_TITLE", "")
    counts = ocds.export(db.session, current_app.config["OCDS_OCID_PREFIX"], now, publisher, folder,
                         base_uri.rstrip("/") or Path(folder).resolve().as_uri())
    click.echo(f"wrote {counts['releases']} releases and {counts['records']} records to {folder}")


stats_group = click.Group("stats", help="Statistics of the deal table.")


def _figure_text(value, unit: str) -> str:
    """A calibration value as shown: a count, yuan, or a rate in percent to 4 decimals; '—' for none."""
    from .domain.statistics import format_rate

    if value is None:
        return "—"
    if unit == "rate":
        return format_rate(value, 4)
    return f"{int(value):,}" if unit == "lots" else f"{value:,.2f}"


@stats_group.command("calibrate")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON list (Decimals as strings).")
@with_appcontext
def stats_calibrate(as_json: bool) -> None:
    """Each published figure against the platform's, computed from the loaded deals, with the reason they differ."""
    import json

    from .services import statistics

    rows = statistics.calibration(db.session)
    if as_json:
        click.echo(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'scope':<29} {'figure':<20} {'published':>14} {'platform':>20} {'difference':>14}  status")
    for row in rows:
        unit = row["unit"]
        click.echo(f"{row['scope']:<29} {row['figure']:<20} {row['stated']:>14} "
                   f"{_figure_text(row['platform'], unit):>20} {_figure_text(row['difference'], unit):>14}  "
                   f"{row['status']}")
        if row["status"] != "exact":
            click.echo(f"    {row['reason']}")
    counts = {status: sum(row["status"] == status for row in rows)
              for status in ("exact", "published_precision", "differs", "missing")}
    click.echo(f"{len(rows)} published figures: {counts['exact']} exact, {counts['published_precision']} at the "
               f"published precision, {counts['differs']} differ, {counts['missing']} without deals loaded")


rules_group = click.Group("rules", help="The rules in force: the law's table (RULES.md), made stricter where the "
                                         "centre's TRADING_RULE_OVERRIDES or its administrator (rules page) say so.")
UNITS = {"minutes": "minutes", "days": "days", "working_days": "working days", "percent": "%", "count": "",
         "years": "years", "ratio": "", "yuan": "yuan", None: ""}


def _rule_value(value, unit) -> str:
    """A rule's number with its unit, as the table prints it (— for a condition without a number)."""
    return "—" if value is None else f"{value} {UNITS[unit]}".strip()


@rules_group.command("show")
@click.option("--json", "as_json", is_flag=True,
              help="Print every rule as a JSON object (Decimals and ratios as strings, 2/3 for a fraction).")
@click.option("--markdown", "as_markdown", is_flag=True,
              help="Print docs/RULES.md: every rule with its value, source, where it is checked and the test at its "
                   "edge, or why it is not enforced.")
@with_appcontext
def rules_show(as_json: bool, as_markdown: bool) -> None:
    """Print the rules in force: id, value and unit, trade types, confidence (T statutory text, S secondary summary,
    R recalled, P platform policy), source, and whether the centre's settings made it stricter (and who: the
    configuration or the administrator)."""
    import json

    from .domain import rules_coverage
    from .services import rulebook

    try:
        in_force = rulebook.in_force(current_platform(), db.session)
    except sa.exc.DBAPIError:  # no rule_setting table: a database never set up
        raise click.ClickException("The database has no tables yet: run `flask init-db` first.") from None
    if as_markdown:
        click.echo(rules_coverage.markdown(in_force), nl=False)
        return
    rows = in_force.describe()
    if as_json:
        click.echo(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'rule':<42} {'value':<18} {'trade types':<36} conf  source")
    for row in rows:
        mark = (f"  [overridden by the {row['set_by']}; law: {_rule_value(row['law_value'], row['unit'])}]"
                if row["overridden"] else "")
        click.echo(f"{row['id']:<42} {_rule_value(row['value'], row['unit']):<18} {','.join(row['trade_types']):<36} "
                   f"{row['confidence']:<4}  {row['source']}{mark}")
    overridden = [row["id"] for row in rows if row["overridden"]]
    click.echo(f"{len(rows)} rules; {len(overridden)} set by the centre (TRADING_RULE_OVERRIDES, rules page)"
               + (f": {', '.join(overridden)}" if overridden else ""))


archive_group = click.Group("archive", help="Archives (电子档案) of traded lots.")


@archive_group.command("dispose")
@click.argument("deal_code")
@click.option("--reason", required=True, help="Why the archive is disposed of (recorded in the audit log).")
@with_appcontext
def archive_dispose(deal_code: str, reason: str) -> None:
    """Dispose of a lot's archive once its retention is over (15 years, 政府采购法 第四十二条); refused before."""
    from .models import Lot
    from .services import archive

    lot = db.session.scalar(sa.select(Lot).where(Lot.deal_code == deal_code))
    if lot is None:
        click.echo(f"no lot with the deal code {deal_code}", err=True)
        sys.exit(1)
    try:
        archive.dispose(current_platform(), db.session, "cli", current_clock().now(), lot, reason=reason)
    except DomainError as error:
        db.session.rollback()
        click.echo(f"{error.render()} [rule {error.rule}]" if error.rule else error.render(), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"archive of {deal_code} disposed of")


history_group = click.Group("history", help="Past deals imported from files.")


def _problem_line(item: dict, kind: str = "line") -> str:
    """One listed error or warning of an import: line, column (letter and header), message, rule."""
    where = " ".join(x for x in ("column" if item.get("column") else "", item.get("column"), item.get("header"),
                                  f"({item['field']})" if item.get("field") else "") if x) or "whole row"
    text = DomainError(item["message"], **item["params"]).render()
    rule = f" [rule {item['rule']}]" if item.get("rule") else ""
    return f"  {kind} {item['line']}, {where}: {text}{rule}"


def _how_read(found: dict) -> str | None:
    """How an import file was read: its encoding (or a workbook), the header's line, the units applied."""
    if "header_line" not in found:
        return None
    how = f"read as {found['encoding']}" if found.get("encoding") else "read as an Excel workbook"
    how += f", header on line {found['header_line']}"
    for header, unit in (found.get("units") or {}).items():
        how += f"; {header}: amounts in {unit}, converted to yuan"
    return how


@history_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--accept-warnings", is_flag=True,
              help="Import even though rows have warnings (an award above its budget, a deal below its starting "
                   "price, a price ten times off its base), after checking them.")
@with_appcontext
def history_import(file: str, accept_warnings: bool) -> None:
    """Import a .csv (UTF-8, GB18030/GBK or UTF-16) or .xlsx file of completed deals, all rows or none; prints every
    bad row and every warning. Files above HISTORY_IMPORT_MAX_BYTES are refused (TRADING_HISTORY_IMPORT_MAX_BYTES
    raises it for one run)."""
    from pathlib import Path

    from .services import history

    path = Path(file)
    try:
        with path.open("rb") as stream:
            rows = history.read_rows(path.name, stream, max_bytes=current_app.config["HISTORY_IMPORT_MAX_BYTES"])
        result = history.import_history(current_platform(), db.session, "cli", current_clock().now(), rows, path.name,
                                        accept_warnings=accept_warnings)
    except DomainError as error:
        db.session.rollback()
        how = _how_read(error.params)
        if how:
            click.echo(how, err=True)
        click.echo(error.render(), err=True)
        for item in error.params.get("errors", []):
            click.echo(_problem_line(item), err=True)
        for item in error.params.get("warnings", []):
            click.echo(_problem_line(item, "warning: line"), err=True)
        if error.field == "accept_warnings":
            click.echo("If the file is right, run again with --accept-warnings.", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(_how_read({"encoding": result.encoding, "header_line": result.header_line, "units": result.units}))
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result.by_trade_type.items()))
    click.echo(f"imported {result.lots} deal(s) ({kinds}), {result.amount:,.2f} yuan, as {result.source}")
    if result.warnings:
        click.echo(f"{result.warnings} warning(s) confirmed (recorded in the audit log)")


keys_group = click.Group("keys", help="The platform's keys in instance/keys, wrapped under the KEK.")


@keys_group.command("show")
@with_appcontext
def keys_show() -> None:
    """Print the KEK's id, where the keys are, and the public keys (for bidders and verifiers)."""
    ring = current_platform().keyring
    click.echo(f"KEK id:    {ring.kek_id}")
    click.echo(f"key files: {ring.folder} (each wrapped under the KEK)")
    for name, key in sorted(ring.signing.items()):
        click.echo(f"{name + ':':<10} {key.public_key().public_bytes_raw().hex()}")


@keys_group.command("reseal")
@with_appcontext
def keys_reseal() -> None:
    """Re-seal database secrets still sealed under SECRET_KEY (databases from before the at-rest key); run it
    before rotating SECRET_KEY. ``init-db`` runs it too."""
    if _reseal():
        sys.exit(1)
    click.echo("every secret in the database is sealed under the at-rest key")


@keys_group.command("rotate-kek")
@click.option("--new-kek-file", required=True, type=click.Path(dir_okay=False),
              help="The new KEK's file (outside instance/); created if it does not exist.")
@with_appcontext
def keys_rotate_kek(new_kek_file: str) -> None:
    """Re-encrypt every key file under a new KEK; then point TRADING_KEK_FILE at the new file and restart."""
    from . import keyring

    try:
        keyring.check_outside_instance(new_kek_file, current_app.instance_path)
        created = keyring.new_kek_file(new_kek_file)
        old = keyring.kek_from_config(current_app.config, current_app.instance_path)
        new = keyring.read_kek_file(new_kek_file, current_app.instance_path)
        files = keyring.rewrap(current_platform().keyring.folder, old, new)
    except keyring.KeyringError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{'created ' if created else ''}new KEK {keyring.kek_id(new)}: {len(files)} key file(s) re-encrypted "
               f"({', '.join(files)}). Set TRADING_KEK_FILE={new_kek_file} and restart; keep the old KEK until then.")


def register(app) -> None:
    """Add the commands to the app's CLI."""
    from .jobs import jobs_group

    for command in (init_db, demo, clock_group, chronograph, audit_group, cleanup_blobs, bid_group, draw_group,
                    archive_group, scenario_group, stats_group, ocds_group, history_group, keys_group, rules_group,
                    jobs_group):
        app.cli.add_command(command)
