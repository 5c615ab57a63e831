"""Blanko figures for partners and dashboards: aggregates only (no personal data), so
any valid token may read them; every call is audited like the rest of the API."""

import datetime as dt

from ninja import Router, Schema

from adminduk.accounts.api import ApiError, token_auth
from adminduk.audit.actions import client_ip, record

from . import forecast, planning

router = Router(tags=["cardstock"], auth=token_auth)


class KotaOut(Schema):
    code: str
    name: str
    stock: int
    backlog: int
    suket_open: int
    suket_expiring: int
    capacity: int
    demand_per_day: float
    days_of_cover: float | None
    cleared_on: dt.date | None


class BacklogOut(Schema):
    as_of: dt.date
    rows: list[KotaOut]


@router.get("/backlog", response=BacklogOut, summary="Stok, hutang cetak, Suket dan prakiraan per kota dan DKI")
def backlog(request):
    state = planning.current_state()
    rows = planning.kota_figures(state, forecast.simulate(state.params))
    record(request.auth, "api.blanko.backlog", object_type="blanko", purpose="ringkasan blanko", row_count=len(rows),
           ip=client_ip(request))
    return {"as_of": state.params.start, "rows": rows}


@router.get("/scenario/{name}", summary="Jawaban skenario (mis. seed-2023) dengan semua asumsinya")
def scenario(request, name: str):
    try:
        report = planning.run_scenario(name)
    except ValueError as exc:
        raise ApiError(404, "unknown_scenario", str(exc)) from None
    report.pop("_result")
    record(request.auth, "api.blanko.scenario", object_type="blanko", purpose=f"skenario {name}", row_count=1,
           ip=client_ip(request))
    return report
