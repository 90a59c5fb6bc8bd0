"""Cleanup jobs: expiring sessions, reading spool files, building reports."""
import csv
import logging

import psycopg2

log = logging.getLogger(__name__)
DSN = "postgresql://app@db/app"


def expire_sessions(sessions, now):
    for key, session in sessions.items():  # expect: mutate-while-iterating
        if session["expires"] < now:
            del sessions[key]


def expire_sessions_copy(sessions, now):
    for key in list(sessions):  # expect: none
        if sessions[key]["expires"] < now:
            del sessions[key]


def crawl(start):
    queue = [start]
    for node in queue:  # expect: none
        queue.extend(child for child in node.children if child not in queue)
    return queue


def spool_sizes(paths):
    total = 0
    for path in paths:  # expect: resource-leak-in-loop
        fh = open(path)
        total += len(fh.read())
    return total


def spool_sizes_closed(paths):
    total = 0
    for path in paths:  # expect: none
        with open(path) as fh:
            total += len(fh.read())
    return total


def load_tenants(tenant_ids):
    counts = {}
    for tenant_id in tenant_ids:  # expect: connection-in-loop, query-in-loop
        conn = psycopg2.connect(DSN)
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM events WHERE tenant_id = %s", (tenant_id,))
        counts[tenant_id] = cur.fetchone()[0]
        conn.close()
    return counts


def csv_report(rows):
    report = ""
    for row in rows:  # expect: string-concat-in-loop
        report += f"{row['id']},{row['total']}\n"
    return report


def csv_report_joined(rows):
    lines = []
    for row in rows:  # expect: none
        lines.append(f"{row['id']},{row['total']}")
    return "\n".join(lines)


def new_items(existing, incoming):
    seen_ids = [item["id"] for item in existing]
    fresh = []
    for item in incoming:  # expect: membership-in-loop
        if item["id"] not in seen_ids:
            fresh.append(item)
    return fresh


def new_items_set(existing, incoming):
    seen_ids = {item["id"] for item in existing}
    fresh = []
    for item in incoming:  # expect: none
        if item["id"] not in seen_ids:
            fresh.append(item)
    return fresh


def write_rows(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        for row in rows:  # expect: none
            writer.writerow([row["id"], row["total"]])


def get_connection():
    return psycopg2.connect(DSN)


def purge_tenants(tenant_ids):
    for tenant_id in tenant_ids:  # expect: connection-in-loop, write-per-row, commit-in-loop
        conn = get_connection()
        with conn.cursor() as cur:
            cur.execute("DELETE FROM events WHERE tenant_id = %s AND created < now() - interval '90 days'", (tenant_id,))
        conn.commit()
        conn.close()
