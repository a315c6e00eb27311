"""The local twin of the announcements' worker Lambda: polls the emulator's SQS queue and hands each message
to the same ``handle_message`` the Lambda runs, deleting it only when it was handled (a failure or a kill
leaves it to come back after the visibility timeout, as on AWS). ``provision`` creates the queue, its
dead-letter queue (five receives) and the SES sender identity in the emulator; the seed calls it.
"""

from __future__ import annotations

import json
import logging
import queue
import signal
import sys
import threading
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.sqs_queue import SqsQueue
from chalicelib.config import Settings, settings
from chalicelib.logs import configure_logging
from chalicelib.services.announcement_delivery import Pacer, handle_message
from chalicelib.wiring import aws_client, get_deps

log = logging.getLogger("eps2.announcement_worker")
MAX_RECEIVES = 5
IDLE_POLL_S = 0.5


def provision(cfg: Settings) -> None:
    """The queue as the template declares it (redrive to a dead-letter queue) and a verified SES sender."""
    sqs = aws_client("sqs", cfg)
    dead = sqs.create_queue(QueueName=f"{cfg.announcements_queue_name}-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    try:
        sqs.create_queue(
            QueueName=cfg.announcements_queue_name,
            Attributes={
                "VisibilityTimeout": str(cfg.delivery_lease_seconds),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(MAX_RECEIVES)}),
            },
        )
    except ClientError as error:  # kept from an earlier run with another lease: the worker passes its own
        if "QueueAlreadyExists" not in str(error) and "QueueNameExists" not in str(error):
            raise
    aws_client("ses", cfg).verify_email_identity(EmailAddress=cfg.email_sender)


class Worker:
    """One thread polls the queue (short polls: the emulator answers one request at a time, and a long poll
    would hold it; idle, one poll every IDLE_POLL_S) and hands messages to ``settings.workers`` threads, as
    many as the Lambda's concurrency on AWS, each paced at its share of the rate (the emulator takes ~10 ms a
    request: one thread alone would not reach 50 e-mails a second)."""

    def __init__(self, deps: Any = None) -> None:
        self._deps = deps or get_deps()
        cfg = self._deps.settings
        self._queue = SqsQueue(aws_client("sqs", cfg), cfg.announcements_queue_url, cfg.announcements_queue_name)
        self._visibility = cfg.delivery_lease_seconds
        self._threads = cfg.workers
        self._work: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue(maxsize=cfg.workers)
        self._stop = threading.Event()

    def run(self) -> None:
        log.info("announcement worker: %d threads on %s", self._threads, self._queue.url)
        threads = [threading.Thread(target=self._work_on, name=f"worker-{n}") for n in range(self._threads)]
        for thread in threads:
            thread.start()
        self._poll()
        for thread in threads:
            thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            room = self._threads - self._work.qsize()
            if room <= 0:
                self._stop.wait(0.02)
                continue
            try:
                received = self._queue.receive(wait_s=0, visibility_s=self._visibility, max_messages=min(room, 10))
            except Exception:
                log.exception("queue unreachable")
                self._stop.wait(1)
                continue
            if not received:
                self._stop.wait(IDLE_POLL_S)
            for item in received:
                self._work.put(item)

    def _work_on(self) -> None:
        pacer = Pacer(self._deps.settings.worker_email_rate)
        while not self._stop.is_set():
            try:
                handle, message = self._work.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                handle_message(self._deps, message, pacer)
            except Exception:
                log.exception("queue message failed; it comes back after the visibility timeout")
                continue
            self._queue.delete(handle)

    def stop(self, *_: Any) -> None:
        self._stop.set()


def main() -> int:
    configure_logging()
    worker = Worker()
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    cfg = settings()
    log.info(
        "e-mail rate %d/s: %.1f/s for each of %d threads", cfg.email_per_second, cfg.worker_email_rate, cfg.workers
    )
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
