"""The returns mailbox: an IMAP reader (imap), what a message brings (parse), and taking new messages
into the inbox exactly once at the start of every pass (fetch). It belongs with intake, not with the
outgoing mail of chasing: it is another way for a return to arrive, and its .zip attachments pass
the screen's zip defences."""
