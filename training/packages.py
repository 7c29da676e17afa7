"""The catalogue of Debian packages that real training audio is taken from.

Each package lists which files inside it to take (glob patterns relative to the extracted root),
whether they are clean music or noise, a category label, and the licence of that content.
The first selection whose pattern matches a file decides; files that match none are ignored.

``RESERVED_PACKAGES`` are kept for an independent evaluation: nothing here may download,
extract or read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

RESERVED_PACKAGES = frozenset(
    {
        "timgm6mb-soundfont",
        "csound-soundfont",
        "fretsonfire-songs-sectoid",
        "singularity-music",
        "supertux-data",
        "tuxpaint-stamps-default",
        "bucklespring-data",
        "trigger-rally-data",
        "scorched3d-data",
        # shares a recording with the independent evaluation
        "lincity-ng-data",
    }
)


class ReservedPackageError(ValueError):
    """Raised when code is asked to touch a package reserved for evaluation."""


def check_not_reserved(name: str) -> None:
    if name in RESERVED_PACKAGES:
        raise ReservedPackageError(
            f"{name!r} is reserved for independent evaluation and must never be used for training"
        )


@dataclass(frozen=True)
class Selection:
    """Files inside a package: a glob on the path relative to the extracted root.

    ``group`` decides which files must share a split: "" keeps each file on its own; a template
    (see ``format_group``) ties files together, e.g. a song's backing track and its guitar stem.
    """

    pattern: str
    kind: str
    category: str
    group: str = ""

    def matches(self, relative_path: str) -> bool:
        return fnmatchcase(relative_path, self.pattern)

    def group_key(self, package: str, relative_path: str) -> str:
        return format_group(self.group, package, relative_path)


def format_group(template: str, package: str, relative_path: str) -> str:
    """Fill a group template: ``{package}``, ``{folder}`` (parent path), ``{stem}`` (bare name)."""
    if not template:
        return ""
    folder, _, name = relative_path.rpartition("/")
    return template.format(package=package, folder=folder, stem=name.split(".", 1)[0])


@dataclass(frozen=True)
class Package:
    """One Debian package: audio ``selections`` and/or ``midi`` globs for rendering.

    ``midi_group`` is the group template for renders of its MIDI files; ``render_as_written`` is
    False where the package's own recording of the same pieces is already taken as audio.
    """

    name: str
    licence: str
    selections: tuple[Selection, ...] = ()
    midi: tuple[str, ...] = ()
    midi_group: str = ""
    render_as_written: bool = True

    def __post_init__(self) -> None:
        check_not_reserved(self.name)

    def select(self, relative_path: str) -> Selection | None:
        for selection in self.selections:
            if selection.matches(relative_path):
                return selection
        return None


def _music(pattern: str, category: str, group: str = "") -> Selection:
    return Selection(pattern, "music", category, group)


def _noise(pattern: str, category: str, group: str = "") -> Selection:
    return Selection(pattern, "noise", category, group)


_WESNOTH = "usr/share/games/wesnoth/1.16/data/core"
_MEGAGLEST = "usr/share/games/megaglest/tilesets/*/sounds"
_MINETEST = "usr/share/games/minetest/games/minetest_game/mods"
_LMMS = "usr/share/lmms/samples"
_SONIC_PI = "usr/share/sonic-pi/samples"

# Planet Blupi ships the same pieces as Ogg and as MIDI: group them so both land in one split.
_BLUPI_GROUP = "planetblupi:{stem}"
_SONG_GROUP = "{package}:{folder}"

MUSIC_PACKAGES = (
    Package(
        "wesnoth-1.16-music",
        "GPL-2+",
        (_music(f"{_WESNOTH}/music/*.ogg", "orchestral"),),
    ),
    Package(
        "warzone2100-music",
        "GPL-2+ (some tracks CC-BY-SA-3.0 or CC0)",
        # fnmatch's "*" crosses "/", so this also takes the albums/ folders.
        (_music("usr/share/games/warzone2100/music/*.opus", "electronic"),),
    ),
    Package(
        "fretsonfire-songs-muldjord",
        "CC-BY-SA-3.0",
        # guitar.ogg is the isolated guitar stem; song.ogg the rest of the band.
        (_music("usr/share/games/fretsonfire/data/songs/*/guitar.ogg", "guitar", _SONG_GROUP),
         _music("usr/share/games/fretsonfire/data/songs/*/*.ogg", "rock", _SONG_GROUP)),
    ),
    Package(
        "planetblupi-music-ogg",
        "GPL-3+",
        (_music("usr/share/planetblupi/music/*.ogg", "instrument", _BLUPI_GROUP),),
    ),
    Package(
        "colobot-common-sounds",
        "GPL-3+",
        (_music("usr/share/games/colobot/music/*.ogg", "electronic"),),
    ),
    Package(
        "marsshooter-data",
        "CC-BY-SA-3.0 (music)",
        (_music("usr/share/games/marsshooter/audio/music/*.ogg", "electronic"),),
    ),
    Package(
        "openclonk-data",
        "CC-BY-3.0 / CC0 (game content)",
        (_music("usr/share/games/openclonk/Music.ocg/*.ogg", "orchestral"),),
    ),
    Package(
        "xmoto-data",
        "GPL-2+",
        (_music("usr/share/games/xmoto/Textures/Musics/*.ogg", "electronic"),),
    ),
)

NOISE_PACKAGES = (
    Package(
        "megaglest-data",
        "CC-BY-SA-3.0",
        (_noise(f"{_MEGAGLEST}/rain.*", "rain"),
         _noise(f"{_MEGAGLEST}/wind.*", "wind"),
         _noise(f"{_MEGAGLEST}/night*", "night"),
         _noise(f"{_MEGAGLEST}/*day.*", "birds")),
    ),
    Package(
        "wesnoth-1.16-data",
        "GPL-2+",
        (_noise(f"{_WESNOTH}/sounds/ambient/birds*.ogg", "birds"),
         _noise(f"{_WESNOTH}/sounds/ambient/morning.ogg", "birds"),
         _noise(f"{_WESNOTH}/sounds/ambient/night.ogg", "night"),
         _noise(f"{_WESNOTH}/sounds/ambient/campfire.ogg", "fire"),
         _noise(f"{_WESNOTH}/sounds/ambient/ship.ogg", "water")),
    ),
    Package(
        "minetest-data",
        "CC-BY-SA-3.0",
        (_noise(f"{_MINETEST}/env_sounds/sounds/env_sounds_water.*.ogg", "water"),
         _noise(f"{_MINETEST}/env_sounds/sounds/env_sounds_lava.*.ogg", "fire"),
         _noise(f"{_MINETEST}/fire/sounds/fire_fire.*.ogg", "fire"),
         _noise(f"{_MINETEST}/fire/sounds/fire_large.ogg", "fire"),
         _noise(f"{_MINETEST}/fire/sounds/fire_small.ogg", "fire"),
         _noise(f"{_MINETEST}/default/sounds/default_furnace_active.ogg", "machine")),
    ),
    Package(
        "klettres-data",
        "GPL-2+",
        (_noise("usr/share/klettres/*/*/*.ogg", "speech"),),
    ),
    Package(
        "sonic-pi-samples",
        "CC0",
        (_music(f"{_SONIC_PI}/guit_*.flac", "guitar"),
         _music(f"{_SONIC_PI}/loop_amen*.flac", "drums"),
         _music(f"{_SONIC_PI}/loop_breakbeat.flac", "drums"),
         _music(f"{_SONIC_PI}/loop_tabla.flac", "drums"),
         _noise(f"{_SONIC_PI}/vinyl_hiss.flac", "hiss"),
         _noise(f"{_SONIC_PI}/loop_3d_printer.flac", "machine"),
         _noise(f"{_SONIC_PI}/ambi_soft_buzz.flac", "interference"),
         _noise(f"{_SONIC_PI}/ambi_glass_hum.flac", "interference"),
         _noise(f"{_SONIC_PI}/ambi_haunted_hum.flac", "interference"),
         _noise(f"{_SONIC_PI}/ambi_drone.flac", "interference")),
    ),
    Package(
        "lmms-common",
        "GPL-2+",
        (_music(f"{_LMMS}/instruments/*guitar*.ogg", "guitar"),
         _music(f"{_LMMS}/latin/latin_guitar*.ogg", "guitar"),
         _music(f"{_LMMS}/instruments/piano*.ogg", "piano"),
         _music(f"{_LMMS}/instruments/*organ*.ogg", "organ"),
         _music(f"{_LMMS}/instruments/violin*.ogg", "strings"),
         _music(f"{_LMMS}/instruments/cello*.ogg", "strings"),
         _music(f"{_LMMS}/instruments/*.ogg", "instrument"),
         _music(f"{_LMMS}/stringsnpads/*strings*.ogg", "strings"),
         _noise(f"{_LMMS}/misc/raving_crowd*.ogg", "crowd"),
         _noise(f"{_LMMS}/misc/applause*.ogg", "crowd")),
    ),
)

MIDI_PACKAGES = (
    Package("openttd-openmsx", "GPL-2", midi=("usr/share/games/openttd/baseset/openmsx/*.mid",)),
    Package(
        "planetblupi-music-midi",
        "GPL-3+",
        midi=("usr/share/planetblupi/music/*.mid",),
        midi_group=_BLUPI_GROUP,
        render_as_written=False,
    ),
)

SOUNDFONT_PACKAGE = Package("fluid-soundfont-gm", "MIT")
SOUNDFONT_PATH = "usr/share/sounds/sf2/FluidR3_GM.sf2"

AUDIO_PACKAGES = MUSIC_PACKAGES + NOISE_PACKAGES
ALL_PACKAGES = AUDIO_PACKAGES + MIDI_PACKAGES + (SOUNDFONT_PACKAGE,)


def package_by_name(name: str) -> Package:
    check_not_reserved(name)
    for package in ALL_PACKAGES:
        if package.name == name:
            return package
    known = ", ".join(p.name for p in ALL_PACKAGES)
    raise KeyError(f"unknown package {name!r}; the catalogue has: {known}")
