"""`pipeline watch`: the unattended loop.

The `schedule` library fires the inbox pass every N seconds and the reminders
once a day at calendar.reminder_time; it keeps no state of its own, so everything
that must survive a restart (files processed, messages sent) lives in the store
and every job is idempotent. SIGTERM and SIGINT only set a flag: the pass in hand
finishes, then the loop exits cleanly.
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import date, datetime
from datetime import time as time_of_day
from typing import Any, Callable

from pipeline.config import Config
from pipeline.errors import LockHeld, MailError, PipelineError
from pipeline.ingest import utc_now
from pipeline.lock import RunLock

log = logging.getLogger(__name__)


def chase_on_start(now: time_of_day, reminder_time: time_of_day) -> bool:
    """Whether the loop chases as it starts: only once the day's reminder time has come.

    A restart after 09:00 catches up on the day's reminders (which are idempotent);
    one at 04:00 leaves them to the 09:00 job, so nobody gets an e-mail at 04:00.
    """
    return now >= reminder_time


class Watcher:
    def __init__(self, config: Config, *, pdf: bool = True, dry_run: bool = False,
                 now: Callable[[], datetime] = utc_now, today: Callable[[], date] = date.today,
                 local_time: Callable[[], datetime] = datetime.now) -> None:
        self.config = config
        self.pdf = pdf
        self.dry_run = dry_run
        self.now = now
        self.today = today
        # The wall clock `schedule` runs the daily job by, so the start-up check agrees with it.
        self.local_time = local_time
        self.stopping = False

    def stop(self, signum=None, frame=None) -> None:
        if not self.stopping:
            log.info("Stopping after the work in hand (signal %s)", signum)
        self.stopping = True

    def inbox_job(self) -> None:
        from pipeline.cycle import run_once

        try:
            report = run_once(self.config, now=self.now, pdf=self.pdf, dry_run=self.dry_run)
        except LockHeld as exc:
            log.info("Skipping this pass: %s", exc.message)
            return
        except PipelineError as exc:  # a broken register or a full disk: say so, try again next time
            log.error("%s", exc)
            return
        for period, paths in report.built.items():
            log.info("Rebuilt %d output(s) for %s", len(paths), period)

    def reminder_job(self) -> None:
        from pipeline.cycle import chase

        try:
            result = chase(self.config, self.today(), now=self.now, dry_run=self.dry_run)
        except LockHeld as exc:
            log.info("Reminders postponed: %s", exc.message)
        except (MailError, PipelineError) as exc:
            log.error("Reminders not sent: %s; they will be tried again", exc)
        else:
            if self.dry_run:
                from pipeline.notify import DRY_RUN_FOLDER

                log.info("Dry run: %d message(s) would be sent; previews in %s", len(result.sent),
                         self.config.paths.outbox / "mail" / DRY_RUN_FOLDER)
            elif result.sent or result.failed:
                log.info("Reminders: %d message(s) sent, %d failed", len(result.sent), len(result.failed))

    def run(self, *, sleep: Callable[[float], None] = time.sleep, scheduler: Any = None) -> None:
        import schedule

        with RunLock(self.config.paths.state, name="watch.lock"):
            previous = {s: signal.signal(s, self.stop) for s in (signal.SIGTERM, signal.SIGINT)}
            try:
                scheduler = schedule.Scheduler() if scheduler is None else scheduler  # tests pass their own
                scheduler.every(self.config.watch_interval_seconds).seconds.do(self.inbox_job)
                reminder_time = self.config.calendar.reminder_time
                at = reminder_time.strftime("%H:%M")
                scheduler.every().day.at(at).do(self.reminder_job)
                log.info("Watching %s every %d s; reminders daily at %s", self.config.paths.inbox,
                         self.config.watch_interval_seconds, at)
                self.inbox_job()
                if chase_on_start(self.local_time().time(), reminder_time):
                    self.reminder_job()  # catch up on today's reminders after a restart (idempotent)
                else:
                    log.info("Today's reminders wait until %s", at)
                while not self.stopping:
                    scheduler.run_pending()
                    sleep(min(1.0, max(0.05, scheduler.idle_seconds or 1.0)))
            finally:
                for s, handler in previous.items():
                    signal.signal(s, handler)
        log.info("Stopped cleanly")
