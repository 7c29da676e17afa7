"""What `run` and `tune` do around their live loop, whatever ends it: the footswitch port closes
and the engine stops; a take being recorded is kept, closed at once if the loop fails, or closed
and described once the command has written its last status line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from livedenoise.realtime.cli.live_footswitch import LiveFootswitch
from livedenoise.realtime.engine.process import EngineProcess
from livedenoise.realtime.tap_recorder import TapRecorder


@contextmanager
def live_loop(engine: EngineProcess, midi: LiveFootswitch | None, recorder: TapRecorder | None) -> Iterator[None]:
    try:
        yield
    except BaseException:
        if recorder is not None:
            recorder.close()  # what was recorded is kept
        raise
    finally:
        if midi is not None:
            midi.close()
        engine.stop()


def finish_take(recorder: TapRecorder | None) -> None:
    """Close the take and say where it went and how long it is."""
    if recorder is not None:
        recorder.close()
        print(recorder.describe())
