import requests

BIGDATA_URL = "https://bigdata.internal/v1/events"


def send_to_bigdata(row):
    resp = requests.post(BIGDATA_URL, json=row, timeout=10)
    resp.raise_for_status()
    return resp.json()


def order_label(order_id, total):
    # Pure formatting: the name sounds like I/O to nobody, but a loop calling it is clean.
    return f"order-{order_id}: {total:.2f}"
