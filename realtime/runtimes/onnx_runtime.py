"""ONNX Runtime back-end: one session, explicit state tensors, IOBinding over preallocated buffers.

Each stream state owns two sets of state tensors and two bindings: even hops read set A and
write set B, odd hops the reverse, so the step feeds its caches back without copying and without
allocating. The state tensors and the input frame live on the session's device: with CUDA the
caches never leave the GPU; only the frame goes up and the mask comes back each hop. The session
runs on one thread (the audio thread's budget is one core's share) and is warmed up before it is
handed out.

A model that takes a noise print (its graph reads ``noise_print`` and ``print_present``) accepts one
(``set_noise_print``, see the runtime protocol): the print lives in two runtime-wide slots of device
tensors, each bound into every stream's bindings; a new print is written into the slot no step
reads, then the slot index flips, so a step reads one whole print and nothing is allocated or
rebound. Without a print such a model runs blind (``print_present`` 0).

Providers: ``cpu``; ``cuda``, an error that says so when CUDA cannot run here; ``auto``, CUDA when
it loads and otherwise the CPU, with ``fallback_reason`` saying why. ONNX Runtime's own log of a
failed CUDA load is silenced: the error or the reason says it in one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import onnxruntime as ort

from livedenoise.models.card import CARD_METADATA_KEY, PRINT_INPUT_NAMES, ModelCard, ModelCardError, print_input_shapes
from livedenoise.realtime.runtimes.protocol import ModelLoadError

if TYPE_CHECKING:
    from livedenoise.realtime.noise_print import NoisePrint

N_WARMUP_STEPS = 32
PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}
ORT_DEVICES = {"cpu": "cpu", "cuda": "cuda"}  # provider -> OrtValue device name
ORT_LOG_FATAL_ONLY = 4


class OnnxState:
    """The two bindings of one stream: state tensors and frame on ``device``, the mask on the host."""

    def __init__(
        self,
        session: ort.InferenceSession,
        card: ModelCard,
        device: str = "cpu",
        print_slots: list[dict[str, ort.OrtValue]] | None = None,
    ) -> None:
        self.spec = np.zeros((1, 2, card.n_freqs), dtype=np.float32)
        self.mask = np.zeros((1, 2, card.n_freqs), dtype=np.float32)
        # the (2, n_freqs) views a step reads and returns, made once: indexing in the step would
        # allocate a view every hop
        self.spec_frame = self.spec[0]
        self.mask_frame = self.mask[0]
        self._spec_on_device = ort.OrtValue.ortvalue_from_shape_and_type(self.spec.shape, np.float32, device, 0)
        self.tensors = [
            {s.name: ort.OrtValue.ortvalue_from_shape_and_type(s.shape, np.float32, device, 0) for s in card.states}
            for _ in range(2)
        ]
        self._zeros = {s.name: np.zeros(s.shape, dtype=np.float32) for s in card.states}
        # bindings[print slot][parity]; one print slot (unused) for a model without print inputs
        self.bindings = [
            [self._bind(session, card, src, 1 - src, slot) for src in range(2)] for slot in (print_slots or [{}])
        ]
        self.reset()

    def _bind(
        self, session: ort.InferenceSession, card: ModelCard, src: int, dst: int, print_values: dict[str, ort.OrtValue]
    ) -> ort.IOBinding:
        binding = session.io_binding()
        binding.bind_ortvalue_input("spec", self._spec_on_device)
        for name, value in print_values.items():
            binding.bind_ortvalue_input(name, value)
        binding.bind_ortvalue_output("mask", ort.OrtValue.ortvalue_from_numpy(self.mask))
        for s in card.states:
            binding.bind_ortvalue_input(s.input_name, self.tensors[src][s.name])
            binding.bind_ortvalue_output(s.output_name, self.tensors[dst][s.name])
        return binding

    def upload_spec(self) -> None:
        """Copy the host frame ``spec`` to the device (a plain copy on the CPU)."""
        self._spec_on_device.update_inplace(self.spec)

    def state(self, name: str) -> np.ndarray:
        """A host copy of the state tensor ``name`` that the next step reads (for tests and inspection)."""
        return self.tensors[self.parity][name].numpy()

    def reset(self) -> None:
        for tensors in self.tensors:
            for name, tensor in tensors.items():
                tensor.update_inplace(self._zeros[name])
        self.parity = 0


class OnnxRuntime:
    """Runs a step graph described by its model card (see ``ModelCard`` for the graph contract)."""

    # A step costs hundreds of microseconds and releases the GIL while the graph runs: the live
    # engine runs it on a thread of its own (``StreamingDenoiser.start_worker``).
    heavy_step = True
    accepts_noise_print = False

    def __init__(self, path: str | Path, provider: str = "cpu") -> None:
        self.path = Path(path)
        if provider not in (*PROVIDERS, "auto"):
            raise ModelLoadError(f"unknown provider {provider!r}; choose one of cpu, cuda, auto")
        if not self.path.is_file():
            raise ModelLoadError(f"model file not found: {self.path}")
        self.fallback_reason: str | None = None  # why ``auto`` runs on the CPU
        if provider == "cpu":
            self.session = self._open_session("cpu")
        else:
            self.session = self._open_session("cuda")
            if PROVIDERS["cuda"] not in self.session.get_providers():
                reason = self._cuda_missing_reason()
                if provider == "cuda":
                    raise ModelLoadError(f"--provider cuda: {reason}; use --provider cpu or auto")
                self.fallback_reason = reason
                self.session = self._open_session("cpu")
        self.provider = "cuda" if PROVIDERS["cuda"] in self.session.get_providers() else "cpu"
        self.card = self._read_card()
        self.noise_print: NoisePrint | None = None
        self._print_slots: list[dict[str, ort.OrtValue]] | None = None
        self._print_slot = 0
        self._check_graph()
        if self.accepts_noise_print:
            device = ORT_DEVICES[self.provider]
            shapes = print_input_shapes(self.card.n_freqs)
            self._print_slots = [
                {
                    name: ort.OrtValue.ortvalue_from_shape_and_type(shape, np.float32, device, 0)
                    for name, shape in shapes.items()
                }
                for _ in range(2)
            ]
            for slot in self._print_slots:
                for value in slot.values():
                    value.update_inplace(np.zeros(value.shape(), dtype=np.float32))
        self._warm_up()

    @staticmethod
    def _cuda_missing_reason() -> str:
        if PROVIDERS["cuda"] not in ort.get_available_providers():
            return "this ONNX Runtime has no CUDA support (install onnxruntime-gpu)"
        return "CUDA did not load (no usable GPU, driver, CUDA or cuDNN libraries)"

    def _open_session(self, provider: str) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # A CUDA provider that fails to load logs kilobytes of coloured text through the default logger.
        ort.set_default_logger_severity(ORT_LOG_FATAL_ONLY)
        providers = [PROVIDERS[provider]] if provider == "cpu" else [PROVIDERS[provider], PROVIDERS["cpu"]]
        try:
            return ort.InferenceSession(str(self.path), options, providers=providers)
        except Exception as exc:  # ORT raises its own exception types for corrupt files
            # the clear clause first: a one-line summary stops before ONNX Runtime's own text
            raise ModelLoadError(f"cannot load {self.path}: not a readable ONNX model; re-export it ({exc})") from exc

    def _read_card(self) -> ModelCard:
        metadata = self.session.get_modelmeta().custom_metadata_map
        if CARD_METADATA_KEY not in metadata:
            raise ModelLoadError(f"{self.path} has no model card in its metadata (key {CARD_METADATA_KEY!r})")
        try:
            card = ModelCard.from_json(metadata[CARD_METADATA_KEY])
        except ModelCardError as exc:
            raise ModelLoadError(f"{self.path}: {exc}") from exc
        beside = self.path.with_suffix(".json")
        if beside.is_file():
            try:
                same = json.loads(beside.read_text(encoding="utf-8")) == card.to_dict()
            except json.JSONDecodeError:
                same = False
            if not same:
                raise ModelLoadError(f"{beside} does not match the card inside {self.path}; re-export the model")
        return card

    def _check_graph(self) -> None:
        inputs = {i.name: i.shape for i in self.session.get_inputs()}
        outputs = {o.name: o.shape for o in self.session.get_outputs()}
        self.accepts_noise_print = PRINT_INPUT_NAMES[0] in inputs
        prints = print_input_shapes(self.card.n_freqs) if self.accepts_noise_print else {}
        expected_in = {"spec": [1, 2, self.card.n_freqs]} | {name: list(shape) for name, shape in prints.items()}
        expected_in |= {s.input_name: list(s.shape) for s in self.card.states}
        expected_out = {"mask": [1, 2, self.card.n_freqs]} | {s.output_name: list(s.shape) for s in self.card.states}
        for kind, found, expected in (("inputs", inputs, expected_in), ("outputs", outputs, expected_out)):
            if set(found) != set(expected) or any(list(found[k]) != v for k, v in expected.items()):
                raise ModelLoadError(f"{self.path}: graph {kind} {found} do not match its card {expected}")

    def _warm_up(self) -> None:
        state = self.initial_state()
        spec = np.random.default_rng(0).standard_normal((2, self.card.n_freqs)).astype(np.float32)
        for _ in range(N_WARMUP_STEPS):
            self.step(spec, state)

    def initial_state(self) -> OnnxState:
        return OnnxState(self.session, self.card, ORT_DEVICES[self.provider], self._print_slots)

    def set_noise_print(self, noise_print: NoisePrint | None) -> None:
        """Condition the model on ``noise_print`` from the next step on (None: run blind)."""
        if not self.accepts_noise_print:
            raise ModelLoadError(f"{self.path} takes no noise print")
        if noise_print is not None:
            noise_print.check_geometry(self.card.sample_rate, self.card.n_fft, self.card.hop_samples)
            values = np.stack([noise_print.mean_db, noise_print.spread_db, noise_print.power_db])[None]
            present = np.ones(1, dtype=np.float32)
        else:
            values = np.zeros((1, 3, self.card.n_freqs), dtype=np.float32)
            present = np.zeros(1, dtype=np.float32)
        spare = 1 - self._print_slot
        self._print_slots[spare]["noise_print"].update_inplace(np.ascontiguousarray(values, dtype=np.float32))
        self._print_slots[spare]["print_present"].update_inplace(present)
        self.noise_print = noise_print
        self._print_slot = spare

    def step(self, spec: np.ndarray, state: OnnxState) -> np.ndarray:
        state.spec_frame[...] = spec
        state.upload_spec()
        self.session.run_with_iobinding(state.bindings[self._print_slot][state.parity])
        state.parity ^= 1
        return state.mask_frame
