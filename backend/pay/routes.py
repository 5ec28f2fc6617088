"""Pay endpoints: one's own earnings, the organization's payouts, lease heartbeats."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi import APIRouter, Query, Request, Response, status

from backend import clock
from backend.accounts.deps import CurrentUser, SessionDep
from backend.orgs.deps import OrgManager
from backend.pay import earnings, payouts, working_time
from backend.pay.earnings import Sums
from backend.pay.money import text
from backend.pay.schemas import (
    DayEarnings,
    EarningsAnswer,
    HeartbeatAnswer,
    HeartbeatBody,
    PayoutReport,
    PayoutRow,
    PeriodBody,
    PeriodPublic,
)
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["pay"], route_class=TransactionEndingRoute)

FROM = Query(default=None, alias="from", description="first day (UTC), default: the 1st")
TO = Query(default=None, alias="to", description="last day (UTC), included; default: today")


def _period(starts: date | None, ends: date | None) -> tuple[date, date]:
    today = clock.now().date()
    ends = ends or today
    starts = starts or ends.replace(day=1)
    payouts.check_period(starts, ends)
    return starts, ends


def _figures(sums: Sums) -> dict[str, object]:
    return {
        "earned": text(sums.earned),
        "reversed": text(sums.reversed),
        "payable": text(sums.payable),
        "paid": text(sums.paid),
        "pending": text(sums.pending),
        "items": sums.items,
        "seconds": sums.seconds,
    }


@router.get("/me/earnings", response_model=EarningsAnswer)
def my_earnings(
    user: CurrentUser,
    session: SessionDep,
    starts: date | None = FROM,
    ends: date | None = TO,
) -> EarningsAnswer:
    """Any signed-in user: their own earnings only, in the organizations they belong to."""
    starts, ends = _period(starts, ends)
    found = earnings.my_earnings(session=session, user_id=user.id, starts=starts, ends=ends)
    total = _figures(found.total)
    return EarningsAnswer(
        currency=found.currency,
        **{k: total[k] for k in ("pending", "payable", "paid", "reversed", "earned", "seconds")},
        by_day=[DayEarnings(day=day, **_figures(s)) for day, s in sorted(found.by_day.items())],
        by_project=[
            {"project_id": pid, "name": found.names.get(pid, ""), **_figures(s)}
            for pid, s in sorted(found.by_project.items())
        ],
    )


@router.get(
    "/orgs/{org_id}/payouts",
    response_model=PayoutReport,
    responses={200: {"content": {"text/csv": {}}}},
)
def payout_report(
    org_id: int,
    manager: OrgManager,
    session: SessionDep,
    request: Request,
    starts: date | None = FROM,
    ends: date | None = TO,
) -> PayoutReport | Response:
    """Owners and managers of the organization; ``Accept: text/csv`` answers a CSV."""
    starts, ends = _period(starts, ends)
    report = payouts.payout_report(session=session, org_id=org_id, starts=starts, ends=ends)
    rows = [
        PayoutRow(
            annotator_id=r.annotator_id,
            name=r.name,
            items=r.items,
            accepted=r.accepted,
            rejected=r.rejected,
            seconds=r.seconds,
            amount=text(r.amount),
            hourly=None if r.hourly is None else text(r.hourly),
        )
        for r in report.rows
    ]
    if "text/csv" in request.headers.get("accept", ""):
        return _csv(report.currency, starts, ends, rows, text(report.total))
    return PayoutReport(
        currency=report.currency,
        starts=starts,
        ends=ends,
        paid=report.paid,
        rows=rows,
        total=text(report.total),
    )


def _csv(currency: str, starts: date, ends: date, rows: list[PayoutRow], total: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ["annotator_id", "name", "items", "accepted", "rejected", "seconds", "hourly"]
    writer.writerow([*columns, "amount", "currency"])
    for row in rows:
        values = row.model_dump()
        writer.writerow([*(_cell(values[c]) for c in columns), row.amount, currency])
    writer.writerow(["total", "", "", "", "", "", "", total, currency])
    name = f"payouts-{starts.isoformat()}-{ends.isoformat()}.csv"
    return Response(
        content="\ufeff" + out.getvalue(),  # a BOM: Excel reads the names as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _cell(value: object) -> object:
    """A spreadsheet never runs a name as a formula (OWASP "CSV injection")."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


@router.post(
    "/orgs/{org_id}/payouts", status_code=status.HTTP_201_CREATED, response_model=PeriodPublic
)
def mark_paid(
    org_id: int, body: PeriodBody, manager: OrgManager, session: SessionDep
) -> PeriodPublic:
    """Owners and managers: the period is paid and locked; overlapping a paid one → 409."""
    period = payouts.mark_paid(
        session=session, org_id=org_id, starts=body.starts, ends=body.ends, actor_id=manager.user_id
    )
    report_currency = payouts.currency_of(session=session, org_id=org_id)
    return PeriodPublic(
        id=period.id,
        org_id=org_id,
        starts=period.starts,
        ends=period.ends,
        total=text(period.total),
        currency=report_currency,
    )


@router.get("/orgs/{org_id}/pay-periods", response_model=list[PeriodPublic])
def paid_periods(org_id: int, manager: OrgManager, session: SessionDep) -> list[PeriodPublic]:
    """Owners and managers: the periods paid so far, latest first."""
    currency = payouts.currency_of(session=session, org_id=org_id)
    return [
        PeriodPublic(
            id=p.id,
            org_id=org_id,
            starts=p.starts,
            ends=p.ends,
            total=text(p.total),
            currency=currency,
        )
        for p in payouts.list_periods(session=session, org_id=org_id)
    ]


@router.post("/assignments/{assignment_id}/heartbeat", response_model=HeartbeatAnswer)
def heartbeat(
    assignment_id: int, user: CurrentUser, session: SessionDep, body: HeartbeatBody | None = None
) -> HeartbeatAnswer:
    """Only the holder of the lease (anyone else in the organization: 403, nothing counted;
    outside it: 404). Any stage's lease: annotate, review, acceptance."""
    beat = working_time.heartbeat(
        session=session,
        assignment_id=assignment_id,
        user_id=user.id,
        final=bool(body and body.final),
    )
    return HeartbeatAnswer(
        assignment_id=beat.assignment_id,
        counted_seconds=beat.counted_seconds,
        total_seconds=beat.total_seconds,
        coalesced=beat.coalesced,
    )
