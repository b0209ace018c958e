"""Who has returned, reminders, and the mail that carries them."""
