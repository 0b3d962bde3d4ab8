"""Command-line tools: `flask --app backoffice ...` or the `wattkeeper` script."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from backoffice import database
from shared_models import db as shared_db
from shared_models.enums import Role
from shared_models.models import Operator


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(ledger_group)
    app.cli.add_command(bills_group)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(sms_outbox_command)


@click.group("db", help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply every migration (creates the schema on a new database).")
@with_appcontext
def db_upgrade() -> None:
    shared_db.upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is up to date")


@click.group("audit", help="The system log.")
def audit_group() -> None:
    pass


@audit_group.command("verify", help="Check the hash chain; names the first broken row.")
@with_appcontext
def audit_verify() -> None:
    from backoffice.resources.audit.routes import verify_report

    report = verify_report()
    if report["ok"]:
        click.echo(f"audit log intact: {report['checked']} rows checked")
        return
    click.echo(f"audit log BROKEN at row {report['broken_entry_id']}: {report['reason']}", err=True)
    sys.exit(1)


@click.group("ledger", help="The ledger of money.")
def ledger_group() -> None:
    pass


@ledger_group.command("verify", help="Check that every transaction sums to zero, every wallet "
                      "balance matches its postings and no external key is posted twice.")
@click.option("--site", "site_id", type=int, default=None, help="Only this site.")
@with_appcontext
def ledger_verify(site_id: int | None) -> None:
    from shared_models.ledger.verify import verify

    report = verify(database.session(), site_id)
    for problem in report.problems:
        click.echo(f"{problem.check} {problem.subject_id}: {problem.detail}", err=True)
    if not report.ok:
        sys.exit(1)
    click.echo(f"ledger balanced: {report.transactions} transactions, {report.wallets} wallets")


@click.group("bills", help="Postpaid bills.")
def bills_group() -> None:
    pass


@bills_group.command("run", help="Make the site's bills for the period ending at a cut-off (by "
                     "default the latest); safe to run again after an interruption.")
@click.option("--site", "site_id", type=int, required=True)
@click.option("--cutoff", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The cut-off date (YYYY-MM-DD), on the site's cut-off day.")
@click.option("--chunk", default=50, show_default=True, type=click.IntRange(1, 10000),
              help="Bills priced per transaction.")
@with_appcontext
def bills_run(site_id: int, cutoff, chunk: int) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from shared_models.billing.periods import latest_cutoff
    from shared_models.billing.runs import bill_run
    from shared_models.models import Site
    from shared_models.models.billing import Bill

    db = database.session()
    site = db.get(Site, site_id)
    if site is None:
        raise click.BadParameter("no such site", param_hint="--site")
    day = cutoff.date() if cutoff else latest_cutoff(datetime.now(ZoneInfo(site.timezone)).date(),
                                                     site.bill_cutoff_day)
    db.rollback()
    run_id = bill_run(current_app.extensions["wk_sessions"], site_id, day, chunk=chunk)
    states = db.execute(select(Bill.state, func.count()).where(Bill.run_id == run_id)
                        .group_by(Bill.state)).all()
    click.echo(f"bill run {run_id} ({day}): " + ", ".join(f"{n} {state.value}" for state, n in states))


def ensure_admin(username: str, password: str | None) -> str | None:
    """Create the admin if missing; returns the password when one had to be generated."""
    from backoffice.auth.accounts import save_operator

    db = database.session()
    if db.scalar(select(Operator.id).where(Operator.username == username)):
        return None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    save_operator(db, {"username": username, "password": password, "role": Role.ADMIN,
                       "all_sites": True, "display_name": "Administrator"})
    db.commit()
    return generated


@click.command("create-admin", help="Create an administrator (password from "
               "WATTKEEPER_ADMIN_PASSWORD, else generated and printed once).")
@click.option("--username", default="admin", show_default=True)
@click.option("--password", envvar="WATTKEEPER_ADMIN_PASSWORD", default=None)
@with_appcontext
def create_admin_command(username: str, password: str | None) -> None:
    generated = ensure_admin(username, password)
    if generated:
        click.echo(f"admin login: {username} / {generated}  (shown once)")
    else:
        click.echo(f"admin {username} is ready")


@click.command("seed-demo", help="Fill an empty database with the demo site.")
@with_appcontext
def seed_demo_command() -> None:
    from backoffice.seed import seed_demo

    admin_id = database.session().scalar(select(Operator.id).where(Operator.username == "admin"))
    if admin_id is None:
        raise click.ClickException("create the admin first (create-admin)")
    created = seed_demo(database.session(), admin_id)
    database.session().commit()
    click.echo("demo site created" if created else "demo site already present")


@click.command("sms-outbox", help="The newest texts in the SMS outbox (with the demo's record-only "
                                   "driver, where a tenant's sign-in code is read).")
@click.option("--kind", default=None, help="Only this kind, e.g. sign_in_code.")
@click.option("--last", default=5, show_default=True, type=click.IntRange(1, 100))
@with_appcontext
def sms_outbox_command(kind: str | None, last: int) -> None:
    from shared_models.models import SmsMessage
    from shared_models.models.notifications import SmsKind

    stmt = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(last)
    if kind:
        try:
            stmt = stmt.where(SmsMessage.kind == SmsKind(kind))
        except ValueError:
            raise click.BadParameter(f"one of {', '.join(k.value for k in SmsKind)}",
                                     param_hint="--kind") from None
    for message in reversed(list(database.session().scalars(stmt))):
        click.echo(f"{message.created_at:%Y-%m-%d %H:%M:%S} UTC  {message.phone}  {message.state.value:<10} "
                   f"{message.body}")


def main() -> None:
    from backoffice import create_app, log_setup

    log_setup.configure()

    FlaskGroup(create_app=create_app)(prog_name="wattkeeper")
