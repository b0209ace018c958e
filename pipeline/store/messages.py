"""Messages as rows: each message owed (templates out, acknowledgement, feedback, reminder,
escalation) under a key that makes it sent once, and how each attempt to send it went."""

from __future__ import annotations

from pipeline.domain.history import MessageRecord
from pipeline.store.base import Database


class Messages(Database):
    def message(self, key: str) -> MessageRecord | None:
        row = self._db.execute("SELECT * FROM messages WHERE key = ?", (key,)).fetchone()
        return MessageRecord(*row) if row else None

    def messages(self, *, period: str | None = None, status: str | None = None) -> list[MessageRecord]:
        sql, args = "SELECT * FROM messages", []
        where = []
        if period is not None:
            where.append("period = ?")
            args.append(period)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [MessageRecord(*r) for r in self._db.execute(sql + " ORDER BY created_at, key", args)]

    def queue_message(
        self, *, key: str, kind: str, partnership: str, period: str, recipients: str, subject: str, created_at: str
    ) -> None:
        """Record a message about to be sent. A message tried before is queued again with its
        recipients and subject as they are now (an address may have been corrected); a sent one
        is left alone, and keeps the time it was first queued."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO messages (key, kind, partnership, period, recipients, subject, created_at, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued') ON CONFLICT (key) DO UPDATE SET "
                "recipients = excluded.recipients, subject = excluded.subject, status = 'queued' "
                "WHERE messages.status != 'sent'",
                (key, kind, partnership, period, recipients, subject, created_at),
            )

    def message_sent(self, key: str, *, sent_at: str, location: str = "") -> None:
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET status = 'sent', sent_at = ?, attempts = attempts + 1, location = ?, "
                "last_error = '' WHERE key = ?",
                (sent_at, location, key),
            )

    def message_failed(self, key: str, error: str) -> None:
        """The attempt failed for a reason that may pass (server down, a 4xx reply): retried next pass."""
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE key = ?",
                (error, key),
            )

    def message_withdrawn(self, key: str) -> None:
        """A message not sent that is no longer owed (its return was replaced before it went)."""
        with self.transaction():
            self._db.execute("UPDATE messages SET status = 'withdrawn' WHERE key = ? AND status != 'sent'", (key,))

    def message_refused(self, key: str, error: str, *, recipients: str) -> None:
        """The server refused the message for good (5xx) for `recipients`: not retried until they change."""
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET status = 'refused', attempts = attempts + 1, last_error = ?, recipients = ? "
                "WHERE key = ?",
                (error, recipients, key),
            )
