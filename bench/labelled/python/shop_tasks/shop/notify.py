from celery import shared_task

import requests

MAIL_API = "https://mail.internal/send"


@shared_task(bind=True, max_retries=5)
def deliver_digest(self, customer_id, language):
    try:
        requests.post(MAIL_API, json={"customer": customer_id, "lang": language}, timeout=10).raise_for_status()
    except requests.RequestException as exc:
        raise self.retry(exc=exc, countdown=2 ** self.request.retries * 30)
