"""Database helpers of the order sync job: every query lives here, callers only see functions."""
import psycopg2

DSN = "postgresql://orders@db.internal/orders"


def get_conn():
    return psycopg2.connect(DSN)


def fetch_unsynced(conn, limit=200):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT id, customer_id, total FROM orders WHERE synced_at IS NULL ORDER BY id LIMIT %s",
            (limit,),
        )
        return cur.fetchall()


def customer_email(conn, customer_id):
    with conn.cursor() as cur:
        cur.execute("SELECT email FROM customers WHERE id = %s", (customer_id,))
        row = cur.fetchone()
    return row[0] if row else None


def customer_emails(conn, customer_ids):
    with conn.cursor() as cur:
        cur.execute("SELECT id, email FROM customers WHERE id = ANY(%s)", (list(customer_ids),))
        return dict(cur.fetchall())


def mark_synced(conn, order_id):
    with conn.cursor() as cur:
        cur.execute("UPDATE orders SET synced_at = now() WHERE id = %s", (order_id,))
    conn.commit()


def archive_order(conn, order_id):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO orders_archive SELECT * FROM orders WHERE id = %s", (order_id,))


def delete_outbox_row(conn, row_id):
    with conn.cursor() as cur:
        cur.execute("DELETE FROM outbox WHERE id = %s", (row_id,))
