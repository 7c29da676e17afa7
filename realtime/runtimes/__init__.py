"""Model runtimes: the protocol the denoiser steps, ONNX Runtime, identity, the DSP baseline, and ``--model``."""
