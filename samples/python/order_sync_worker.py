"""Syncs paid orders to the billing provider. A typical worker as it is first written."""
import json
import logging
import re
import time

import psycopg2
import requests

log = logging.getLogger(__name__)
BILLING_URL = "https://billing.example.com/api/invoices"


def sync_orders():
    conn = psycopg2.connect("dbname=shop")
    while True:
        cur = conn.cursor()
        cur.execute("SELECT * FROM orders WHERE status = 'paid'")
        orders = cur.fetchall()
        for order in orders:
            cur.execute("SELECT * FROM customers WHERE id = %s", (order[1],))
            customer = cur.fetchone()
            settings = json.load(open("/etc/shop/billing.json"))
            resp = requests.post(BILLING_URL, json={"order": order[0], "customer": customer[0]}, timeout=settings["timeout"])
            resp.raise_for_status()
            cur.execute("UPDATE orders SET status = 'synced' WHERE id = %s", (order[0],))
            conn.commit()
        time.sleep(30)


def consume(queue):
    while True:
        message = queue.get_nowait_or_none()
        if message is None:
            continue
        queue.ack(message)
        handle(message)


def handle(message):
    pattern = re.compile(r"^order-(\d+)$")
    for line in message.body.splitlines():
        if pattern.match(line):
            log.info("order line %s", line)
