"""Moderator decisions become training rows for the next model."""

from __future__ import annotations

import pandas as pd

import classifier


def test_reviews_to_labeled() -> None:
    reviews = [
        {"listing_id": 1, "title": "老料白货手镯", "description": "懂的来", "decision": "confirmed", "lang": "zh-Hans"},
        {"listing_id": 2, "title": "象牙白连衣裙", "description": "", "decision": "dismissed", "flagged": True},
        {"listing_id": 3, "title": "Tiger Balm", "description": "", "decision": "pending"},
        {"listing_id": 2, "title": "象牙白连衣裙", "description": "", "decision": "dismissed", "flagged": "true"},
        {"listing_id": 4, "title": "ivory bangle", "description": None, "decision": "Dismissed", "flagged": False},
    ]
    df = classifier.reviews_to_labeled(reviews)
    assert list(df["group"]) == ["review-1", "review-2", "review-4"]
    assert list(df["label"]) == [1, 0, 0]
    assert list(df["hard_negative"]) == [0, 1, 0]
    assert set(df["split"]) == {"train"}
    assert df.loc[df["group"] == "review-4", "description"].item() == ""


def test_reviews_feed_training(seed_df: pd.DataFrame) -> None:
    """Rows from reviews train the next model next to the seed data."""
    reviews = classifier.reviews_to_labeled(
        [{"listing_id": i, "title": f"白货牙牌{i}号 懂的来", "description": "私聊", "decision": "confirmed"} for i in range(5)]
    )
    small = seed_df[seed_df["group"].isin(sorted(seed_df["group"].unique())[::4])]
    model = classifier.train_model(pd.concat([small, reviews], ignore_index=True))
    assert model.card["training"]["development_rows"] == int((small["split"] != "test").sum()) + 5
