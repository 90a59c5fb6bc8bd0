"""Job table access for the poller."""


class JobStore:
    def __init__(self, conn):
        self.conn = conn

    def get_pending(self, limit=50):
        cur = self.conn.cursor()
        cur.execute(
            "SELECT id, kind, payload FROM jobs WHERE state = 'pending' ORDER BY id LIMIT %s",
            (limit,),
        )
        return cur.fetchall()

    def finish(self, job_id, state):
        cur = self.conn.cursor()
        cur.execute("UPDATE jobs SET state = %s, finished_at = now() WHERE id = %s", (state, job_id))
        self.conn.commit()


def get_pending(conn, limit=50):
    cur = conn.cursor()
    cur.execute("SELECT id, kind, payload FROM jobs WHERE state = 'pending' LIMIT %s", (limit,))
    return cur.fetchall()
