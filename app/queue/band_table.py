"""LSH band -> keys for the similar pass (`app.queue.duplicates`), packed.

A queue of 100,000 articles files about 800,000 bands. As a dict from band to
key they took ~65 MB (the table, and an int object per band); here they are
two numpy arrays sorted by band, 12 bytes an entry (about 10 MB), searched by
bisection.

- A slice of records (the pass after an open, `put_many`) is merged in at
  once: its entries are sorted and inserted, one copy of the arrays, and the
  bands it shares come from two vectorised searches.
- One record at a time (a file edited, `put`) goes to a small dict beside the
  arrays, folded in once it holds `LOOSE_MOST` entries.
- A key taken out (`take`) leaves its entry marked dead (-1), dropped at the
  next merge.

Keys are numbered on first sight (a `Vocabulary` of them); a number stays
with its key, so a key that comes back refiles under the same one. Not thread-safe: one
thread at a time, like the index that owns it.
"""
from __future__ import annotations

from array import array
from collections.abc import Sequence

import numpy as np

from app.queue.codes import Vocabulary

LOOSE_MOST = 50_000  # single puts held in the dict before they are merged into the arrays
_DEAD = -1


class BandTable:
    """Which keys are filed under each band."""

    def __init__(self) -> None:
        self._bands = np.zeros(0, dtype=np.int64)  # ascending
        self._owners = np.zeros(0, dtype=np.int32)  # key number of each entry; _DEAD once taken out
        self._dead = 0
        self._loose: dict[int, set[int]] = {}  # band -> key numbers, put one at a time since the last merge
        self._loose_size = 0
        self._keys = Vocabulary()  # key number -> key (its code 0, "", is never a key)

    def __len__(self) -> int:
        """Live entries (a key under a band counts once)."""
        return len(self._bands) - self._dead + self._loose_size

    # --- filing -----------------------------------------------------------------

    def put_many(self, keys: Sequence[str], bands_of: Sequence[Sequence[int]]) -> set[int]:
        """File each of `keys` under its bands (`bands_of`, in the same order);
        none of them may be filed already. Returns the bands that now hold
        more than one key and are among the ones just filed."""
        counts = [len(bands) for bands in bands_of]
        total = sum(counts)
        if not total:
            return set()
        bands = np.fromiter((band for group in bands_of for band in group), dtype=np.int64, count=total)
        owners = np.repeat(np.fromiter(map(self._keys.code, keys), dtype=np.int32, count=len(keys)), counts)
        order = np.argsort(bands, kind="stable")
        self._merge(bands[order], owners[order])
        left = np.searchsorted(self._bands, bands, "left")
        right = np.searchsorted(self._bands, bands, "right")
        shared = set(bands[right - left > 1].tolist())
        if self._loose:
            shared.update(band for band in bands[right - left == 1].tolist() if band in self._loose)
        return shared

    def put(self, band: int, key: str) -> bool:
        """File `key` under `band` (again: no change); True when the band now holds more than one key."""
        number = self._keys.code(key)
        packed = self._packed(band)
        held = self._loose.get(band)
        if number not in packed and (held is None or number not in held):
            if held is None:
                held = self._loose[band] = set()
            held.add(number)
            self._loose_size += 1
        shared = len(packed) + (len(held) if held is not None else 0) > 1
        if self._loose_size >= LOOSE_MOST:
            self._fold_loose()
        return shared

    def take(self, band: int, key: str) -> None:
        """Take `key` out of `band` (nothing happens when it is not there)."""
        number = self._keys.find(key)
        if number is None:
            return
        held = self._loose.get(band)
        if held is not None and number in held:
            held.discard(number)
            self._loose_size -= 1
            if not held:
                del self._loose[band]
            return
        lo, hi = self._run(band)
        if lo == hi:
            return
        where = np.flatnonzero(self._owners[lo:hi] == number)
        if len(where):
            self._owners[lo + int(where[0])] = _DEAD
            self._dead += 1

    def members(self, band: int) -> list[str]:
        """The keys filed under `band`, in no particular order."""
        numbers = self._packed(band)
        numbers.extend(self._loose.get(band, ()))
        names = self._keys.values
        return [names[n] for n in numbers]

    # --- inside -----------------------------------------------------------------

    def _run(self, band: int) -> tuple[int, int]:
        bands = self._bands
        return int(np.searchsorted(bands, band, "left")), int(np.searchsorted(bands, band, "right"))

    def _packed(self, band: int) -> list[int]:
        """The live key numbers of `band` in the arrays."""
        lo, hi = self._run(band)
        return [n for n in self._owners[lo:hi].tolist() if n != _DEAD] if hi > lo else []

    def _merge(self, bands: np.ndarray, owners: np.ndarray) -> None:
        """Insert sorted entries into the arrays, dropping dead entries on the way."""
        if self._dead:
            live = self._owners != _DEAD
            self._bands, self._owners, self._dead = self._bands[live], self._owners[live], 0
        at = np.searchsorted(self._bands, bands, "right")
        self._bands = np.insert(self._bands, at, bands)
        self._owners = np.insert(self._owners, at, owners)

    def _fold_loose(self) -> None:
        pairs = sorted((band, number) for band, held in self._loose.items() for number in held)
        self._loose, self._loose_size = {}, 0
        self._merge(np.fromiter((b for b, _ in pairs), dtype=np.int64, count=len(pairs)),
                    np.fromiter((n for _, n in pairs), dtype=np.int32, count=len(pairs)))


class StoredBands:
    """Each key's stored LSH bands (read from the index for the similar pass
    after an open), in one `array('q')`: a dict from 100,000 paths to an array
    each held 32 MB, this about 13. A key's bands are its slot's run of values;
    `pop` forgets the key and leaves the values (the whole is dropped when the
    pass ends). Not thread-safe, like the index that uses it."""

    def __init__(self) -> None:
        self._slot: dict[str, int] = {}
        self._start = array("q")  # slot -> where its values start; they end where the next slot's start
        self._values = array("q")

    def put(self, key: str, bands: Sequence[int] | bytes) -> None:
        """File `bands` (ints, or their packed 8-byte native form) under `key`."""
        self._slot[key] = len(self._start)
        self._start.append(len(self._values))
        if isinstance(bands, bytes):
            self._values.frombytes(bands)
        else:
            self._values.extend(bands)

    def get(self, key: str, default: Sequence[int] | None = None) -> Sequence[int] | None:
        slot = self._slot.get(key)
        if slot is None:
            return default
        end = self._start[slot + 1] if slot + 1 < len(self._start) else len(self._values)
        return self._values[self._start[slot]:end]

    def pop(self, key: str, default: Sequence[int] | None = None) -> Sequence[int] | None:
        found = self.get(key, default)
        self._slot.pop(key, None)
        return found

    def keys(self) -> list[str]:
        return list(self._slot)

    def __contains__(self, key: object) -> bool:
        return key in self._slot

    def __len__(self) -> int:
        return len(self._slot)
