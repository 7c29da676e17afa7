"""One line saying which noise print the live engine uses and how old it is, for status lines and the app.

It reads the ``print`` entry of the engine's state (``LivePrint.state``). Without a print, and while
nothing is being learned, the line is empty: a user who never gives a print sees what they saw before.
"""

from __future__ import annotations


def age_text(seconds: float) -> str:
    """``12 s``, ``4 min``, ``2 h``, ``3 days``: how long ago, as a person says it."""
    seconds = max(0.0, seconds)
    if seconds < 60.0:
        return f"{seconds:.0f} s"
    if seconds < 3600.0:
        return f"{seconds / 60.0:.0f} min"
    if seconds < 86400.0:
        return f"{seconds / 3600.0:.0f} h"
    days = round(seconds / 86400.0)
    return f"{days} day{'' if days == 1 else 's'}"


def print_status(info: dict | None) -> str:
    """``print the room -61.2 dBFS, 3.0 s, made 12 s ago, frozen``; ``learning the room, 2.1 s left``; or ``""``."""
    if not info:
        return ""
    if info.get("learning_left_s") is not None:
        return f"learning the room, {info['learning_left_s']:.1f} s left"
    if info.get("source") is None:
        return "no print, auto waits for one" if info.get("mode") == "auto" else ""
    line = (
        f"print {info['source'] or 'unnamed'} {info['level_dbfs']:.1f} dBFS, {info['duration_s']:.1f} s, "
        f"made {age_text(info['age_s'])} ago"
    )
    if info.get("mode") == "auto":
        refined = info.get("refined_age_s")
        line += ", auto" + ("" if refined is None else f" (refined {age_text(refined)} ago)")
    else:
        line += ", frozen"
    if not info.get("used", True):
        line += " (unused by this model)"
    return line
