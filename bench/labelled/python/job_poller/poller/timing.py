import time

IDLE_SECONDS = 10


def idle():
    time.sleep(IDLE_SECONDS)
