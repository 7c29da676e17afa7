"""livedenoise's real-time side: STFT, rings, runtimes, the denoiser, the engine and the apps."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("livedenoise")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
