"""Latency: the one account of how late the output is, printed and written the same way everywhere.

The denoiser's own delay has two parts. Framing: a hop must have arrived before it can be
analysed (one hop). Overlap-add: the dual-window STFT completes a hop's first half only with the
next frame (``StftConfig.latency_samples``, one hop). Their sum is the algorithmic latency, the
figure every command quotes: 5.33 ms at hop 128 and 48 kHz.

Through an audio device the framing happens inside the device's input buffer and the engine's
queued output (a block of at least a hop is collected before the callback runs), so the expected
end-to-end latency is the device's input and output latency (as PortAudio reports them), plus the
engine's queue, plus the overlap-add, plus, for a device at another rate than the model's, what the
resampling in the engine adds (both filters' delays and the silence that meets its varying counts).
Every figure is in samples at the model's rate. A measured round trip, where a bench has one, is kept beside
that expectation rather than replacing it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Latency:
    """Latency of one configuration, in samples at ``sample_rate``; ``None``: not known here."""

    sample_rate: int
    framing_samples: int
    overlap_add_samples: int
    queue_samples: int = 0
    device_samples: int | None = None  # input + output, as PortAudio reports them
    resampling_samples: int = 0  # a device at another rate: the engine's resampling, both ways
    round_trip_samples: int | None = None  # measured by a probe looped through it (the probe's buffers count)

    @classmethod
    def of_denoiser(cls, denoiser, **device) -> Latency:
        """From a ``StreamingDenoiser`` (its hop and STFT delay), plus any device figures."""
        return cls(denoiser.sample_rate, denoiser.hop_samples, denoiser.latency_samples, **device)

    @classmethod
    def of_engine(cls, engine, round_trip_samples: int | None = None) -> Latency:
        """From a running ``AudioEngine``: its callback's denoiser and queue, and the device buffers
        PortAudio reports (none while stopped)."""
        callback = engine.callback
        return cls.of_denoiser(
            callback.denoiser,
            queue_samples=callback.prefill_samples,
            device_samples=engine.device_latency_samples if engine.running else None,
            resampling_samples=engine.resampling_samples,
            round_trip_samples=round_trip_samples,
        )

    def _ms(self, n_samples: int) -> float:
        return 1e3 * n_samples / self.sample_rate

    @property
    def algorithmic_samples(self) -> int:
        return self.framing_samples + self.overlap_add_samples

    @property
    def algorithmic_ms(self) -> float:
        return self._ms(self.algorithmic_samples)

    @property
    def through_device_samples(self) -> int | None:
        """Expected end to end: the device's buffers (which hold the framing), the queue, the overlap-add
        and any resampling."""
        if self.device_samples is None:
            return None
        return self.device_samples + self.queue_samples + self.overlap_add_samples + self.resampling_samples

    def describe(self) -> str:
        """One line, the same in every command: algorithmic, then what is known about the device."""
        text = (
            f"latency {self.algorithmic_ms:.2f} ms algorithmic ({self._ms(self.framing_samples):.2f} ms framing "
            f"+ {self._ms(self.overlap_add_samples):.2f} ms overlap-add)"
        )
        through = self.through_device_samples
        if through is not None:
            resampling = f" + {self._ms(self.resampling_samples):.2f} ms resampling" if self.resampling_samples else ""
            text += (
                f", {self._ms(through):.2f} ms through the device ({self._ms(self.device_samples):.2f} ms device "
                f"buffers + {self._ms(self.queue_samples):.2f} ms queue + {self._ms(self.overlap_add_samples):.2f} "
                f"ms overlap-add{resampling})"
            )
        if self.round_trip_samples is not None:
            text += f", {self._ms(self.round_trip_samples):.2f} ms measured round trip (probe included)"
        return text

    def brief(self) -> str:
        """The line's figures alone, for a narrow place (the app's status bar; ``describe`` is its tooltip)."""
        text = f"latency {self.algorithmic_ms:.2f} ms"
        if self.through_device_samples is not None:
            text += f", {self._ms(self.through_device_samples):.2f} ms through the device"
        if self.round_trip_samples is not None:
            text += f", {self._ms(self.round_trip_samples):.2f} ms measured"
        return text

    @classmethod
    def from_dict(cls, data: dict) -> Latency:
        """Back from ``to_dict`` (for a process that receives another's latency, such as the app)."""
        return cls(**{name: data[name] for name in FIELD_NAMES if name in data})  # older reports lack newer fields

    def to_dict(self) -> dict:
        """The JSON form every report writes under ``"latency"``: milliseconds to read, samples to rebuild it."""
        through = self.through_device_samples
        optional = {
            "device_ms": self.device_samples,
            "through_device_ms": through,
            "round_trip_ms": self.round_trip_samples,
        }
        return {
            "sample_rate": self.sample_rate,
            "algorithmic_ms": self.algorithmic_ms,
            "framing_ms": self._ms(self.framing_samples),
            "overlap_add_ms": self._ms(self.overlap_add_samples),
            "queue_ms": self._ms(self.queue_samples),
            "resampling_ms": self._ms(self.resampling_samples),
            **{key: None if n is None else self._ms(n) for key, n in optional.items()},
            "algorithmic_samples": self.algorithmic_samples,
            **{name: getattr(self, name) for name in FIELD_NAMES},
        }


FIELD_NAMES = tuple(f.name for f in fields(Latency))
