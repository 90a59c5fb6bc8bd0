import json

import redis

QUEUE = "emails"
redis_conn = redis.Redis(host="redis")


def next_job():
    raw = redis_conn.rpop(QUEUE)
    return json.loads(raw) if raw else None


def next_job_blocking():
    item = redis_conn.blpop(QUEUE, timeout=5)
    return json.loads(item[1]) if item else None
