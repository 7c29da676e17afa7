"""`livedenoise print`: from-file, show (with its plot) and learn (on a JACK dummy server, fed a known noise)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.cli.main import main
from livedenoise.realtime.noise_print import NoisePrint, print_from_file

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
SAMPLE_RATE = 48000
FEED_CLIENT = "ld-room"


def room(seconds: float, rms: float = 0.01, seed: int = 0) -> np.ndarray:
    return (rms * np.random.default_rng(seed).standard_normal(round(seconds * SAMPLE_RATE))).astype(np.float32)


def one_error_line(capsys, code: int, exit_info) -> str:
    assert exit_info.value.code == code
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_from_file_saves_the_print_of_the_recording(tmp_path, capsys):
    sf.write(tmp_path / "room.wav", room(3.0), SAMPLE_RATE)
    assert main(["print", "from-file", str(tmp_path / "room.wav"), str(tmp_path / "room.json")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'room.json'}: noise print -40.0 dBFS, 3.0 s from room.wav\n"
    saved = NoisePrint.load(tmp_path / "room.json")
    np.testing.assert_allclose(saved.power_db, print_from_file(tmp_path / "room.wav").power_db, atol=1e-3)


def test_from_file_takes_a_stretch_and_warns_when_it_is_short(tmp_path, capsys):
    sf.write(tmp_path / "room.wav", room(3.0), SAMPLE_RATE)
    assert main(["print", "from-file", str(tmp_path / "room.wav"), str(tmp_path / "p.json"), "--from", "1:2.5"]) == 0
    captured = capsys.readouterr()
    assert "1.5 s from room.wav 1-2.5 s" in captured.out and "warning: the noise print is 1.5 s long" in captured.err
    region = print_from_file(tmp_path / "room.wav", 1.0, 2.5)
    np.testing.assert_allclose(NoisePrint.load(tmp_path / "p.json").mean_db, region.mean_db, atol=1e-3)


@pytest.mark.parametrize(
    ("noise", "out", "words"),
    [
        ("short.wav", "p.json", ["too short"]),
        ("silent.wav", "p.json", ["digital silence"]),
        ("missing.wav", "p.json", ["not found"]),
        ("room.wav", "no-such-folder/p.json", ["does not exist"]),
        ("room.wav", ".", ["is a folder"]),
    ],
)
def test_from_file_refuses_in_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, noise, out, words):
    monkeypatch.chdir(tmp_path)
    sf.write("short.wav", room(0.2), SAMPLE_RATE)
    sf.write("silent.wav", np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE)
    sf.write("room.wav", room(1.0), SAMPLE_RATE)
    with pytest.raises(SystemExit) as exit_info:
        main(["print", "from-file", noise, out])
    usage = "/" in out or out == "."  # an output that cannot be written is refused as the command line is read
    line = one_error_line(capsys, 2 if usage else 1, exit_info)
    assert line.startswith("livedenoise print from-file: error: ") and all(w in line for w in words), line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["room.wav", "short.wav", "silent.wav"]


def test_show_says_level_duration_geometry_and_source_and_draws_it(tmp_path, capsys):
    sf.write(tmp_path / "room.wav", room(3.0), SAMPLE_RATE)
    main(["print", "from-file", str(tmp_path / "room.wav"), str(tmp_path / "room.json")])
    capsys.readouterr()
    assert main(["print", "show", str(tmp_path / "room.json"), "--plot", str(tmp_path / "room.png")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{tmp_path / 'room.json'}: noise print -40.0 dBFS, 3.0 s from room.wav"
    assert lines[1] == "  made at 48000 Hz, n_fft 1024, hop 128 (513 bins, 46.9 Hz apart)"
    assert "spread 5.5 dB" in lines[2] or "spread 5.6 dB" in lines[2]
    assert lines[-1] == f"  drawn to {tmp_path / 'room.png'}"
    png = (tmp_path / "room.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_show_reads_a_recording_too_and_refuses_what_is_not_a_print(tmp_path, capsys):
    sf.write(tmp_path / "room.flac", room(1.0), 44100)
    assert main(["print", "show", str(tmp_path / "room.flac")]) == 0
    assert "(short: under 2 s)" in capsys.readouterr().out
    (tmp_path / "other.json").write_text('{"format": "other"}')
    with pytest.raises(SystemExit) as exit_info:
        main(["print", "show", str(tmp_path / "other.json")])
    assert "not a livedenoise noise print" in one_error_line(capsys, 1, exit_info)


def test_learn_refuses_the_silence_of_a_dummy_server_and_writes_nothing(jack_server, tmp_path):
    result = subprocess.run(
        [LIVEDENOISE, "print", "learn", "--input", "system", "--seconds", "1", tmp_path / "room.json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == "learning the room, keep quiet for 1 s\n"
    assert result.stderr.strip().splitlines() == [
        "livedenoise print learn: error: the noise is digital silence (every sample is zero): nothing to learn from it"
    ]
    assert list(tmp_path.iterdir()) == [jack_server.log_path]


def test_learn_refuses_an_unknown_device(jack_server, tmp_path):
    result = subprocess.run(
        [LIVEDENOISE, "print", "learn", "--input", "no-such-device", tmp_path / "room.json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1 and "no-such-device" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "room.json").exists()


def test_learn_learns_a_noise_played_into_its_input(jack_server, tmp_path):
    """A client here plays white noise at -40 dBFS in a loop; once the learner's input port appears it is
    wired to the noise alone. What the learner heard before the wiring is digital silence, left out."""
    import sounddevice as sd

    from livedenoise.bench.e2e import jack_ports, jack_rewire
    from livedenoise.realtime.engine.devices import find_device, use_jack_client_name

    loop = room(1.0, rms=0.01, seed=7)
    position = [0]

    def play(outdata, frames, time_info, status):
        index = (position[0] + np.arange(frames)) % loop.size
        outdata[:, 0] = loop[index]
        position[0] += frames

    use_jack_client_name(FEED_CLIENT)
    feed = sd.OutputStream(
        samplerate=SAMPLE_RATE, blocksize=128, channels=1, dtype="float32", callback=play,
        device=find_device("system", "output").index,
    )  # fmt: skip
    feed.start()
    try:
        feed_port = next(p for p in jack_ports(FEED_CLIENT) if p.rsplit(":", 1)[1].startswith("out"))
        learner = subprocess.Popen(
            [LIVEDENOISE, "print", "learn", "--input", "system", "--seconds", "4", tmp_path / "room.json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            learner_port = None
            while learner_port is None and learner.poll() is None and time.monotonic() < deadline:
                learner_port = next(
                    (p for p in jack_ports() if p.split(":", 1)[0] not in ("system", FEED_CLIENT) and ":in" in p), None
                )
                time.sleep(0.02)
            assert learner_port is not None, "the learner's input port never appeared"
            jack_rewire(feed_port, learner_port)
            out, err = learner.communicate(timeout=60)
        finally:
            if learner.poll() is None:
                learner.kill()
    finally:
        feed.stop()
        feed.close()
    assert learner.returncode == 0, out + err
    assert out.splitlines()[0] == "learning the room, keep quiet for 4 s"
    learned = NoisePrint.load(tmp_path / "room.json")
    assert out.splitlines()[1] == f"{tmp_path / 'room.json'}: {learned.describe()}"
    assert learned.level_dbfs == pytest.approx(-40.0, abs=0.5) and 0.5 <= learned.duration_s <= 4.0
    assert learned.source.endswith(", learned")
    assert abs(float(np.median(learned.spread_db[1:-1])) - 5.57) < 0.5  # white noise, not silence and noise
