/** What a call does, from the API knowledge base (`rules/apis/*.yml`) and the repository's `apis:` config. */
export const CALL_KINDS = [
    'db-read', // SELECT / ORM fetch / find
    'db-write', // INSERT / UPDATE / DELETE / ORM save
    'db-batch', // executemany, bulk_create, bulkWrite, insertMany: already batched
    'db-commit',
    'http', // HTTP / RPC / any network I/O
    'connect', // connection, client, session or pool construction
    'sleep',
    'queue-pop', // blocking or non-blocking pop / receive / get from a queue
    'queue-ack', // ack / delete message / mark done
    'file-open',
    'regex-compile',
    'config-load', // json/yaml/env/config file load
    'task-spawn', // executor.submit, asyncio.create_task, threading.Thread().start, un-awaited promise factory
    'gather', // asyncio.gather, Promise.all / allSettled: concurrency already
    'log',
    'lock', // SELECT ... FOR UPDATE, advisory locks, redis SET NX
    'close', // close / release / dispose
];
