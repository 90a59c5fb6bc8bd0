"""Retry loops around network calls."""
import logging
import random
import time

import psycopg2
import requests

log = logging.getLogger(__name__)
DSN = "postgresql://app@db/app"
RETRY_SECONDS = 5


def post_with_retry(url, payload):
    for attempt in range(5):  # expect: magic-interval; allow: retry-without-backoff
        try:
            return requests.post(url, json=payload, timeout=5)
        except requests.RequestException:
            log.warning("attempt %d failed", attempt)
            time.sleep(1)
    raise RuntimeError("gave up")


def post_with_backoff(url, payload):
    for attempt in range(5):  # expect: none
        try:
            return requests.post(url, json=payload, timeout=5)
        except requests.RequestException:
            time.sleep(min(30, 2 ** attempt) + random.random())
    raise RuntimeError("gave up")


def wait_for_database():
    while True:  # expect: retry-without-backoff; allow: busy-wait
        try:
            conn = psycopg2.connect(DSN)
            break
        except psycopg2.OperationalError:
            log.warning("database not ready yet")
    return conn


def fetch_until_ok(session, url):
    attempts = 0
    while attempts < 10:  # expect: magic-interval; allow: retry-without-backoff
        attempts += 1
        try:
            resp = session.get(url, timeout=5)
            resp.raise_for_status()
            return resp.json()
        except requests.HTTPError:
            time.sleep(3)
    return None


def report_until_accepted(url, report):
    while True:  # expect: retry-without-backoff
        try:
            return requests.put(url, json=report, timeout=10)
        except requests.ConnectionError:
            log.warning("collector unreachable, retrying")
            time.sleep(RETRY_SECONDS)
