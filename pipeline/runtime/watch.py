"""`pipeline watch`: the unattended loop.

The `schedule` library fires the inbox pass every N seconds, and every minute a look at
the UK clock sends the day's reminders once it reads calendar.reminder_time (schedule's
own daily `.at()` would follow the machine's clock, often UTC). It keeps no state of
its own, so everything that must survive a restart (files processed, messages sent)
lives in the store and every job is idempotent; reminders that could not all go are
tried again at the next minute's look.

The first SIGTERM or SIGINT lets the pass in hand finish, but abandons a mail
conversation in progress (its message is retried on the next start), then the loop
exits cleanly. A second one stops at once (KeyboardInterrupt, exit 130); the run
locks are fcntl locks, so they go with the process.

Only a signal stops the loop: a pass that fails, for whatever reason, is logged (the
traceback in the log file, one line on the console) and tried again, less often while
it goes on failing.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as time_of_day
from typing import Any

from pipeline.chasing.sending import Hangup
from pipeline.domain.clock import utc_now
from pipeline.domain.errors import LockHeld, PipelineError
from pipeline.domain.settings import Config
from pipeline.domain.wording import uk_zone
from pipeline.runtime.lock import RunLock

log = logging.getLogger(__name__)

# After failed passes in a row, the next 1, 3, 7 ... passes are skipped, up to this many: with the
# default 60 s interval a pass that keeps failing is tried at least every 16 minutes, and the log
# does not fill with the same error every minute for a weekend.
MOST_SKIPPED = 15


def reminders_due(uk_now: datetime, reminder_time: time_of_day, chased_on: date | None) -> bool:
    """Whether the day's reminders go now: once a UK day, at the first look at or after reminder_time.

    A start or restart after 09:00 catches up on the day's reminders (which are
    idempotent); one at 04:00 leaves them to 09:00, so nobody gets an e-mail at 04:00.
    """
    return uk_now.time() >= reminder_time and uk_now.date() != chased_on


class Watcher:
    def __init__(
        self, config: Config, *, pdf: bool = True, dry_run: bool = False, now: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config
        self.pdf = pdf
        self.dry_run = dry_run
        self.now = now  # the one clock (aware); the reminders go by it, read as UK time
        self.chased_on: date | None = None  # the UK day whose reminders this loop has sent
        self.chase_again = False  # some of that day's reminders did not go
        self.stopping = False
        self.hangup = Hangup()  # ends the mail conversation in progress when told to stop
        self.failures = 0  # passes failed in a row
        self.skipping = 0  # passes still to skip before the next try

    def uk_now(self) -> datetime:
        return self.now().astimezone(uk_zone())

    def today(self) -> date:
        """The UK date: just after midnight in summer, a machine on UTC still reads yesterday."""
        return self.uk_now().date()

    def stop(self, signum=None, frame=None) -> None:
        """The signal handler: the first signal finishes the work in hand, a second stops at once."""
        if self.stopping:
            log.warning("Stopping at once (signal %s again); the work in hand is taken up on the next start", signum)
            raise KeyboardInterrupt
        log.info("Stopping after the work in hand (signal %s); a second signal stops at once", signum)
        self.stopping = True
        self.hangup()

    def inbox_job(self) -> None:
        from pipeline.runtime.cycle import run_once

        if self.skipping:
            self.skipping -= 1
            return
        try:
            report = run_once(self.config, now=self.now, pdf=self.pdf, dry_run=self.dry_run, hangup=self.hangup)
        except LockHeld as exc:
            log.info("Skipping this pass: %s", exc.message)
            return
        except Exception as exc:
            self._failed(exc)
            return
        if self.failures:
            log.info("The pass succeeded again after %d failure(s)", self.failures)
        self.failures = 0
        for period, paths in report.built.items():
            log.info("Rebuilt %d output(s) for %s", len(paths), period)

    def _failed(self, exc: Exception) -> None:
        """Log a failed pass (a busy database, a broken register, a bug) and back off."""
        self.failures += 1
        self.skipping = min(2 ** (self.failures - 1) - 1, MOST_SKIPPED)
        retry = f"the next try is in {(self.skipping + 1) * self.config.watch_interval_seconds} s"
        if isinstance(exc, PipelineError):  # a busy or broken database, a broken register, a full disk
            log.error("%s (%s)", exc, retry)
        else:  # a bug: the traceback goes to the log file; the console shows this one line
            log.error(
                "The pass failed with an internal error, %s: %s (%s; the traceback is in %s)",
                type(exc).__name__,
                exc,
                retry,
                self.config.paths.logs / "pipeline.log",
                exc_info=exc,
            )

    def reminder_job(self) -> bool:
        """Send the reminders due today; True when every one went (or none was due)."""
        from pipeline.runtime.cycle import chase

        try:
            result = chase(self.config, self.today(), now=self.now, dry_run=self.dry_run, hangup=self.hangup)
        except LockHeld as exc:
            log.info("Reminders postponed: %s", exc.message)
            return False
        except PipelineError as exc:
            log.error("Reminders not sent: %s; they will be tried again", exc)
            return False
        except Exception as exc:
            log.error(
                "Reminders not sent: an internal error, %s: %s (the traceback is in %s); they will be tried again",
                type(exc).__name__,
                exc,
                self.config.paths.logs / "pipeline.log",
                exc_info=exc,
            )
            return False
        else:
            if self.dry_run:
                from pipeline.chasing.notify import DRY_RUN_FOLDER

                log.info(
                    "Dry run: %d message(s) would be sent; previews in %s",
                    len(result.sent),
                    self.config.paths.outbox / "mail" / DRY_RUN_FOLDER,
                )
            elif result.sent or result.failed:
                log.info("Reminders: %d message(s) sent, %d failed", len(result.sent), len(result.failed))
            return not result.failed

    def reminder_check(self) -> None:
        """Send the day's reminders if the UK clock has reached calendar.reminder_time and they have not gone."""
        uk_now = self.uk_now()
        if reminders_due(uk_now, self.config.calendar.reminder_time, self.chased_on):
            self.chased_on = uk_now.date()
            self.chase_again = not self.reminder_job()
        elif self.chase_again and uk_now.date() == self.chased_on and not self.stopping:
            # Some did not go (mail server down, database busy): the next look tries again, the
            # same day only, as chasing is idempotent and tomorrow's run plans afresh.
            self.chase_again = not self.reminder_job()

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
                log.info(
                    "Watching %s every %d s; reminders daily at %s UK time",
                    self.config.paths.inbox,
                    self.config.watch_interval_seconds,
                    at,
                )
                self.inbox_job()
                if self.stopping:  # told to stop during the first pass: the reminders wait for the next start
                    pass
                else:
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
