"""The moderators' pages under /review: login, queue, listing with evidence, decisions, alert problems."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path as PathParam, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select

from api.deps import SessionDep
from api.review import auth
from api.review.auth import ReviewerDep
from api.review.highlight import evidence_terms, highlight
from api.review.i18n import LANGUAGES, evidence_parts, pick_language, species_name, translator
from api.review.network import listing_network
from api.routes.filters import MAX_ID
from api.routes.images import IMAGE_HEADERS, image_response
from classifier import normalize_text
from store.alerts import delivery_counts, list_deliveries
from store.apikeys import authenticate, role_allows
from store.errors import Conflict, NotFound
from store.images import (
    ImageMatchView,
    ImageStore,
    image_matches_by_listing,
    listing_images,
    listing_photo_shas,
)
from store.images import get_image as get_image_record
from store.memory import prior_decisions
from store.models import Listing, Review, Seller, Snapshot
from store.reviews import (
    DECISIONS,
    REASONS,
    UNCERTAIN_MARGIN,
    current_threshold,
    priority,
    queue_size,
    record_review,
    record_seller_reviews,
    review_queue,
    seller_history,
    undo_last_decision,
)
from store.snapshots import SnapshotStore

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/review", include_in_schema=False)

HERE = Path(__file__).resolve().parent
VIEWS = ("flagged", "uncertain", "escalated")
#: Queue items per page (the flagged queue of the demo alone holds 165).
PAGE_SIZE = 50
QUEUE_SAME_PHOTO = 3  # "same photo as" links shown per queue row (the listing page shows them all)
LANG_COOKIE = "ww_lang"
STATIC_TYPES = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make form posts send `Origin: null`
    "Cache-Control": "no-store",
}

#: Ids in paths and queries are bounded like /v1's (a 64-bit overflow is a 422, never a 500).
ListingId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
SnapshotId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
ShownId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
ShownCount = Annotated[int | None, Query(ge=1, le=100_000)]

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined)


def normalised(text: str) -> str:
    """The text as the classifier sees it (width, script and spacing folded)."""
    return normalize_text(text)


def page_language(request: Request) -> str:
    """The language a review page is shown in: ?lang=, then the cookie, then Accept-Language."""
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language", ""))


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language, with strict security headers."""
    lang = page_language(request)
    html = templates.get_template(name).render(
        t=translator(lang), lang=lang, languages=LANGUAGES, request_path=request.url.path,
        species_name=lambda name: species_name(name, lang), evidence=lambda reason: evidence_parts(reason, lang),
        query=dict(request.query_params), **{"view": None, "user": None, **context},
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/review", httponly=True, samesite="strict")
    return response


def _view(view: str | None) -> str:
    return view if view in VIEWS else "flagged"


@router.get("/static/{name}")
def get_static(name: str) -> Response:
    """The UI's one script and one stylesheet (no build step)."""
    if name not in STATIC_TYPES:
        raise NotFound(f"no static file {name}")
    return Response((HERE / "static" / name).read_bytes(), media_type=STATIC_TYPES[name],
                    headers={"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"})


def login_page(request: Request, error: str | None = None, status: int = 200, next_path: str | None = None) -> Response:
    token = auth.login_token(request)
    next_path = auth.safe_next(next_path if next_path is not None else request.query_params.get("next"))
    page = render(request, "login.html", status=status, csrf=token, error=error, user=None, next_path=next_path)
    auth.set_login_cookie(request, page, token)
    return page


@router.get("/login")
def get_login(request: Request) -> Response:
    return login_page(request)


@router.post("/login")
def post_login(
    request: Request, session: SessionDep, api_key: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Exchange an API key for a session cookie: moderators and admins review, analysts read the reports."""
    t = translator(page_language(request))
    if not auth.same_origin(request) or not auth.login_token_ok(request, csrf):
        return login_page(request, t("csrf_failed"), status=403, next_path=next)
    key = authenticate(session, api_key.strip())
    if key is None or not role_allows(key.role, "analyst"):
        logger.info("review login refused (%s)", "unknown key" if key is None else f"role {key.role}")
        return login_page(request, t("login_failed"), status=401, next_path=next)
    moderator = role_allows(key.role, "moderator")
    target = auth.safe_next(next)
    if target is None or (not moderator and not target.startswith("/reports/")):
        target = "/review" if moderator else "/reports/latest/"
    response = RedirectResponse(target, status_code=303)
    auth.start_session(request, response, key)
    logger.info("review login by key %d", key.id)
    return response


@router.post("/logout")
def post_logout(
    request: Request, session: SessionDep, user: ReviewerDep, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """End the session: this key's cookies stop working everywhere at once."""
    if not auth.csrf_ok(user, csrf):
        return render(request, "error.html", status=403, user=user, message=translator(page_language(request))("csrf_failed"))
    response = auth.to_login()
    auth.end_session(response, session, user)
    logger.info("review logout by key %d", user.key_id)
    return response


@router.get("")
def get_queue(
    request: Request, session: SessionDep, user: ReviewerDep, view: Annotated[str | None, Query(max_length=20)] = None,
    done: ShownId = None, bulk: ShownCount = None, undone: ShownCount = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The queue, a page at a time: flagged listings by priority, the uncertain ones for active learning,
    or escalations."""
    view = _view(view)
    total = queue_size(session, view=view)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    items = review_queue(session, view=view, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    histories = {item.seller.id: seller_history(session, item.seller.id) for item in items if item.seller}
    listing_ids = [item.listing.id for item in items]
    photos = listing_photo_shas(session, listing_ids, per_listing=3)
    same_photo = image_matches_by_listing(session, listing_ids, limit=QUEUE_SAME_PHOTO)
    rows = []
    for item in items:
        terms = evidence_terms(item.listing.reasons or [], item.listing.title)
        rows.append({"item": item, "title": highlight(item.listing.title, terms),
                     "history": histories.get(item.seller.id) if item.seller else None,
                     "photos": photos.get(item.listing.id, []),
                     "same_photo": _with_sellers(session, same_photo.get(item.listing.id, []))})
    return render(request, "queue.html", user=user, view=view, rows=rows, done=done, bulk=bulk, undone=undone,
                  threshold=current_threshold(session), page=page, pages=pages, total=total)


@router.get("/listings/{listing_id}")
def get_listing_page(
    listing_id: ListingId, request: Request, session: SessionDep, user: ReviewerDep,
    view: Annotated[str | None, Query(max_length=20)] = None, done: ShownId = None, bulk: ShownCount = None,
    undone: ShownCount = None,
) -> Response:
    """One listing with its evidence, the seller's history and network, and the decision form."""
    view = _view(view)
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"no listing {listing_id}")
    seller = session.get(Seller, listing.seller_id) if listing.seller_id else None
    snapshot = session.get(Snapshot, listing.snapshot_id) if listing.snapshot_id else None
    species = [s for s in (listing.species or "").split(";") if s]
    reasons = list(listing.reasons or [])
    normal_title, normal_description = normalised(listing.title), normalised(listing.description)
    terms = evidence_terms(reasons, f"{listing.title}\n{listing.description}\n{normal_title}\n{normal_description}")
    queue_ids = [item.listing.id for item in review_queue(session, view=view, limit=200)]
    position = queue_ids.index(listing_id) if listing_id in queue_ids else -1
    threshold = current_threshold(session)
    previous = list(session.scalars(select(Review).where(Review.listing_id == listing_id).order_by(Review.id.desc())))
    prior = prior_decisions(session, [listing]).get(listing.id)
    photos = [view.image.sha256 for view in listing_images(session, listing) if view.image is not None]
    return render(
        request, "listing.html", user=user, view=view, listing=listing, seller=seller, snapshot=snapshot,
        history=seller_history(session, seller.id) if seller else None, species=species, reasons=reasons,
        title=highlight(listing.title, terms), description=highlight(listing.description, terms),
        normal_title=highlight(normal_title, terms), normal_description=highlight(normal_description, terms),
        priority=priority(listing.score, species), threshold=threshold,
        uncertain=listing.score is not None and abs(listing.score - threshold) <= UNCERTAIN_MARGIN,
        decisions=DECISIONS, reasons_by_decision=REASONS, previous=previous, prior=prior, done=done, bulk=bulk,
        undone=undone, network=listing_network(session, listing),
        photos=photos, same_photo_links=_same_photo(session, listing_id),
        prev_id=queue_ids[position - 1] if position > 0 else None,
        next_id=queue_ids[position + 1] if 0 <= position < len(queue_ids) - 1 else (
            queue_ids[0] if position < 0 and queue_ids else None),
    )


def _same_photo(session: SessionDep, listing_id: int) -> list[dict[str, Any]]:
    """Other listings carrying one of this listing's photos, with their sellers' names, for "same photo as" links."""
    return _with_sellers(session, image_matches_by_listing(session, [listing_id], limit=50).get(listing_id, []))


def _with_sellers(session: SessionDep, matches: list[ImageMatchView]) -> list[dict[str, Any]]:
    if not matches:
        return []
    seller_ids = {m.seller_id for m in matches if m.seller_id is not None}
    names = {sid: name for sid, name in session.execute(select(Seller.id, Seller.name).where(Seller.id.in_(seller_ids)))}
    return [{"match": m, "seller": names.get(m.seller_id) if m.seller_id is not None else None} for m in matches]


@router.get("/images/{sha256}")
def get_image(
    sha256: Annotated[str, PathParam(pattern="^[0-9a-fA-F]{64}$")], request: Request, session: SessionDep,
    user: ReviewerDep,
) -> Response:
    """A listing photo for the review pages (the same bytes and headers as ``/v1/images/{sha256}``)."""
    record = get_image_record(session, sha256)
    return image_response(record.sha256, ImageStore(request.app.state.settings.images.dir).read(record.path))


@router.get("/images/{sha256}/thumbnail")
def get_thumbnail(
    sha256: Annotated[str, PathParam(pattern="^[0-9a-fA-F]{64}$")], request: Request, session: SessionDep,
    user: ReviewerDep,
) -> Response:
    """A small JPEG of a listing photo (made once, then cached beside the photos): what the queue and
    listing pages show, so a page of 50 rows does not send 150 full-size photos."""
    record = get_image_record(session, sha256)
    data = ImageStore(request.app.state.settings.images.dir).thumbnail(record.path, record.sha256)
    return Response(data, media_type="image/jpeg", headers=IMAGE_HEADERS | {
        "Content-Disposition": f'inline; filename="thumbnail-{record.sha256[:16]}.jpg"'})


@router.post("/listings/{listing_id}/decision")
def post_decision(
    listing_id: ListingId, request: Request, session: SessionDep, user: ReviewerDep,
    decision: Annotated[str, Form(max_length=20)] = "", reason: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=4000)] = "", csrf: Annotated[str, Form(max_length=200)] = "",
    bulk_seller: Annotated[bool, Form()] = False, view: Annotated[str, Form(max_length=20)] = "flagged",
) -> Response:
    """Record a decision (or one for all of the seller's flagged, unreviewed listings), then show the next."""
    t = translator(page_language(request))
    if not auth.same_origin(request) or not auth.csrf_ok(user, csrf):
        return render(request, "error.html", status=403, user=user, message=t("csrf_failed"))
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"no listing {listing_id}")
    view = _view(view)
    if decision not in DECISIONS or reason not in REASONS[decision]:
        return render(request, "error.html", status=422, user=user,
                      message=f"{t('decision')}/{t('reason')}: {decision or '-'} / {reason or '-'}")
    count = 1
    if bulk_seller and listing.seller_id is not None:
        batch = secrets.token_hex(8)  # one Undo takes the whole bulk decision back
        reviews = record_seller_reviews(session, listing.seller_id, decision=decision, reason=reason,
                                        reviewer=user.name, note=note, api_key_id=user.key_id, batch=batch)
        if listing_id not in {r.listing_id for r in reviews}:
            reviews.append(record_review(session, listing_id, decision=decision, reason=reason, reviewer=user.name,
                                         note=note, api_key_id=user.key_id, batch=batch))
        count = len(reviews)
    else:
        record_review(session, listing_id, decision=decision, reason=reason, reviewer=user.name, note=note,
                      api_key_id=user.key_id)
    session.flush()
    logger.info("review: key %d marked %d listing(s) %s", user.key_id, count, decision)
    remaining = review_queue(session, view=view, limit=1)
    suffix = f"view={view}&done={listing_id}" + (f"&bulk={count}" if count > 1 else "")
    target = f"/review/listings/{remaining[0].listing.id}?{suffix}" if remaining else f"/review?{suffix}"
    return RedirectResponse(target, status_code=303)


@router.post("/undo")
def post_undo(
    request: Request, session: SessionDep, user: ReviewerDep, csrf: Annotated[str, Form(max_length=200)] = "",
    view: Annotated[str, Form(max_length=20)] = "flagged",
) -> Response:
    """Take back this moderator's last decision (within a minute) and reopen the listing to decide again."""
    t = translator(page_language(request))
    if not auth.same_origin(request) or not auth.csrf_ok(user, csrf):
        return render(request, "error.html", status=403, user=user, message=t("csrf_failed"))
    try:
        reviews = undo_last_decision(session, api_key_id=user.key_id, reviewer=user.name)
    except Conflict:
        return render(request, "error.html", status=409, user=user, message=t("undo_too_late"))
    session.flush()
    logger.info("review: key %d undid its decision on %d listing(s)", user.key_id, len(reviews))
    return RedirectResponse(f"/review/listings/{reviews[0].listing_id}?view={_view(view)}&undone={len(reviews)}",
                            status_code=303)


@router.get("/alerts")
def get_alerts(request: Request, session: SessionDep, user: ReviewerDep) -> Response:
    """Deliveries whose last attempt failed, and the outbox totals."""
    return render(request, "alerts.html", user=user, counts=delivery_counts(session),
                  problems=list_deliveries(session, problems_only=True, limit=200), view="alerts")


@router.get("/snapshots/{snapshot_id}")
def get_snapshot(snapshot_id: SnapshotId, request: Request, session: SessionDep, user: ReviewerDep) -> Response:
    """The stored page as plain text in a sandbox: evidence to read, never to run."""
    snapshot = session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(f"no snapshot {snapshot_id}")
    body = SnapshotStore(request.app.state.settings.crawler.snapshot_dir).read(snapshot.path)
    charset = snapshot.encoding or "utf-8"
    return Response(body, media_type=f"text/plain; charset={charset}", headers={
        "Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store", "X-WildWatch-SHA256": snapshot.sha256,
    })
