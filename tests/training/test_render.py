"""MIDI generation, pitch labels and the fluidsynth render (real only where a SoundFont exists)."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

from components import require
from livedenoise.training import render
from livedenoise.training.packages import Package
from livedenoise.training.render import (
    GUITAR_PROGRAMS,
    Note,
    RenderError,
    fluidsynth_command,
    force_program,
    midi_to_hz,
    single_notes,
    write_midi,
)


def _note_events(path: Path) -> list[tuple[float, str, int]]:
    """(time_s, type, note) of note events, absolute times."""
    out, now = [], 0.0
    for message in mido.MidiFile(str(path)):
        now += message.time
        if message.type in ("note_on", "note_off"):
            kind = "on" if message.type == "note_on" and message.velocity > 0 else "off"
            out.append((now, kind, message.note))
    return out


def test_midi_to_hz_reference_points():
    assert midi_to_hz(69) == pytest.approx(440.0)
    assert midi_to_hz(40) == pytest.approx(82.4069, abs=1e-3)  # low E
    assert midi_to_hz(88) == pytest.approx(1318.51, abs=1e-2)  # E6


def test_written_midi_matches_its_labels(tmp_path):
    notes = single_notes(40, 52, velocity=90, note_s=1.0, gap_s=0.3)
    labels = write_midi(tmp_path / "n.mid", 25, notes)
    assert [lab.midi for lab in labels] == list(range(40, 53))
    events = _note_events(tmp_path / "n.mid")
    ons = [(t, n) for t, kind, n in events if kind == "on"]
    offs = [(t, n) for t, kind, n in events if kind == "off"]
    assert [n for _, n in ons] == [lab.midi for lab in labels]
    for (t_on, _), (t_off, _), label in zip(ons, offs, labels, strict=True):
        assert t_on == pytest.approx(label.onset_s, abs=1e-6)
        assert t_off == pytest.approx(label.offset_s, abs=1e-6)
        assert label.hz == pytest.approx(midi_to_hz(label.midi))
    programs = [m.program for m in mido.MidiFile(str(tmp_path / "n.mid")).tracks[0] if m.type == "program_change"]
    assert programs == [25]
    assert all(b.onset_s >= a.offset_s for a, b in pairwise(labels))


def test_single_notes_span_the_guitar_range():
    notes = single_notes()
    assert [n.midi for n in notes] == list(range(40, 89))


def test_bad_notes_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="program"):
        write_midi(tmp_path / "x.mid", 128, [Note(0, 1, 60)])
    with pytest.raises(ValueError, match="bad note"):
        write_midi(tmp_path / "x.mid", 0, [Note(1.0, 0.5, 60)])
    with pytest.raises(ValueError, match="no notes"):
        write_midi(tmp_path / "x.mid", 0, [])


@pytest.mark.parametrize("phrase", [render.strummed_chords, render.arpeggios])
def test_guitar_phrases_are_seeded_and_playable(phrase):
    first = phrase(np.random.default_rng(3))
    assert first == phrase(np.random.default_rng(3))
    assert first != phrase(np.random.default_rng(4))
    assert all(40 <= n.midi <= 88 and n.offset_s > n.onset_s for n in first)
    assert len({round(n.onset_s, 3) for n in first}) > 50


def test_melodies_stay_in_the_instrument_range():
    notes = render.melody_with_chords(np.random.default_rng(0), 60, 96, with_chords=False)
    assert all(60 <= n.midi <= 96 for n in notes)
    assert all(b.onset_s >= a.onset_s for a, b in pairwise(notes))


def test_forced_program_drops_drums_and_keeps_timing(tmp_path):
    track = mido.MidiTrack(
        [
            mido.Message("program_change", channel=0, program=0, time=0),
            mido.Message("note_on", channel=9, note=36, velocity=100, time=0),
            mido.Message("note_on", channel=0, note=60, velocity=100, time=480),
            mido.Message("note_off", channel=9, note=36, time=240),
            mido.Message("note_off", channel=0, note=60, time=240),
        ]
    )
    source = mido.MidiFile(ticks_per_beat=480)
    source.tracks.append(track)
    source.save(str(tmp_path / "in.mid"))
    forced = force_program(tmp_path / "in.mid", 29)
    messages = [m for m in forced.tracks[0] if not m.is_meta]
    assert all(m.channel != 9 for m in messages)
    assert {m.program for m in messages if m.type == "program_change"} == {29}
    forced.save(str(tmp_path / "out.mid"))
    events = _note_events(tmp_path / "out.mid")
    assert [(round(t, 6), kind, n) for t, kind, n in events] == [(0.5, "on", 60), (1.0, "off", 60)]


def test_fluidsynth_command_is_dry_float_48k_with_explicit_soundfont(tmp_path):
    sf2, mid, out = tmp_path / "FluidR3_GM.sf2", tmp_path / "in.mid", tmp_path / "out.wav"
    command = fluidsynth_command(sf2, mid, out)
    assert command == [
        "fluidsynth",
        "-ni",
        "-q",
        "-F",
        str(out),
        "-T",
        "wav",
        "-O",
        "float",
        "-r",
        "48000",
        "-g",
        "0.5",
        "-o",
        "synth.reverb.active=0",
        "-o",
        "synth.chorus.active=0",
        "-o",
        f"synth.default-soundfont={sf2}",
        str(sf2),
        str(mid),
    ]


def test_generated_jobs_label_every_guitar_single_note_file(tmp_path):
    jobs = render.generated_jobs(tmp_path)
    labelled = [j for j in jobs if j.labels]
    assert len(labelled) == 3 * len(GUITAR_PROGRAMS)
    assert all(j.midi_path.exists() for j in jobs)
    assert all(j.category == "guitar" and len(j.labels) == 49 for j in labelled)
    assert {j.category for j in jobs} >= {"guitar", "piano", "strings", "organ", "brass", "flute"}
    assert all(j.origin == "fluid-soundfont-gm+generated" and "MIT" in j.licence for j in jobs)
    again = render.generated_jobs(tmp_path / "again")
    for a, b in zip(jobs, again, strict=True):
        assert a.midi_path.read_bytes() == b.midi_path.read_bytes()


def test_package_jobs_group_renders_of_one_piece(tmp_path):
    root = tmp_path / "pkg"
    (root / "music").mkdir(parents=True)
    for name in ("a", "b"):
        write_midi(root / "music" / f"{name}.mid", 0, [Note(0.0, 0.5, 60)])
    as_written = Package("some-midi", "GPL-2", midi=("music/*.mid",))
    jobs = render.package_jobs(as_written, root, tmp_path / "out")
    assert len(jobs) == 4 and {j.category for j in jobs} == {"instrument", "guitar"}
    assert len({j.group for j in jobs}) == 2
    forced_only = Package(
        "blupi-midi", "GPL-3+", midi=("music/*.mid",), midi_group="blupi:{stem}", render_as_written=False
    )
    jobs = render.package_jobs(forced_only, root, tmp_path / "out2")
    assert [j.group for j in jobs] == ["blupi:a", "blupi:b"]
    assert all(j.category == "guitar" and "blupi-midi" in j.origin for j in jobs)


def test_notes_sidecar_round_trip(tmp_path):
    labels = write_midi(tmp_path / "n.mid", 24, single_notes(60, 62))
    audio = tmp_path / "n.flac"
    render.write_notes_sidecar(audio, labels)
    assert render.notes_sidecar_path(audio) == tmp_path / "n.notes.json"
    assert render.read_notes_sidecar(audio) == labels


def test_render_without_soundfont_is_a_clear_error(tmp_path):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    write_midi(tmp_path / "n.mid", 24, [Note(0.0, 0.5, 60)])
    with pytest.raises(RenderError, match="SoundFont"):
        render.render_midi(tmp_path / "missing.sf2", tmp_path / "n.mid", tmp_path / "n.flac")
    # fluidsynth would fall back to the system default SoundFont here and render happily.
    (tmp_path / "bad.sf2").write_bytes(b"not a soundfont")
    with pytest.raises(RenderError, match="not a SoundFont"):
        render.render_midi(tmp_path / "bad.sf2", tmp_path / "n.mid", tmp_path / "n.flac")
    assert not list(tmp_path.glob("n.flac*"))


# A small General MIDI SoundFont from Debian that `make` installs (fluidr3mono-gm-soundfont, MIT): never
# the system default, which may be a reserved package.
TEST_SOUNDFONT = Path("/usr/share/sounds/sf3/FluidR3Mono_GM.sf3")


def _pitch_hz(audio: np.ndarray, sample_rate: int) -> float:
    """Fundamental by autocorrelation peak, refined by parabolic interpolation."""
    audio = audio - audio.mean()
    spectrum = np.fft.rfft(audio, 2 * len(audio))
    corr = np.fft.irfft(np.abs(spectrum) ** 2)[: len(audio)]
    low, high = int(sample_rate / 1500), int(sample_rate / 60)
    lag = low + int(np.argmax(corr[low:high]))
    a, b, c = corr[lag - 1], corr[lag], corr[lag + 1]
    return sample_rate / (lag + 0.5 * (a - c) / (a - 2 * b + c))


def test_real_render_has_the_labelled_pitch(tmp_path):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    require(TEST_SOUNDFONT.is_file(), f"{TEST_SOUNDFONT} (Debian package fluidr3mono-gm-soundfont)")
    labels = write_midi(tmp_path / "a.mid", 24, [Note(0.5, 1.5, 57, 100)])  # A3 nylon
    out = render.render_midi(TEST_SOUNDFONT, tmp_path / "a.mid", tmp_path / "a.flac")
    audio, sample_rate = sf.read(str(out), always_2d=True)
    assert sample_rate == 48000 and audio.shape[1] == 2
    mono = audio.mean(axis=1)
    assert np.abs(mono[: int(0.45 * sample_rate)]).max() < 1e-4  # silent before the onset
    steady = mono[int(0.7 * sample_rate) : int(1.2 * sample_rate)]
    assert _pitch_hz(steady, sample_rate) == pytest.approx(labels[0].hz, rel=0.01)
