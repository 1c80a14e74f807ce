"""The administrator's commands: status, retry, approve, user, register."""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from typing import Any

from errors import ExitCode, Invalid, NotFound
from models import jobs, register, users
from models.db import connect
from models.status import status as station_status
from station import config
from station.cluster import status_from_env


def run(args: argparse.Namespace) -> int:
    conn = connect(config.data_dir() / "station.db")
    try:
        return COMMANDS[args.command](conn, args)
    finally:
        conn.close()


def status(conn: Any, args: argparse.Namespace) -> int:
    report = station_status(conn)
    cluster = status_from_env()
    if cluster is not None:
        report["cluster"] = cluster
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print(status_table(report))
    return ExitCode.OK


def status_table(report: dict[str, Any]) -> str:
    """The status for people: counts per state, then what needs a look."""
    lines = []
    for title, key in (("jobs", "jobs"), ("documents", "documents"), ("deliveries", "outbox")):
        counts = report[key]
        cells = ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"
        lines.append(f"{title:<11} {cells}")
    if report["recent_failures"]:
        lines.append("\nfailed jobs (newest first; `station retry JOB` queues one again):")
        lines.append(f"  {'job':>5}  {'when':<16}  {'file':<32}  reason")
        for f in report["recent_failures"]:
            when = datetime.fromtimestamp(f["updated_at"]).strftime("%Y-%m-%d %H:%M")
            lines.append(f"  {f['id']:>5}  {when:<16}  {_cut(f['name'], 32):<32}  {_cut(f['error'] or '', 70)}")
    if report["dead_letters"]:
        lines.append("\ndeliveries given up:")
        lines.append(f"  {'entry':>5}  {'document':>8}  {'to':<10}  error")
        for d in report["dead_letters"]:
            lines.append(
                f"  {d['id']:>5}  {d['document_id']:>8}  {d['connector']:<10}  {_cut(d['last_error'] or '', 70)}"
            )
    if "cluster" in report:
        lines += _cluster_lines(report["cluster"])
    return "\n".join(lines)


def _cluster_lines(c: dict[str, Any]) -> list[str]:
    if c.get("error"):
        return [f"\nworkers: {c['broker']}: {c['error']}"]
    lines = [f"\nworkers on {c['broker']}: {c['queued']} pages queued"]
    lines.append(f"  {'worker':<24}  {'state':<18}  {'processes':>9}  {'pages':>6}  {'pages/min':>9}")
    for w in c["workers"]:
        state = "reading" if w["reading"] else "idle"
        if not w["alive"]:
            state = f"gone ({w['seconds_since_seen']:.0f} s)"
        lines.append(
            f"  {_cut(w['name'], 24):<24}  {state:<18}  {w['concurrency']:>9}  {w['pages']:>6}  "
            f"{w['pages_per_minute']:>9}"
        )
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def retry(conn: Any, args: argparse.Namespace) -> int:
    job = jobs.get(conn, args.job)
    if job is None or job.state != "failed":
        raise NotFound(f"job {args.job} is not a failed job")
    jobs.retry(conn, job.id, job.source)
    print(f"job {job.id} ({job.name}) is queued again")
    return ExitCode.OK


def approve(conn: Any, args: argparse.Namespace) -> int:
    row = conn.execute(
        "SELECT j.profile FROM documents d JOIN jobs j ON j.id = d.job_id WHERE d.id = ?", (args.document,)
    ).fetchone()
    if row is None:
        raise NotFound(f"there is no document {args.document}")
    done = register.approve(conn, args.document, "clerk", register=row["profile"] == "incoming", override=args.override)
    print(
        f"document {args.document} approved"
        + (f", số đến {done.so_den}/{done.year}" if done.so_den else "")
        + (f" despite: {'; '.join(p.message for p in done.overridden)}" if done.overridden else "")
        + ": it will be signed and delivered"
    )
    return ExitCode.OK


def user(conn: Any, args: argparse.Namespace) -> int:
    if args.password_file:
        password = args.password_file.read_text(encoding="utf-8").strip()
    elif os.environ.get("STATION_NEW_PASSWORD"):
        password = os.environ["STATION_NEW_PASSWORD"]
    else:
        import getpass

        password = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != password:
            raise Invalid("the two passwords differ")
    account = users.add(conn, args.username, password, args.role, actor="station user add")
    print(f"user {account.username} ({account.role}) created")
    return ExitCode.OK


def register_export(conn: Any, args: argparse.Namespace) -> int:
    from station.register_export import export

    for path in export(conn, args.year, args.out):
        print(path)
    return ExitCode.OK


COMMANDS = {"status": status, "retry": retry, "approve": approve, "user": user, "register": register_export}
