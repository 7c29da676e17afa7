from livedenoise.training.manifest import SourceFile
from livedenoise.training.noise_pools import OTHER_INSTRUMENT_CATEGORIES, NoisePools


def _record(name: str, kind: str, category: str) -> SourceFile:
    return SourceFile(
        path=f"test/{name}.wav",
        kind=kind,
        category=category,
        origin="test",
        licence="CC0",
        sha256=name,
        sample_rate=48000,
        n_channels=1,
        duration_s=3.0,
        split="test",
    )


GUITAR = _record("guitar", "music", "guitar")
SONG = _record("song", "music", "orchestral")
PIANO = _record("piano", "music", "piano")
CELLO = _record("cello", "music", "strings")
HUM = _record("hum", "noise", "interference")
RAIN = _record("rain", "noise", "rain")
VOICE = _record("voice", "noise", "speech")


def test_rendered_other_instruments_are_harmonic_noise():
    assert OTHER_INSTRUMENT_CATEGORIES == {"piano", "strings", "organ", "brass", "flute"}
    pools = NoisePools.from_records([GUITAR, SONG, PIANO, CELLO], [HUM, RAIN, VOICE])
    assert set(pools.harmonic) == {HUM, PIANO, CELLO}
    assert pools.speech == (VOICE,) and pools.ambience == (RAIN,)


def test_an_example_never_takes_its_own_music_as_noise():
    pools = NoisePools.from_records([GUITAR, PIANO, CELLO], [HUM])
    assert set(pools.harmonic_for(PIANO)) == {HUM, CELLO}
    assert set(pools.harmonic_for(GUITAR)) == {HUM, PIANO, CELLO}
    assert pools.harmonic_for(None) == list(pools.harmonic)


def test_other_music_stands_in_without_instruments():
    pools = NoisePools.from_records([GUITAR, SONG], [RAIN])
    assert pools.harmonic == ()
    assert pools.harmonic_for(GUITAR) == [SONG] and pools.has_harmonic()
    lone_piano = NoisePools.from_records([PIANO], [RAIN])
    assert lone_piano.harmonic_for(PIANO) == [] and not lone_piano.has_harmonic()
    assert NoisePools.from_records([PIANO], [HUM]).has_harmonic()
