"""A job poller written the way many are: the I/O sits behind the code's own functions and methods."""
import logging
import time

from . import timing
from .store import JobStore, get_pending
from .timing import idle

log = logging.getLogger(__name__)
POLL_INTERVAL = 5


def handle(kind, payload):
    log.info("handling %s job: %d bytes", kind, len(payload))


class Worker:
    def __init__(self, conn):
        self.conn = conn
        self.store = JobStore(conn)
        self.running = True

    def run(self):
        while self.running:  # expect: polling-fixed-interval
            try:
                for job_id, kind, payload in self.store.get_pending():  # expect: none
                    handle(kind, payload)
            except Exception:
                log.exception("poll failed")
            time.sleep(POLL_INTERVAL)

    def _fetch_batch(self):
        cur = self.conn.cursor()
        cur.execute("SELECT id, kind, payload FROM jobs WHERE state = 'pending' LIMIT 20")
        return cur.fetchall()

    def run_batches(self):
        while self.running:  # expect: polling-fixed-interval
            try:
                batch = self._fetch_batch()
            except Exception:
                log.exception("fetch failed")
                batch = []
            if not batch:
                time.sleep(POLL_INTERVAL)
                continue
            for job_id, kind, payload in batch:  # expect: none
                handle(kind, payload)

    def run_with_idle_helper(self):
        while self.running:  # expect: polling-fixed-interval
            try:
                jobs = get_pending(self.conn)
                for _job_id, kind, payload in jobs:  # expect: none
                    handle(kind, payload)
            except Exception:
                log.exception("poll failed")
            idle()

    def run_with_module_sleep(self):
        while True:  # expect: polling-fixed-interval, infinite-loop-no-exit
            try:
                jobs = self._fetch_batch()
                for _job_id, kind, payload in jobs:  # expect: none
                    handle(kind, payload)
            except Exception:
                log.exception("poll failed")
            timing.idle()


def finish_all(store: JobStore, results):
    for job_id, state in results.items():  # expect: write-per-row, commit-in-loop
        store.finish(job_id, state)


def poll_forever(conn):
    while True:  # expect: polling-fixed-interval, unguarded-worker-loop
        jobs = get_pending(conn)
        for _job_id, kind, payload in jobs:  # expect: none
            handle(kind, payload)
        time.sleep(POLL_INTERVAL)
