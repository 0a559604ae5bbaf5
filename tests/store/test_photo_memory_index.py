"""The in-memory photo index (store.memory_index) on SQLite and PostgreSQL: the very answers of the database
search (store.image_index) on random hashes with near-duplicates around the threshold, kept in step
with inserts (in the same transaction, after commit, after a rollback, out of id order), rebuilt
from the store after a restart, and blind to deleted images."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

import store.memory_index as memory_index
from store.image_index import chunks, find_matches, hash_rows
from store.imaging import ImageFacts
from store.memory_index import ImageIndex, _chunk_columns
from store.models import PDQ_CHUNK_BITS, ImageHash, ImageLink, ImageRecord

BITS = 256


def flip(value: int, count: int, rng: random.Random) -> int:
    for position in rng.sample(range(BITS), count):
        value ^= 1 << position
    return value


def facts_near(base: int, rng: random.Random, *, quality: int = 90) -> ImageFacts:
    """An image whose whole frame is ``base`` and whose two crops are a few bits away from it."""
    return ImageFacts("image/jpeg", 800, 800, 1, base, quality,
                      ((0, base), (25, flip(base, rng.randint(4, 20), rng)), (50, flip(base, rng.randint(10, 30), rng))))


def store_image(session: Session, facts: ImageFacts, n: int) -> int:
    record = ImageRecord(sha256=f"{n:064x}", path="-", size=0, mime=facts.mime, width=facts.width,
                         height=facts.height, frames=1, pdq=facts.pdq_hex, quality=facts.quality)
    session.add(record)
    session.flush()
    rows = hash_rows(record.id, facts)
    if rows:
        session.execute(insert(ImageHash), rows)
    return record.id


def random_store(session: Session, rng: random.Random, count: int) -> list[int]:
    """``count`` images in families of near-duplicates (0-45 bits apart: either side of 31), some low quality."""
    bases: list[int] = []
    for n in range(count):
        if bases and rng.random() < 0.6:
            base = flip(rng.choice(bases), rng.randint(0, 45), rng)
        else:
            base = rng.getrandbits(BITS)
        bases.append(base)
        store_image(session, facts_near(base, rng, quality=rng.choice([90, 90, 90, 30])), n)
    return bases


def queries(bases: list[int], rng: random.Random, count: int) -> Iterator[ImageFacts]:
    for _ in range(count):
        if rng.random() < 0.8:
            yield facts_near(flip(rng.choice(bases), rng.randint(0, 40), rng), rng)
        else:
            yield facts_near(rng.getrandbits(BITS), rng)


@pytest.mark.parametrize("seed", range(5))
def test_chunk_columns_cut_words_as_chunks_does(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.getrandbits(BITS) for _ in range(50)] + [0, (1 << BITS) - 1]
    words = np.array([[(v >> s) & ((1 << 64) - 1) for s in (192, 128, 64, 0)] for v in values], dtype=np.uint64)
    columns = _chunk_columns(words)
    assert [tuple(int(column[i]) for column in columns) for i in range(len(values))] == [chunks(v) for v in values]


def test_same_answers_as_the_database_search(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_index, "_PACKED_GROUP", 100)  # PostgreSQL: many packed groups
    rng = random.Random(19)
    bases = random_store(session, rng, 400)
    session.commit()
    index = ImageIndex.load(session)
    assert len(index) == 3 * session.query(ImageRecord).filter(ImageRecord.quality >= 50).count()
    matched = 0
    for n, query in enumerate(queries(bases, rng, 150)):
        exclude = rng.choice([None, rng.randint(1, 400)])
        max_distance = rng.choice([31, 31, 20, 8, 40])
        expected = find_matches(session, query, exclude=exclude, max_distance=max_distance)
        assert index.find_matches(session, query, exclude=exclude, max_distance=max_distance) == expected, n
        matched += bool(expected)
    assert 50 < matched < 150  # the data has both matches and misses, near the threshold


def test_inserts_are_seen_in_their_transaction_then_indexed_after_commit(
        session: Session, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_index, "_DELTA_ROWS", 6)  # merge into the sorted arrays after two images
    rng = random.Random(7)
    bases = random_store(session, rng, 50)
    session.commit()
    index = ImageIndex.load(session)
    for n in range(6):
        base = flip(bases[n], 3, rng)
        twin = facts_near(flip(base, 5, rng), rng)
        assert index.find_matches(session, twin) == find_matches(session, twin)
        new_id = store_image(session, facts_near(base, rng), 1000 + n)
        found = index.find_matches(session, twin)
        assert new_id in {m.image_id for m in found}  # uncommitted, same session
        assert found == find_matches(session, twin)
        session.commit()
        with sessions() as fresh:
            index.refresh(fresh)
        assert index.find_matches(session, twin) == find_matches(session, twin)
    assert len(index._delta) < 6 and len(index._rows) > 3 * 40  # merges happened


def test_a_rolled_back_insert_never_enters_the_index(session: Session, sessions: sessionmaker[Session]) -> None:
    rng = random.Random(8)
    random_store(session, rng, 20)
    session.commit()
    index = ImageIndex.load(session)
    ghost = facts_near(rng.getrandbits(BITS), rng)
    store_image(session, ghost, 500)
    assert index.find_matches(session, ghost)
    session.rollback()
    with sessions() as fresh:
        index.refresh(fresh)
    assert index.find_matches(session, ghost) == [] == find_matches(session, ghost)


def test_a_row_committed_out_of_id_order_is_picked_up(session: Session, sessions: sessionmaker[Session]) -> None:
    """A concurrent writer's transaction may commit after one that took later ids (PostgreSQL sequences)."""
    rng = random.Random(9)
    random_store(session, rng, 20)
    session.commit()
    index = ImageIndex.load(session)
    late = facts_near(rng.getrandbits(BITS), rng)

    def store_with_ids(facts: ImageFacts, n: int, first_row_id: int) -> int:
        record = ImageRecord(sha256=f"{n:064x}", path="-", size=0, mime="image/jpeg", width=8, height=8, frames=1,
                             pdq=facts.pdq_hex, quality=facts.quality)
        session.add(record)
        session.flush()
        rows = hash_rows(record.id, facts)
        for offset, row in enumerate(rows):
            row["id"] = first_row_id + offset
        session.execute(insert(ImageHash), rows)
        session.commit()
        return record.id

    store_with_ids(facts_near(rng.getrandbits(BITS), rng), 600, 1000)  # committed first, later ids
    with sessions() as fresh:
        index.refresh(fresh)
    image_id = store_with_ids(late, 601, 900)  # committed last, earlier ids
    with sessions() as fresh:
        index.refresh(fresh)
    assert [m.image_id for m in index.find_matches(session, late)] == [image_id]


def test_a_restart_loads_everything_and_deleted_images_are_not_answered(session: Session) -> None:
    rng = random.Random(10)
    bases = random_store(session, rng, 200)
    session.commit()
    before = ImageIndex.load(session)
    doomed = session.scalars(select(ImageRecord.id).order_by(ImageRecord.id).limit(60)).all()
    session.execute(delete(ImageLink).where(ImageLink.image_id.in_(doomed)))
    session.execute(delete(ImageHash).where(ImageHash.image_id.in_(doomed)))
    session.execute(delete(ImageRecord).where(ImageRecord.id.in_(doomed)))
    session.commit()
    after = ImageIndex.load(session)  # a new writer process
    assert len(after) < len(before)
    for query in queries(bases, rng, 60):
        expected = find_matches(session, query)
        assert before.find_matches(session, query) == expected
        assert after.find_matches(session, query) == expected


def test_an_empty_store_and_a_low_quality_query(session: Session) -> None:
    index = ImageIndex.load(session)
    rng = random.Random(11)
    assert len(index) == 0
    assert index.find_matches(session, facts_near(rng.getrandbits(BITS), rng)) == []
    low = facts_near(rng.getrandbits(BITS), rng, quality=30)
    store_image(session, facts_near(low.pdq, rng), 1)
    assert index.find_matches(session, low) == [] == find_matches(session, low)


def test_find_before_load_is_an_error(session: Session) -> None:
    with pytest.raises(RuntimeError):
        ImageIndex().find_matches(session, facts_near(1, random.Random(1)))


def spread(value: int, per_chunk: list[int], rng: random.Random) -> int:
    """``value`` with ``per_chunk[n]`` bits flipped inside chunk ``n`` (chunks as ``chunks`` cuts them)."""
    start = 0
    for count, bits in zip(per_chunk, PDQ_CHUNK_BITS, strict=True):
        for position in rng.sample(range(start, start + bits), count):  # counted from the top bit
            value ^= 1 << (BITS - 1 - position)
        start += bits
    return value


@pytest.mark.parametrize(("per_chunk", "found"), [
    ([3] * 9 + [2, 2], True),   # 31 bits: only two chunks within reach, each two bits off
    ([3] * 10 + [1], True),     # 31 bits, one chunk one bit off
    ([3] * 11, False),          # 33 bits: no chunk within two bits, and beyond the threshold
    ([0] + [3] * 10, True),     # 30 bits, one exact chunk
])
def test_the_hardest_near_duplicates_are_found_as_in_the_database(session: Session, per_chunk: list[int],
                                                                  found: bool) -> None:
    rng = random.Random(sum(per_chunk))
    stored = [rng.getrandbits(BITS) for _ in range(30)]
    for n, value in enumerate(stored):
        store_image(session, ImageFacts("image/jpeg", 8, 8, 1, value, 90, ((0, value),)), n)
    session.commit()
    index = ImageIndex.load(session)
    for value in stored[:10]:
        query = spread(value, per_chunk, rng)
        assert (query ^ value).bit_count() == sum(per_chunk)
        facts = ImageFacts("image/jpeg", 8, 8, 1, query, 90, ((0, query),))
        expected = find_matches(session, facts)
        assert index.find_matches(session, facts) == expected
        assert bool(expected) is found
