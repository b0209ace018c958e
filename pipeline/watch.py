"""`pipeline watch`: the unattended loop.

The `schedule` library fires the inbox pass every N seconds, and every minute a look at
the UK clock sends the day's reminders once it reads calendar.reminder_time (schedule's
own daily `.at()` would follow the machine's clock, often UTC). It keeps no state of
its own, so everything that must survive a restart (files processed, messages sent)
lives in the store and every job is idempotent. SIGTERM and SIGINT only set a flag:
the pass in hand finishes, then the loop exits cleanly.
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
from pipeline.wording import uk_zone

log = logging.getLogger(__name__)


def reminders_due(uk_now: datetime, reminder_time: time_of_day, chased_on: date | None) -> bool:
    """Whether the day's reminders go now: once a UK day, at the first look at or after reminder_time.

    A start or restart after 09:00 catches up on the day's reminders (which are
    idempotent); one at 04:00 leaves them to 09:00, so nobody gets an e-mail at 04:00.
    """
    return uk_now.time() >= reminder_time and uk_now.date() != chased_on


class Watcher:
    def __init__(self, config: Config, *, pdf: bool = True, dry_run: bool = False,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self.pdf = pdf
        self.dry_run = dry_run
        self.now = now  # the one clock (aware); the reminders go by it, read as UK time
        self.chased_on: date | None = None  # the UK day whose reminders this loop has sent
        self.stopping = False

    def uk_now(self) -> datetime:
        return self.now().astimezone(uk_zone())

    def today(self) -> date:
        """The UK date: just after midnight in summer, a machine on UTC still reads yesterday."""
        return self.uk_now().date()

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

    def reminder_check(self) -> None:
        """Send the day's reminders if the UK clock has reached calendar.reminder_time and they have not gone."""
        uk_now = self.uk_now()
        if reminders_due(uk_now, self.config.calendar.reminder_time, self.chased_on):
            self.chased_on = uk_now.date()
            self.reminder_job()

    def run(self, *, sleep: Callable[[float], None] = time.sleep, scheduler: Any = None) -> None:
        import schedule

        with RunLock(self.config.paths.state, name="watch.lock"):
            previous = {s: signal.signal(s, self.stop) for s in (signal.SIGTERM, signal.SIGINT)}
            try:
                scheduler = schedule.Scheduler() if scheduler is None else scheduler  # tests pass their own
                scheduler.every(self.config.watch_interval_seconds).seconds.do(self.inbox_job)
                reminder_time = self.config.calendar.reminder_time
                at = reminder_time.strftime("%H:%M")
                scheduler.every(1).minutes.do(self.reminder_check)
                log.info("Watching %s every %d s; reminders daily at %s UK time", self.config.paths.inbox,
                         self.config.watch_interval_seconds, at)
                self.inbox_job()
                self.reminder_check()  # after the reminder time, a restart catches up on today's (idempotent)
                if self.chased_on is None:
                    log.info("Today's reminders wait until %s UK time", at)
                while not self.stopping:
                    scheduler.run_pending()
                    sleep(min(1.0, max(0.05, scheduler.idle_seconds or 1.0)))
            finally:
                for s, handler in previous.items():
                    signal.signal(s, handler)
        log.info("Stopped cleanly")
