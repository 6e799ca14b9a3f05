"""``flask`` commands: init-db, demo, clock, audit."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .clock import current_clock
from .domain.errors import DomainError
from .extensions import db
from .models import Organisation
from .services import audit, clock as clock_service
from .storage import blob_store

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
    _cleanup_blobs()


def _cleanup_blobs() -> None:
    """Start-up clean-up of the blob store: unfinished writes and blobs without a row (see storage.cleanup)."""
    import time

    from .storage import cleanup

    removed = cleanup(db.session, blob_store(), time.time())
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
        now = current_clock().now()
        report = demo_data.load(db.session, now)
        db.session.commit()
        for line in demo_data.load_lots(db.session, now, blob_store()):
            click.echo(line)
        from .simulate import experts as demo_experts

        click.echo(demo_experts.load(db.session, now))
        db.session.commit()
        click.echo(f"demo logins (password for every demo user: {demo_data.DEMO_PASSWORD})")
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
    from .web.admin.views import after_clock_advance

    after_clock_advance(new_now)
    db.session.commit()
    click.echo(f"now:  {_local(new_now)} Asia/Shanghai")


@click.command("chronograph")
@with_appcontext
def chronograph() -> None:
    """Make the time-driven transitions that are due now (run it from cron every minute)."""
    from .services import chronograph as service

    moved = service.tick(db.session, current_clock().now())
    from .services import experts

    lifted = experts.lift_expired_suspensions(db.session, current_clock().now())
    db.session.commit()
    if lifted:
        click.echo(f"{lifted} expert suspension(s) ended")
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


@draw_group.command("verify")
@click.argument("record_file")
def draw_verify(record_file: str) -> None:
    """Replay an exported draw record; print MATCH or what differs (exit status 1)."""
    from .domain.drawing_cli import main

    sys.exit(main(["verify", record_file]))


audit_group = click.Group("audit", help="The hash-chained audit log.")


@audit_group.command("verify")
@click.option("--expect", default=None, help="A head noted earlier, 'SEQ:HASH', that must still be in the chain.")
@with_appcontext
def audit_verify(expect: str | None) -> None:
    """Check every link of the chain; print OK or the first bad sequence number and why."""
    expected = None
    if expect:
        seq, _, digest = expect.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise click.BadParameter("use SEQ:HASH with the 64-hex-digit hash", param_hint="--expect")
        expected = (int(seq), digest.lower())
    verdict = audit.verify(db.session, expected_head=expected)
    if verdict.ok:
        head = f"head {verdict.head_seq}:{verdict.head_hash}" if verdict.count else "empty log"
        click.echo(f"OK: {verdict.count} entries verified; {head}")
        return
    click.echo(f"FAILED at sequence {verdict.bad_seq}: {verdict.problem}: {verdict.detail}")
    sys.exit(1)


def register(app) -> None:
    """Add the commands to the app's CLI."""
    for command in (init_db, demo, clock_group, chronograph, audit_group, cleanup_blobs, bid_group, draw_group):
        app.cli.add_command(command)
