import pytest

from adminduk.accounts.tokens import issue_token
from adminduk.cardstock.testing import queue_of_prrs, stores

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_backlog_api_gives_aggregates_per_kota_without_names(client, cast):
    stores()
    queue_of_prrs(3, actor=cast["dinas"])
    _, secret = issue_token(cast["dinas"], institution="Dinas", name="uji", scopes=["registry.verify"], fields=["nik"])
    response = client.get("/api/cardstock/backlog", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    rows = {r["code"]: r for r in response.json()["rows"]}
    assert rows["31.71"]["backlog"] == 3 and rows["31"]["backlog"] == 3
    assert "Warga Uji" not in response.content.decode()
    assert client.get("/api/cardstock/backlog").status_code == 401
    unknown = client.get("/api/cardstock/scenario/tidak-ada", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_scenario"
