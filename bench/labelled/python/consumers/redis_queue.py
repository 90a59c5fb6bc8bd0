"""Redis list queues: a spinning consumer, one hidden behind a helper, and blocking ones."""
import json
import logging

import redis

from .queue_helpers import next_job, next_job_blocking

log = logging.getLogger(__name__)
redis_client = redis.Redis(host="redis")


def send_email(payload):
    log.info("mail to %s", payload["to"])


def spin_on_lpop():
    while True:  # expect: busy-wait, infinite-loop-no-exit
        try:
            raw = redis_client.lpop("emails")
            if raw is None:
                continue
            send_email(json.loads(raw))
        except Exception:
            log.exception("email failed")


def spin_through_helper():
    while True:  # expect: busy-wait, infinite-loop-no-exit
        try:
            job = next_job()
            if job is None:
                continue
            send_email(job)
        except Exception:
            log.exception("email failed")


def block_on_brpop():
    while True:  # expect: infinite-loop-no-exit
        try:
            item = redis_client.brpop("emails", timeout=5)
            if item is None:
                continue
            send_email(json.loads(item[1]))
        except Exception:
            log.exception("email failed")


def block_through_helper():
    while True:  # expect: infinite-loop-no-exit
        try:
            job = next_job_blocking()
            if job is None:
                continue
            send_email(job)
        except Exception:
            log.exception("email failed")
