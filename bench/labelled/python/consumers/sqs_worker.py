"""SQS consumers: a short-polling one, one that deletes before handling, and a correct long-polling one."""
import json
import logging
import time

import boto3

log = logging.getLogger(__name__)
sqs = boto3.client("sqs")
EMPTY_QUEUE_PAUSE = 5


def handle_event(event):
    log.info("event %s", event.get("type"))


def consume_short_poll(queue_url):
    while True:  # expect: polling-fixed-interval, infinite-loop-no-exit
        try:
            resp = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            messages = resp.get("Messages", [])
            for msg in messages:  # expect: none
                handle_event(json.loads(msg["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
        except Exception:
            log.exception("receive failed")
            messages = []
        if not messages:
            time.sleep(EMPTY_QUEUE_PAUSE)


def consume_delete_first(queue_url):
    while True:  # expect: infinite-loop-no-exit
        try:
            resp = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20, MaxNumberOfMessages=10)
            for msg in resp.get("Messages", []):  # expect: ack-before-success
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
                handle_event(json.loads(msg["Body"]))
        except Exception:
            log.exception("receive failed")


def consume_long_poll(queue_url):
    while True:  # expect: infinite-loop-no-exit
        try:
            resp = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20, MaxNumberOfMessages=10)
            for msg in resp.get("Messages", []):  # expect: none
                handle_event(json.loads(msg["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
        except Exception:
            log.exception("receive failed")
