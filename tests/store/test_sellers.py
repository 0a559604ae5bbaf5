"""Sellers: repeat offenders first, and accounts linked across marketplaces by shared contacts."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.sellers import get_seller_detail, list_sellers
from tests.store.seed import add_contact, seed_store


def test_repeat_offenders_first(session: Session) -> None:
    seed_store(session)
    rows, total = list_sellers(session)
    assert total == 6
    assert [row.flagged for row in rows][:3] == [2, 2, 2]
    assert rows[-1].flagged == 0
    laowang = next(row for row in rows if row.seller.name == "老王")
    assert laowang.listings == 2 and set(laowang.species) == {"elephant", "pangolin"}
    assert laowang.first_activity is not None and laowang.last_activity is not None


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"marketplace": "en.bazaar.example"}, {"tusk_trader", "gardener"}),
        ({"min_flagged": 1}, {"老王", "阿強", "tusk_trader"}),
        ({"min_flagged": 3}, set()),
    ],
)
def test_seller_filters(session: Session, kwargs: dict[str, object], names: set[str]) -> None:
    seed_store(session)
    rows, total = list_sellers(session, **kwargs)  # type: ignore[arg-type]
    assert {row.seller.name for row in rows} == names and total == len(names)


def test_network_across_marketplaces(session: Session) -> None:
    seeded = seed_store(session)
    detail = get_seller_detail(session, seeded.sellers["老王"])
    assert {(kind, value) for kind, value, _ in detail.contacts} == {("wechat", "wx_ivory88")}
    linked = {link.seller.name: link for link in detail.linked}
    # 阿強 shares the WeChat id directly; tusk_trader shares 阿強's WhatsApp number: two hops
    assert linked["阿強"].hops == 1 and linked["阿強"].shared == [("wechat", "wx_ivory88")]
    assert linked["tusk_trader"].hops == 2
    assert "gardener" not in linked
    one_hop = get_seller_detail(session, seeded.sellers["老王"], hops=1)
    assert {link.seller.name for link in one_hop.linked} == {"阿強"}


def test_new_contact_links_sellers(session: Session) -> None:
    seeded = seed_store(session)
    assert get_seller_detail(session, seeded.sellers["gardener"]).linked == []
    add_contact(session, seeded.ids["c3"], "qq", "123456789")
    add_contact(session, seeded.ids["a3"], "qq", "123456789")
    linked = get_seller_detail(session, seeded.sellers["gardener"]).linked
    assert [link.seller.name for link in linked] == ["小李"]


def test_unknown_seller(session: Session) -> None:
    with pytest.raises(NotFound):
        get_seller_detail(session, 999)
