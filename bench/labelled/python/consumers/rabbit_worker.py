"""RabbitMQ (pika) consumers."""
import json
import logging
import time

import pika

log = logging.getLogger(__name__)
IDLE_PAUSE = 2


def process(task):
    log.info("task %s", task["id"])


def open_channel():
    connection = pika.BlockingConnection(pika.ConnectionParameters("rabbit"))
    return connection.channel()


def consume_acking_first(channel):
    for method, _properties, body in channel.consume("tasks", inactivity_timeout=30):  # expect: ack-before-success; allow: unguarded-worker-loop
        if method is None:
            continue
        channel.basic_ack(delivery_tag=method.delivery_tag)
        process(json.loads(body))


def consume_acking_after(channel):
    for method, _properties, body in channel.consume("tasks", inactivity_timeout=30):  # expect: none
        if method is None:
            continue
        try:
            process(json.loads(body))
        except Exception:
            log.exception("task failed")
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=False)
            continue
        channel.basic_ack(delivery_tag=method.delivery_tag)


def drain_with_basic_get(channel, stop):
    while not stop.is_set():  # expect: polling-fixed-interval
        try:
            method, _properties, body = channel.basic_get("tasks")
            if method is None:
                time.sleep(IDLE_PAUSE)
                continue
            process(json.loads(body))
            channel.basic_ack(delivery_tag=method.delivery_tag)
        except Exception:
            log.exception("basic_get failed")
