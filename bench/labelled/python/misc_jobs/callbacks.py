"""Closures made in loops."""
import threading


def run_step(name):
    print("step", name)


def make_handlers(names):
    handlers = []
    for name in names:  # expect: loop-closure-capture
        handlers.append(lambda: run_step(name))
    return handlers


def make_handlers_bound(names):
    handlers = []
    for name in names:  # expect: none
        handlers.append(lambda name=name: run_step(name))
    return handlers


def start_threads(shards):
    threads = []
    for shard in shards:  # expect: loop-closure-capture
        t = threading.Thread(target=lambda: run_step(shard))
        t.start()
        threads.append(t)
    for t in threads:  # expect: none
        t.join()


def start_threads_args(shards):
    threads = []
    for shard in shards:  # expect: none
        t = threading.Thread(target=run_step, args=(shard,))
        t.start()
        threads.append(t)
    return threads
