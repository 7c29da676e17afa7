"""The one base class of every error livedenoise raises on purpose.

Each package's errors (a bad audio file, a model that does not load, a device that is gone, a
reserved data package, ...) derive from ``LivedenoiseError`` and from the built-in class they have
always been (``ValueError``, ``RuntimeError``), so callers that catch either keep working. The
``livedenoise`` command turns any of them that reaches it into one line and exit status 1.
It lives at the bottom of the import graph, so every package can import it.
"""


class LivedenoiseError(Exception):
    """A failure with a message written for the person who ran the command: no traceback needed."""
