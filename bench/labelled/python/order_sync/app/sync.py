"""Cron-style sync job: pushes new orders to the analytics service and marks them synced."""
import logging
import time

from app.bigdata import order_label, send_to_bigdata
from app.db import (
    archive_order,
    customer_email,
    customer_emails,
    delete_outbox_row,
    fetch_unsynced,
    get_conn,
    mark_synced,
)

log = logging.getLogger(__name__)
POLL_SECONDS = 60


def sync_forever(stop):
    conn = get_conn()
    while not stop.is_set():  # expect: polling-fixed-interval
        try:
            rows = fetch_unsynced(conn)
            for order_id, customer_id, total in rows:  # expect: query-in-loop, serial-blocking-io
                email = customer_email(conn, customer_id)
                send_to_bigdata({"id": order_id, "email": email, "total": total})
                mark_synced(conn, order_id)
        except Exception:
            log.exception("sync pass failed")
        time.sleep(POLL_SECONDS)


def flush_outbox(conn, rows):
    # The seed's example: the per-row status write after an irreversible call is right; the serial HTTP is not.
    for row in rows:  # expect: serial-blocking-io
        send_to_bigdata(row)
        delete_outbox_row(conn, row["id"])
        conn.commit()


def archive_all(conn, order_ids):
    for order_id in order_ids:  # expect: write-per-row
        archive_order(conn, order_id)
    conn.commit()


def backfill_synced(conn, order_ids):
    for order_id in order_ids:  # expect: write-per-row, commit-in-loop
        mark_synced(conn, order_id)


def labels_for(rows):
    labels = []
    for order_id, _customer_id, total in rows:  # expect: none
        labels.append(order_label(order_id, total))
    return labels


def emails_for(conn, rows):
    emails = customer_emails(conn, {customer_id for _, customer_id, _ in rows})
    result = {}
    for order_id, customer_id, _total in rows:  # expect: none
        result[order_id] = emails.get(customer_id)
    return result
