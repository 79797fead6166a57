"""Entity resolution in the browser: the review queue, a pair's waterfall, decisions and undo.

Every page works as plain links and forms (with the CSRF token); ``/static/review.js`` only
adds the keys S, D, N (decide), J, K (next, previous pair) and ? (the key list).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre.errors import InvalidValue, NotFound
from nervecentre.resolve import registry, review
from nervecentre.resolve.views import decided_pair
from nervecentre.security.fields import cipher_for
from nervecentre.security.roles import require
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors, read_form
from nervecentre.web.params import MAX_ID, RecordId
from nervecentre.web.templating import render

router = APIRouter(prefix="/resolve")
Who = Annotated[Caller, Depends(page_caller)]
Position = Annotated[int, Query(ge=0, le=1_000_000)]
PairId = Annotated[int, Query(ge=1, le=MAX_ID)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
UPCOMING = 12
VERDICT_WORDS = {"same": "Same person", "different": "Different people", "unsure": "Not sure"}


def waterfall(explained: review.Explanation) -> dict[str, Any]:
    """Bars of a waterfall chart in a 0–100 box: each step starts where the last ended."""
    steps, total = [], 0.0
    for part in explained.contributions:
        steps.append((part, total, total + part.bits))
        total += part.bits
    ends = [0.0, total, *(x for _, s, e in steps for x in (s, e))]
    low, high = min(ends), max(ends)
    span = (high - low) or 1.0

    def at(bits: float) -> float:
        return round(100 * (bits - low) / span, 2)

    rows = [
        {
            "feature": part.feature,
            "meaning": part.meaning,
            "bits": part.bits,
            "x": at(min(start, end)),
            "w": round(abs(end - start) * 100 / span, 2),
            "up": part.bits >= 0,
        }
        for part, start, end in steps
    ]
    final = {"x": at(min(0.0, total)), "w": max(round(abs(total) * 100 / span, 2), 0.4)}
    return {"rows": rows, "zero": at(0.0), "total": total, "final": final}


async def _explain(request: Request, who: Caller, a: int, b: int) -> review.Explanation:
    db = database(request)
    return await run_in_threadpool(review.explanation, db, who.user, cipher_for(db.settings), a, b)


async def _pair_context(request: Request, who: Caller, a: int, b: int) -> dict[str, Any]:
    db = database(request)
    left, right = await run_in_threadpool(
        review.pair_facts, db, who.user, a, b, ip=client_ip(request)
    )
    explained = await _explain(request, who, a, b)
    standing = await run_in_threadpool(decided_pair, db, a, b)
    return {
        "left": left,
        "right": right,
        "explained": explained,
        "chart": waterfall(explained),
        "standing": standing,
        "verdicts": VERDICT_WORDS,
    }


@router.get("/review")
async def review_page(request: Request, who: Who, at: Position = 0) -> Response:
    """The review queue: one pair side by side with its waterfall, the next ones listed."""
    return await _review(request, who, at)


async def _review(
    request: Request, who: Caller, at: int, *, errors: dict[str, str] | None = None, **extra: Any
) -> Response:
    db = database(request)
    window = await run_in_threadpool(
        review.review_queue, db, who.user, page=at // UPCOMING + 1, per_page=UPCOMING
    )
    if window.total and at >= window.total:  # past the end (the queue shrank): the last pair
        at = window.total - 1
        window = await run_in_threadpool(
            review.review_queue, db, who.user, page=at // UPCOMING + 1, per_page=UPCOMING
        )
    current = next((p for p in window.pairs if p.position == at), None)
    context: dict[str, Any] = {
        "queue": window,
        "total": window.total,
        "at": at,
        "current": current,
        "errors": errors or {},
        "values": extra.pop("values", {}),
        "verdicts": VERDICT_WORDS,
        "back": "review",
        **extra,
    }
    if current is not None:
        context.update(await _pair_context(request, who, current.person_a, current.person_b))
    return render(request, "resolve_review.html", context, status=422 if errors else 200)


@router.get("/pair")
async def pair_page(request: Request, who: Who, a: PairId, b: PairId) -> Response:
    """Two records side by side, why the model scores them so, and the decision buttons."""
    if a == b:
        raise NotFound("a pair needs two different records")
    return await _pair(request, who, a, b)


async def _pair(
    request: Request, who: Caller, a: int, b: int, *, errors: dict[str, str] | None = None
) -> Response:
    context = await _pair_context(request, who, a, b)
    context.update(errors=errors or {}, values={}, back="pair", at=0)
    return render(request, "resolve_pair.html", context, status=422 if errors else 200)


def _int(data: dict[str, str], key: str) -> int:
    text = data.get(key, "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise InvalidValue(f"{key} must be a record id", kind=key)
    return int(text)


def _back(data: dict[str, str], a: int, b: int) -> str:
    """Where to go after a decision: the queue at the same place (the next pair), or back."""
    where = data.get("back", "")
    if where == "person":
        return f"/people/{_int(data, 'person')}"
    if where == "pair":
        return f"/resolve/pair?a={a}&b={b}"
    position = data.get("at", "0")
    return f"/resolve/review?at={int(position) if position.isdigit() else 0}"


@router.post("/decisions")
async def decide(request: Request, who: Who) -> Response:
    """Record "same person", "different people" or "not sure" on two records (audited)."""
    data = await read_form(request, who)
    require(who.user, "resolve.decide")
    a, b = _int(data, "a"), _int(data, "b")
    target = _back(data, a, b)  # checked before anything is recorded
    try:
        await run_in_threadpool(
            review.record_decision,
            database(request),
            who.user,
            a,
            b,
            data.get("verdict", ""),
            data.get("note", ""),
        )
    except InvalidValue as exc:
        errors = field_errors(exc)
        if data.get("back") == "review":
            position = data.get("at", "0")
            at = int(position) if position.isdigit() else 0
            return await _review(request, who, at, errors=errors, values=data)
        return await _pair(request, who, a, b, errors=errors)
    return RedirectResponse(target, status_code=303)


@router.get("/decisions")
async def decisions_page(request: Request, who: Who, page: PageNo = 1) -> Response:
    """Decisions on records you may see, newest first, each standing one with an Undo button."""
    total, rows = await run_in_threadpool(
        review.decisions_history, database(request), who.user, page=page, per_page=50
    )
    context = {
        "decisions": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // 50)),
        "verdicts": VERDICT_WORDS,
        "undone": request.query_params.get("undone", ""),
    }
    return render(request, "resolve_decisions.html", context)


@router.post("/decisions/{decision_id}/undo")
async def undo(request: Request, who: Who, decision_id: RecordId) -> Response:
    """Undo a decision (kept in the history, marked undone; audited)."""
    data = await read_form(request, who)
    target = f"/resolve/decisions?undone={decision_id}"
    if data.get("back") == "person":
        target = f"/people/{_int(data, 'person')}"
    await run_in_threadpool(registry.undo, database(request), who.user, decision_id)
    return RedirectResponse(target, status_code=303)
