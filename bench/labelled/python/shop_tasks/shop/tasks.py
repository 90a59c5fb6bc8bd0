"""Celery tasks of a shop: nightly digests, invoice runs and an import."""
import logging

from celery import shared_task

from .models import Customer, Invoice, Preference
from .notify import deliver_digest

log = logging.getLogger(__name__)


@shared_task
def send_digests():
    for customer in Customer.objects.filter(wants_digest=True):  # expect: query-in-loop
        pref = Preference.objects.get(customer_id=customer.id)
        deliver_digest.delay(customer.id, pref.language)


@shared_task
def send_digests_joined():
    for customer in Customer.objects.filter(wants_digest=True).select_related("preference"):  # expect: none
        deliver_digest.delay(customer.id, customer.preference.language)


@shared_task
def close_invoices(invoice_ids):
    for invoice in Invoice.objects.filter(id__in=invoice_ids):  # expect: write-per-row
        invoice.status = "closed"
        invoice.save(update_fields=["status"])


@shared_task
def start_sending():
    for invoice in Invoice.objects.filter(status="ready"):  # expect: check-then-act-race, write-per-row
        invoice.status = "sending"
        invoice.save()


@shared_task
def import_refs(refs):
    for ref in refs:  # expect: check-then-act-race; allow: query-in-loop, write-per-row
        if not Invoice.objects.filter(ref=ref).exists():
            Invoice.objects.create(ref=ref, status="new", customer_id=1)


@shared_task
def count_by_status(invoices):
    totals = {}
    for invoice in invoices:  # expect: none
        totals[invoice.status] = totals.get(invoice.status, 0) + 1
    return totals
