"""OverloadGuard: when a model hop misses its deadline, take the dry path for a while, then try again.

A model hop that takes longer than its deadline is an overload; the following hops run dry (the
denoiser's ``run_model=False`` path: the input through the same STFT, so nothing jumps and the
latency does not move) for a back-off that doubles while overloads repeat, from ``first_backoff_hops``
up to ``max_backoff_hops``. A model hop that meets its deadline resets the back-off.

Real-time contract: integer bookkeeping only; the caller measures the time with its own clock.
"""

from __future__ import annotations


class OverloadGuard:
    def __init__(self, deadline_ns: int, first_backoff_hops: int, max_backoff_hops: int) -> None:
        if deadline_ns <= 0 or first_backoff_hops <= 0 or max_backoff_hops < first_backoff_hops:
            raise ValueError("deadline and back-offs must be positive, the maximum at least the first")
        self.deadline_ns = deadline_ns
        self.first_backoff_hops = first_backoff_hops
        self.max_backoff_hops = max_backoff_hops
        self.reset()

    def reset(self) -> None:
        self.n_overloads = 0
        self.n_dry_hops = 0
        self.n_dry_hops_left = 0
        self._backoff_hops = self.first_backoff_hops

    @property
    def model_allowed(self) -> bool:
        """Whether the next hop may run the model."""
        return self.n_dry_hops_left == 0

    def record(self, ran_model: bool, elapsed_ns: int) -> None:
        """Account one hop: whether it ran the model, and how long it took."""
        if not ran_model:
            self.n_dry_hops += 1
            if self.n_dry_hops_left > 0:
                self.n_dry_hops_left -= 1
        elif elapsed_ns > self.deadline_ns:
            self.n_overloads += 1
            self.n_dry_hops_left = self._backoff_hops
            self._backoff_hops = min(2 * self._backoff_hops, self.max_backoff_hops)
        else:
            self._backoff_hops = self.first_backoff_hops
