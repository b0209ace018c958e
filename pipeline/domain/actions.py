"""What a partnership's reported action status says, before any rating: whether the action is done with.

rating.rate_action rates an open action against its dates; `pipeline status` only counts the
open ones. Both read the words here, so the two cannot disagree on what "Completed" means.
"""

from __future__ import annotations

from decimal import Decimal

COMPLETE = frozenset({"complete", "completed"})
CANCELLED = frozenset({"cancelled", "canceled"})


def status_key(text: str) -> str:
    """A reported status as compared: case, spacing, hyphens and underscores do not matter."""
    return " ".join(str(text).replace("-", " ").replace("_", " ").split()).casefold()


def is_closed(reported_status: str, percent_complete: Decimal | None) -> bool:
    """Done with: reported complete or cancelled, or 100% complete."""
    return status_key(reported_status) in COMPLETE | CANCELLED or (
        percent_complete is not None and percent_complete >= 100
    )
