"""Run by a test in a fresh interpreter: which compiled kernels did an audio callback add?

In the test process, other tests may already have compiled (or loaded from numba's cache) whatever
a callback needs, and the check could not fail there. Here nothing ran before: the callback is built
as the engine builds it (taps read, the gate on), then fed the transposed ``(frames, channels)``
buffers that devices hand over, with bypass on and off and a model switch, while a noise print is
learned and refined. Prints JSON: each kernel
whose compiled signatures grew during the callbacks, with the counts before and after.

Usage: ``python callback_compiles.py MODEL``
"""

from __future__ import annotations

import json
import sys

import numba
import numpy as np

from livedenoise.realtime import denoiser, gate, noise_print, real_fft, stft
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine import print_learner, print_refiner, ring
from livedenoise.realtime.engine import taps as taps_module
from livedenoise.realtime.engine.callback import FADE_HOPS, EngineCallback
from livedenoise.realtime.engine.taps import Taps
from livedenoise.realtime.runtimes.model_choice import open_runtime

KERNEL_MODULES = (denoiser, gate, noise_print, print_learner, print_refiner, real_fft, ring, stft, taps_module)


def n_compiled() -> dict[str, int]:
    return {
        f"{module.__name__}.{name}": len(kernel.signatures)
        for module in KERNEL_MODULES
        for name, kernel in vars(module).items()
        if isinstance(kernel, numba.core.registry.CPUDispatcher)
    }


def main(model: str) -> dict:
    taps = Taps.create(n_freqs=513, hop_samples=128)
    try:
        now_ns = [0]
        # the model a hop ahead, on its own thread, as the engine runs it by default
        callback = EngineCallback(
            StreamingDenoiser(open_runtime(model), 2, mask_ahead=True), 128, taps=taps, clock_ns=lambda: now_ns[0]
        )
        callback.hook = gate.make_hop_hook(48000, 128, 2, 513, threshold_db=-30.0)
        # learning the room and refining a print, as the engine hangs them on the callback
        callback.print_learner = print_learner.PrintLearner(48000, 1024, 128, 2)
        callback.print_learner.learn(1.0)
        callback.print_refiner = print_refiner.PrintRefiner(48000, 1024, 128, 2)
        rng = np.random.default_rng(1)
        callback.print_refiner.seed(
            noise_print.print_from_audio(0.01 * rng.standard_normal((2, 48000)).astype(np.float32))
        )
        incoming = StreamingDenoiser(open_runtime("identity"), 2)  # built by the owner, as a switch is
        for tap_ring in (taps.spectra, taps.levels, taps.denoised):
            tap_ring.touch()
        now_ns[0] = taps.spectra._header[1]
        before = n_compiled()
        device_in = np.random.default_rng(0).standard_normal((128, 2)).astype(np.float32)
        device_out = np.zeros((128, 2), dtype=np.float32)
        for bypass in (False, True):
            callback.set_bypass(bypass)
            for _ in range(4):
                callback.process_block(device_in.T, device_out.T)
        callback.offer_denoiser(incoming)  # the switch takes the rings
        for _ in range(FADE_HOPS + 2):
            callback.process_block(device_in.T, device_out.T)
        after = n_compiled()
        callback.close()
        return {
            "compiled_in_callbacks": {k: [before.get(k, 0), n] for k, n in after.items() if n != before.get(k, 0)},
            "n_model_switches": callback.n_model_switches,
            "n_levels": taps.levels.n_written,
            "n_denoised": taps.denoised.n_written,
            "finite": bool(np.isfinite(device_out).all()),
            "peak": float(np.abs(device_out).max()),
        }
    finally:
        taps.close()


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
