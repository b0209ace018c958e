"""The reporting calendar the calendar and reminder tests share: a 15-working-day deadline,
reminders 10 and 3 days before, chasers every 3 days overdue, escalation after 5."""

from datetime import date, time

from pipeline.domain.calendar import CalendarSettings
from pipeline.domain.periods import Period

HOLIDAYS = tuple(
    date.fromisoformat(d)
    for d in (
        "2025-12-25",
        "2025-12-26",
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
    )
)
SETTINGS = CalendarSettings(
    templates_out_working_days=5,
    deadline_working_days=15,
    reminder_working_days=(10, 3),
    remind_on_deadline=True,
    overdue_every_working_days=3,
    escalate_after_working_days=5,
    days_off=HOLIDAYS,
    reminder_time=time(9, 0),
)
Q3 = Period(2025, 3)  # October to December 2025
