"""The returns mailbox as rows: each message fetched, recorded before its attachments are written
(by mailbox, UIDVALIDITY and UID, so none is taken twice), and each attachment with the file it became."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.domain.mailbox import MailAttachment, MailOrigin, MailRecord
from pipeline.store.base import Database


class Mailbox(Database):
    def mail_known(self, mailbox: str, uidvalidity: int) -> set[int]:
        """The UIDs of this folder (at this UIDVALIDITY) the store has recorded."""
        rows = self._db.execute(
            "SELECT uid FROM mail_messages WHERE mailbox = ? AND uidvalidity = ?", (mailbox, uidvalidity)
        )
        return {r[0] for r in rows}

    def record_mail(
        self,
        *,
        mailbox: str,
        uidvalidity: int,
        uid: int,
        sender: str,
        subject: str,
        date: str,
        fetched_at: str,
        arrived_at: str = "",
        outcome: str,
        reason: str,
        attachments: Sequence[tuple[str, str, str]] = (),  # (name, location, sha256)
    ) -> int:
        """Record a message and the attachments it will write, in one commit, before any is written."""
        with self.transaction():
            # RETURNING, not the cursor's lastrowid, which PostgreSQL's driver does not give.
            (message_id,) = self._db.execute(
                "INSERT INTO mail_messages (mailbox, uidvalidity, uid, sender, subject, sent_date, fetched_at, "
                "arrived_at, outcome, reason, stage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'recorded') RETURNING id",
                (mailbox, uidvalidity, uid, sender, subject, date, fetched_at, arrived_at, outcome, reason),
            ).fetchone()
            self._db.executemany(
                "INSERT INTO mail_attachments (message_id, seq, name, location, sha256) VALUES (?, ?, ?, ?, ?)",
                [(message_id, n, *a) for n, a in enumerate(attachments)],
            )
        return message_id

    def mail_unfinished(self, mailbox: str) -> list[MailRecord]:
        """Messages of this mailbox not yet moved to the processed folder (after a kill, or a failed move)."""
        rows = self._db.execute(
            "SELECT * FROM mail_messages WHERE mailbox = ? AND stage IN ('recorded', 'written') ORDER BY id",
            (mailbox,),
        ).fetchall()
        return [self._mail(r) for r in rows]

    def mail_messages(self) -> list[MailRecord]:
        return [self._mail(r) for r in self._db.execute("SELECT * FROM mail_messages ORDER BY id").fetchall()]

    def mail_message(self, message_id: int) -> MailRecord:
        return self._mail(self._db.execute("SELECT * FROM mail_messages WHERE id = ?", (message_id,)).fetchone())

    def _mail(self, row: tuple) -> MailRecord:
        attachments = tuple(
            MailAttachment(seq, name, location, sha, bool(written))
            for seq, name, location, sha, written in self._db.execute(
                "SELECT seq, name, location, sha256, written FROM mail_attachments WHERE message_id = ? ORDER BY seq",
                (row[0],),
            )
        )
        return MailRecord(
            id=row[0],
            mailbox=row[1],
            uidvalidity=row[2],
            uid=row[3],
            sender=row[4],
            subject=row[5],
            date=row[6],
            fetched_at=row[7],
            arrived_at=row[8],
            outcome=row[9],
            reason=row[10],
            stage=row[11],
            replied=bool(row[12]),
            attachments=attachments,
        )

    def mail_written(self, message_id: int, seq: int) -> None:
        with self.transaction():
            self._db.execute(
                "UPDATE mail_attachments SET written = 1 WHERE message_id = ? AND seq = ?", (message_id, seq)
            )

    def mail_stage(self, message_id: int, stage: str) -> None:
        with self.transaction():
            self._db.execute("UPDATE mail_messages SET stage = ? WHERE id = ?", (stage, message_id))

    def mail_replied(self, message_id: int) -> None:
        with self.transaction():
            self._db.execute("UPDATE mail_messages SET replied = 1 WHERE id = ?", (message_id,))

    def mail_replies_due(self) -> list[MailRecord]:
        rows = self._db.execute(
            "SELECT * FROM mail_messages WHERE replied = 0 AND outcome IN "
            "('held', 'no-attachment', 'winmail', 'too-large', 'too-many-attachments', 'unreadable') ORDER BY id"
        ).fetchall()
        return [self._mail(r) for r in rows]

    def mail_names_pending(self) -> set[str]:
        """Locations an attachment has been promised that no file has taken yet: not to be given twice."""
        rows = self._db.execute(
            "SELECT location FROM mail_attachments WHERE file_id IS NULL AND location LIKE 'inbox/%'"
        )
        return {r[0] for r in rows}

    def link_mail_file(self, location: str, sha256: str, file_id: int) -> None:
        """The inbox file at `location` (e.g. 'inbox/return.xlsx') was taken in as file `file_id`. It was
        received when the mail server received its message, if that is earlier than the pass that took it in
        (the pipeline was down, or the mailbox unreachable): lateness is judged on arrival."""
        with self.transaction():
            cursor = self._db.execute(
                "UPDATE mail_attachments SET file_id = ?, written = 1 WHERE location = ? AND sha256 = ? "
                "AND file_id IS NULL",
                (file_id, location, sha256),
            )
            if cursor.rowcount:
                # ISO texts of one form ('2025-07-10T09:30:00Z') sort as the times they are.
                self._db.execute(
                    "UPDATE files SET received_at = (SELECT m.arrived_at FROM mail_attachments a JOIN mail_messages m "
                    "ON m.id = a.message_id WHERE a.file_id = files.id) WHERE id = ? AND EXISTS (SELECT 1 FROM "
                    "mail_attachments a JOIN mail_messages m ON m.id = a.message_id WHERE a.file_id = files.id "
                    "AND m.arrived_at != '' AND m.arrived_at < files.received_at)",
                    (file_id,),
                )

    def mail_origins(self) -> dict[int, MailOrigin]:
        """file id -> the message it came in, for every file that came by e-mail."""
        rows = self._db.execute(
            "SELECT a.file_id, m.sender, m.subject, m.sent_date FROM mail_attachments a "
            "JOIN mail_messages m ON m.id = a.message_id WHERE a.file_id IS NOT NULL"
        )
        return {r[0]: MailOrigin(r[1], r[2], r[3]) for r in rows}

    def mail_origin(self, file_id: int) -> MailOrigin | None:
        row = self._db.execute(
            "SELECT m.sender, m.subject, m.sent_date FROM mail_attachments a "
            "JOIN mail_messages m ON m.id = a.message_id WHERE a.file_id = ?",
            (file_id,),
        ).fetchone()
        return MailOrigin(*row) if row else None
