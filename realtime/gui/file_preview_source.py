"""FilePreviewSource: a file denoised inside the window's process at real-time pace, nothing played.

The "no audio device" mode: the same ``StreamingDenoiser`` the engine runs, fed from a file (looped)
at the pace of the wall clock, so the window animates as it would live, on a machine with no sound
card or in a headless session. A worker thread does the processing (ONNX Runtime and the numba
kernels release the interpreter lock), so drawing and denoising do not wait on each other. When the
machine cannot keep up, hops are skipped as a live device would drop them, and counted as overloads;
nothing queues up.

The noise print runs as in the engine (``LivePrint``, this source its host): the worker shows each
hop's input spectrum to the learner and the refiner, and the window's polling (``events``) moves the
print on.

Nothing here reaches a device, so it may allocate and take locks; the real-time path is the engine
process.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import numpy as np

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.live_print import LivePrint, open_live_runtime
from livedenoise.realtime.engine.print_learner import PrintLearner
from livedenoise.realtime.engine.print_refiner import PrintRefiner
from livedenoise.realtime.engine.taps import DB_FLOOR, spectrum_db_into
from livedenoise.realtime.file_mode import AudioFileError, read_audio
from livedenoise.realtime.gate import GateSettings, NoiseGate
from livedenoise.realtime.gui.tap_source import SourceError, SourceEvent, SourceState
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.noise_print import NoisePrint, NoisePrintError
from livedenoise.realtime.runtimes.protocol import ModelLoadError

MAX_CATCH_UP_S = 0.1  # a worker later than this skips ahead
KEPT_S = 1.0  # what an idle reader finds waiting, at most
LOAD_WINDOW_S = 1.0


class FilePreviewSource:
    """Loops ``path`` through a ``StreamingDenoiser`` at the pace of the wall clock."""

    def __init__(
        self,
        path: str | Path,
        model: str = "default",
        provider: str = "cpu",
        strength_db: float = 40.0,
        bypass: bool = False,
        gate: dict | None = None,
        noise_print: NoisePrint | None = None,
        print_made_at: float | None = None,
        print_mode: str = "freeze",
    ) -> None:
        self.path = Path(path)
        self._provider = provider
        self._model = model
        self._runtime = self._open(model)
        card = self._runtime.card
        self.sample_rate = card.sample_rate
        self.hop_samples = card.hop_samples
        self.n_freqs = card.n_fft // 2 + 1
        self.description = f"previewing {self.path.name} in this window (no audio device: nothing is played)"
        self._strength_db = float(strength_db)
        self._bypass = bool(bypass)
        self._denoiser: StreamingDenoiser | None = None
        self._gate_params = None if gate is None else dict(gate)
        self._gate: NoiseGate | None = None
        self._thread: threading.Thread | None = None
        self._running = False
        self._lock = threading.Lock()  # guards what the worker hands to readers
        self._columns: list[np.ndarray] = []
        self._peaks_db = [DB_FLOOR, DB_FLOOR]
        self._denoised: list[np.ndarray] = []
        self._busy: list[tuple[float, float]] = []  # (when, seconds spent) per processing pass
        self._n_skipped_passes = 0
        self._events: list[SourceEvent] = []
        # the print, as ``LivePrint``'s host: it hangs a learner and a refiner here, the worker shows them each hop
        self._start_print = (noise_print, print_made_at, print_mode)
        self._live_print: LivePrint | None = None
        self.print_learner: PrintLearner | None = None
        self.print_refiner: PrintRefiner | None = None
        self.n_hops = 0

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self._clip = read_audio(self.path, self.sample_rate)
        except AudioFileError as exc:
            raise SourceError(str(exc)) from exc
        self._denoiser = self._new_denoiser(self._runtime)
        self._gate = None if self._gate_params is None else self._new_gate(self._gate_params)
        noise_print, made_at, mode = self._start_print
        self._live_print = LivePrint(self, self._receive, mode)
        try:
            self._live_print.give(noise_print, made_at)
        except NoisePrintError as exc:
            raise SourceError(f"cannot use the noise print: {exc}") from exc
        self._running = True
        self._thread = threading.Thread(target=self._work, name="livedenoise-preview", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- controls ----------------------------------------------------------------------------

    def set_bypass(self, bypass: bool) -> None:
        self._bypass = bool(bypass)
        if self._denoiser is not None:
            self._denoiser.bypass = self._bypass

    def set_strength_db(self, strength_db: float) -> None:
        if not strength_db >= 0.0:
            raise SourceError(f"strength must be >= 0 dB, got {strength_db}")
        self._strength_db = float(strength_db)
        if self._denoiser is not None:
            self._denoiser.strength_db = self._strength_db

    def set_model(self, model: str) -> None:
        runtime = self._open(model)
        card = runtime.card
        if (
            card.hop_samples != self.hop_samples
            or card.n_fft // 2 + 1 != self.n_freqs
            or card.sample_rate != self.sample_rate
        ):
            raise SourceError(f"{model} has another STFT or sample rate than {self._model}: stop and start to switch")
        self._runtime, self._model = runtime, model
        if self._denoiser is not None:
            self._denoiser = self._new_denoiser(runtime)  # one reference store: the worker picks it up next hop

    def set_gate(self, **params) -> None:
        if not params.pop("enabled", True):
            self._gate, self._gate_params = None, None
            return
        wanted = {**(self._gate_params or {}), **params}
        if self._denoiser is None:
            self._new_gate(wanted)  # checked now, built at start
        elif self._gate is None:
            self._gate = self._new_gate(wanted)
        else:
            try:
                self._gate.configure(**params)
            except ValueError as exc:
                raise SourceError(f"cannot set the gate: {exc}") from exc
        self._gate_params = wanted

    def learn_noise_print(self, seconds: float) -> None:
        self._print_control(lambda live: live.learn(seconds))

    def set_noise_print(self, noise_print: NoisePrint | None, made_at: float | None = None) -> None:
        def give(live: LivePrint) -> None:
            live.give(noise_print, made_at)
            if noise_print is not None:
                self._receive(("event", "print_set", f"using {noise_print.describe()}"))

        self._print_control(give)

    def set_print_mode(self, mode: str) -> None:
        self._print_control(lambda live: live.set_mode(mode))

    @property
    def noise_print(self) -> NoisePrint | None:
        return self._start_print[0] if self._live_print is None else self._live_print.noise_print

    @property
    def noise_print_made_at(self) -> float | None:
        return self._start_print[1] if self._live_print is None else self._live_print.made_at

    # ---- as the print's host -----------------------------------------------------------------

    @property
    def denoiser(self) -> StreamingDenoiser | None:
        return self._denoiser

    @property
    def n_channels(self) -> int:
        return self._denoiser.n_channels

    def _print_control(self, action) -> None:
        if self._live_print is None:
            raise SourceError("the noise print needs the preview running: start it first")
        try:
            action(self._live_print)
        except (NoisePrintError, ValueError) as exc:
            raise SourceError(f"noise print: {exc}") from exc

    def _receive(self, message: tuple) -> None:
        """An event from ``LivePrint``: ``("event", kind, message)``."""
        with self._lock:
            self._events.append(SourceEvent(message[1], message[2]))

    def _new_gate(self, params: dict) -> NoiseGate:
        try:
            settings = GateSettings().with_changes(**params)
        except ValueError as exc:
            raise SourceError(f"cannot set the gate: {exc}") from exc
        n_channels = 1 if self._denoiser is None else self._denoiser.n_channels
        return NoiseGate(self.sample_rate, self.hop_samples, n_channels, self.n_freqs, settings)

    # ---- reading -----------------------------------------------------------------------------

    def state(self) -> SourceState:
        now = time.monotonic()
        with self._lock:
            busy_s = sum(s for t, s in self._busy if now - t <= LOAD_WINDOW_S)
            n_skipped = self._n_skipped_passes
        return SourceState(
            running=self.alive,
            bypass=self._bypass,
            strength_db=self._strength_db,
            model=self._model,
            latency=None if self._denoiser is None else Latency.of_denoiser(self._denoiser),  # no device here
            load=busy_s / LOAD_WINDOW_S,
            n_xruns=0,
            n_overloads=n_skipped,
            gate=self._gate_params,
            gate_open=None if self._gate is None else self._gate.is_open,
            noise_print=None if self._live_print is None else self._live_print.state(),
        )

    def events(self) -> list[SourceEvent]:
        if self._live_print is not None:
            self._live_print.advance()  # a print learned, or refined, is taken up here, off the worker
        with self._lock:
            events, self._events = self._events, []
        return events

    def read_spectra(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with self._lock:
            columns, self._columns = self._columns, []
        if not columns:
            empty = np.zeros((0, self.n_freqs), dtype=np.float32)
            return empty, empty, empty
        stacked = np.asarray(columns)  # (n, 3, n_freqs)
        return stacked[:, 0], stacked[:, 1], stacked[:, 2]

    def read_levels(self) -> tuple[float, float]:
        with self._lock:
            peaks, self._peaks_db = self._peaks_db, [DB_FLOOR, DB_FLOOR]
        return float(peaks[0]), float(peaks[1])

    def read_denoised(self, max_samples: int) -> np.ndarray:
        with self._lock:
            hops, self._denoised = self._denoised, []
        if not hops or max_samples <= 0:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(hops)[-max_samples:]

    # ---- worker ------------------------------------------------------------------------------

    def _work(self) -> None:
        h = self.hop_samples
        hop_s = h / self.sample_rate
        max_hops = max(1, round(MAX_CATCH_UP_S / hop_s))
        n_kept = max(1, round(KEPT_S / hop_s))
        n_clip = self._clip.shape[1]
        n_channels = self._clip.shape[0]
        hop_in = np.zeros((n_channels, h), dtype=np.float32)
        # one pass's hops, kept for the spectrogram columns computed once per pass
        input_spectra = np.zeros((max_hops, n_channels, self.n_freqs), dtype=np.complex64)
        output_spectra = np.zeros_like(input_spectra)
        masks = np.zeros((max_hops, 2, self.n_freqs), dtype=np.float32)
        outputs = np.zeros((max_hops, n_channels, h), dtype=np.float32)
        position = 0
        n_done = 0
        t0 = time.monotonic()
        try:
            while self._running:
                now = time.monotonic()
                n_due = int((now - t0) / hop_s) - n_done
                if n_due <= 0:
                    time.sleep(hop_s * (1 - n_due))
                    continue
                if n_due > max_hops:  # fell behind: skip, as a device would drop the audio
                    n_done += n_due - max_hops
                    n_due = max_hops
                    with self._lock:
                        self._n_skipped_passes += 1
                start_s = time.perf_counter()
                peak_in = 0.0
                for k in range(n_due):
                    end = position + h
                    if end <= n_clip:
                        hop_in[:] = self._clip[:, position:end]
                    else:  # the clip loops
                        first = n_clip - position
                        hop_in[:, :first] = self._clip[:, position:]
                        hop_in[:, first:] = self._clip[:, : h - first]
                    position = end % n_clip
                    denoiser = self._denoiser
                    denoiser.process_into(hop_in, outputs[k])
                    gate = self._gate
                    if gate is not None:
                        gate.process_into(outputs[k], denoiser.mask, denoiser.input_spectrum)
                    learner, refiner = self.print_learner, self.print_refiner
                    if learner is not None:
                        learner.observe(denoiser.input_spectrum)
                    if refiner is not None:
                        refiner.observe(denoiser.input_spectrum, gate is not None and gate.is_open)
                    self.n_hops += 1
                    input_spectra[k] = denoiser.input_spectrum
                    output_spectra[k] = denoiser.output_spectrum
                    masks[k] = denoiser.mask
                    peak_in = max(peak_in, float(np.abs(hop_in).max()))
                n_done += n_due
                columns = []
                for k in range(n_due):  # the columns the engine's taps publish, hop by hop
                    column = np.empty((3, self.n_freqs), np.float32)
                    spectrum_db_into(input_spectra[k], output_spectra[k], masks[k], column)
                    columns.append(column)
                denoised = list(outputs[:n_due].mean(axis=1))
                peak_out = float(np.abs(outputs[:n_due]).max())
                with self._lock:
                    self._columns = (self._columns + columns)[-n_kept:]
                    self._denoised = (self._denoised + denoised)[-n_kept:]
                    self._peaks_db = [max(self._peaks_db[0], _db(peak_in)), max(self._peaks_db[1], _db(peak_out))]
                    self._busy = [(t, s) for t, s in self._busy if now - t <= LOAD_WINDOW_S]
                    self._busy.append((now, time.perf_counter() - start_s))
        except Exception as exc:  # a failing model ends the preview with its reason, the window stays
            with self._lock:
                self._events.append(SourceEvent("processing_error", f"the preview stopped: {exc!r}"))

    def _open(self, model: str):
        try:
            return open_live_runtime(model, provider=self._provider)
        except (ModelLoadError, ValueError, OSError) as exc:
            raise SourceError(f"the model did not load: {exc}") from exc  # exc names the file

    def _new_denoiser(self, runtime) -> StreamingDenoiser:
        if self._live_print is not None:
            self._live_print.apply_to(runtime)
        return StreamingDenoiser(runtime, self._clip.shape[0], strength_db=self._strength_db, bypass=self._bypass)


def _db(peak: float) -> float:
    return 20.0 * math.log10(peak) if peak > 10.0 ** (DB_FLOOR / 20.0) else DB_FLOOR
