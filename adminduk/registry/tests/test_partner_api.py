"""The partner API: tokens, scopes, allowed fields, rate limit, verification, lookup."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from adminduk.accounts.tokens import issue_token, revoke_token
from adminduk.audit.models import AuditEntry
from adminduk.testing import CAKUNG_BARAT, GAMBIR, make_family, make_person

PERSON_URL = "/api/registry/persons/{}"
VERIFY_URL = "/api/registry/verify"


@pytest.fixture
def people(cast):
    gambir = make_person(make_family(GAMBIR), name="Muhammad Yusuf", birth_date=dt.date(1990, 5, 17),
                         mother_name="Siti Aminah")
    cakung = make_person(make_family(CAKUNG_BARAT), name="Dewi Lestari", birth_date=dt.date(1978, 1, 2))
    return {"gambir": gambir, "cakung": cakung}


def token_for(user, scopes=("registry.read",), fields=("nik", "name", "birth_date", "kelurahan_code"), rate=600,
              **kw):
    return issue_token(user, institution=kw.pop("institution", "Uji"), name="uji", scopes=list(scopes),
                       fields=list(fields), rate_limit_per_minute=rate, **kw)


def call(client, method, url, secret=None, body=None, purpose="uji layanan", **headers):
    if secret is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    if purpose:
        headers["HTTP_X_PURPOSE"] = purpose
    if method == "get":
        response = client.get(url, **headers)
    else:
        response = client.post(url, json.dumps(body), content_type="application/json", **headers)
    return response.status_code, response.json()


def assert_error_shape(data, code):
    assert set(data) >= {"code", "message"} and data["code"] == code and data["message"]


# --- authentication ---------------------------------------------------------------------

@pytest.mark.django_db
def test_a_call_without_a_token_is_refused_with_a_json_error_and_audited(client, people):
    status, data = call(client, "get", PERSON_URL.format(people["gambir"].nik))
    assert status == 401
    assert_error_shape(data, "token_missing")
    assert AuditEntry.objects.filter(action="api.auth_failed").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["adk_deadbeef_wrongsecret", "not-a-token", "adk_x_y"])
def test_an_invalid_token_is_refused(client, people, secret):
    status, data = call(client, "get", PERSON_URL.format(people["gambir"].nik), secret)
    assert status == 401
    assert_error_shape(data, "token_invalid")


@pytest.mark.django_db
def test_a_right_prefix_with_a_wrong_secret_is_refused(client, cast, people):
    token, secret = token_for(cast["officer_gambir"])
    status, data = call(client, "get", PERSON_URL.format(people["gambir"].nik), secret[:-2] + "xx")
    assert status == 401 and data["code"] == "token_invalid"


@pytest.mark.django_db
def test_a_revoked_token_is_refused(client, cast, people):
    token, secret = token_for(cast["officer_gambir"])
    revoke_token(token.prefix, reason="uji")
    status, data = call(client, "get", PERSON_URL.format(people["gambir"].nik), secret)
    assert status == 401
    assert_error_shape(data, "token_revoked")


@pytest.mark.django_db
def test_an_expired_token_is_refused(client, cast, people):
    token, secret = token_for(cast["officer_gambir"], expires_at=timezone.now() - dt.timedelta(seconds=1))
    status, data = call(client, "get", PERSON_URL.format(people["gambir"].nik), secret)
    assert status == 401
    assert_error_shape(data, "token_expired")


@pytest.mark.django_db
def test_a_token_of_a_deactivated_user_is_refused(client, cast, people):
    token, secret = token_for(cast["officer_gambir"])
    cast["officer_gambir"].is_active = False
    cast["officer_gambir"].save()
    status, _ = call(client, "get", PERSON_URL.format(people["gambir"].nik), secret)
    assert status == 401


# --- person lookup ----------------------------------------------------------------------

@pytest.mark.django_db
def test_an_officer_token_reads_a_resident_of_its_kelurahan_with_only_the_allowed_fields(client, cast, people):
    _, secret = token_for(cast["officer_gambir"], fields=("nik", "name"))
    person = people["gambir"]
    status, data = call(client, "get", PERSON_URL.format(person.nik), secret)
    assert status == 200
    assert data == {"person": {"nik": person.nik, "name": "Muhammad Yusuf"}}
    entry = AuditEntry.objects.get(action="person.read")
    assert entry.niks == person.nik and entry.token_prefix and entry.purpose == "uji layanan"
    assert entry.username == "gambir"


@pytest.mark.django_db
def test_a_lookup_outside_the_tokens_jurisdiction_is_refused_and_audited(client, cast, people):
    _, secret = token_for(cast["officer_gambir"])
    status, data = call(client, "get", PERSON_URL.format(people["cakung"].nik), secret)
    assert status == 403
    assert_error_shape(data, "out_of_jurisdiction")
    assert "Dewi" not in json.dumps(data)
    assert AuditEntry.objects.filter(action="person.read.refused", niks=people["cakung"].nik).exists()


@pytest.mark.django_db
def test_a_sudin_token_reads_its_kota_but_not_another(client, cast, people):
    _, secret = token_for(cast["sudin_jaktim"])
    assert call(client, "get", PERSON_URL.format(people["cakung"].nik), secret)[0] == 200
    assert call(client, "get", PERSON_URL.format(people["gambir"].nik), secret)[0] == 403


@pytest.mark.django_db
def test_a_dinas_token_reads_all_of_dki(client, cast, people):
    _, secret = token_for(cast["dinas"])
    for person in people.values():
        assert call(client, "get", PERSON_URL.format(person.nik), secret)[0] == 200


@pytest.mark.django_db
def test_an_unknown_nik_is_404_and_audited(client, cast, people):
    _, secret = token_for(cast["dinas"])
    status, data = call(client, "get", PERSON_URL.format("3171010101010999"), secret)
    assert status == 404
    assert_error_shape(data, "not_found")
    assert AuditEntry.objects.filter(action="person.read.not_found").exists()


@pytest.mark.django_db
def test_a_malformed_nik_is_422_naming_the_field(client, cast, people):
    _, secret = token_for(cast["dinas"])
    status, data = call(client, "get", PERSON_URL.format("12345"), secret)
    assert status == 422
    assert_error_shape(data, "validation_error")
    assert "nik" in data["message"]


@pytest.mark.django_db
def test_a_lookup_without_a_purpose_is_400(client, cast, people):
    _, secret = token_for(cast["dinas"])
    status, data = call(client, "get", PERSON_URL.format(people["gambir"].nik), secret, purpose="")
    assert status == 400
    assert_error_shape(data, "purpose_required")
    assert not AuditEntry.objects.filter(action="person.read").exists()


@pytest.mark.django_db
def test_the_purpose_may_be_a_query_parameter(client, cast, people):
    _, secret = token_for(cast["dinas"])
    url = PERSON_URL.format(people["gambir"].nik) + "?purpose=pelayanan+KK"
    status, _ = call(client, "get", url, secret, purpose="")
    assert status == 200
    assert AuditEntry.objects.get(action="person.read").purpose == "pelayanan KK"


@pytest.mark.django_db
def test_a_token_without_the_read_scope_cannot_look_up(client, cast, people):
    _, secret = token_for(cast["dinas"], scopes=("registry.verify",))
    status, data = call(client, "get", PERSON_URL.format(people["gambir"].nik), secret)
    assert status == 403
    assert_error_shape(data, "scope_denied")
    assert AuditEntry.objects.filter(action="api.scope_refused").exists()


@pytest.mark.django_db
def test_a_partner_user_never_gets_a_read_token(cast):
    with pytest.raises(ValueError, match="registry.read"):
        token_for(cast["kpu"])
    with pytest.raises(ValueError, match="registry.read"):
        token_for(cast["dprd"])


# --- verification -----------------------------------------------------------------------

@pytest.fixture
def verifier(cast):
    _, secret = token_for(cast["kpu"], scopes=("registry.verify",), fields=("name", "birth_date", "mother_name"),
                          institution="Bank Uji")
    return secret


@pytest.mark.django_db
def test_verification_answers_match_per_field_without_revealing_values(client, people, verifier):
    nik = people["gambir"].nik
    status, data = call(client, "post", VERIFY_URL, verifier,
                        {"nik": nik, "name": "Moh. Yusuf", "birth_date": "1990-05-17"})
    assert status == 200
    assert data == {"nik": "found", "fields": {"name": "match", "birth_date": "match"}}
    status, data = call(client, "post", VERIFY_URL, verifier,
                        {"nik": nik, "name": "Ahmad Yusuf", "birth_date": "1990-05-18", "mother_name": "Siti Aminah"})
    assert data == {"nik": "found", "fields": {"name": "no_match", "birth_date": "no_match",
                                               "mother_name": "match"}}
    assert "1990" not in json.dumps(data) and "Yusuf" not in json.dumps(data)


@pytest.mark.django_db
def test_verification_of_an_unknown_nik_says_not_found(client, people, verifier):
    status, data = call(client, "post", VERIFY_URL, verifier, {"nik": "3171010101010999", "name": "Siapa"})
    assert status == 200 and data == {"nik": "not_found", "fields": {}}


@pytest.mark.django_db
def test_verification_is_audited_with_the_outcome_not_the_claimed_values(client, people, verifier):
    nik = people["gambir"].nik
    call(client, "post", VERIFY_URL, verifier, {"nik": nik, "name": "Muhamad Yusuf"})
    entry = AuditEntry.objects.get(action="person.verify")
    assert entry.niks == nik and entry.query == "name=match" and entry.username == "kpu"
    assert "Yusuf" not in entry.query


@pytest.mark.django_db
def test_verification_refuses_a_field_outside_the_allowed_list(client, people, verifier):
    status, data = call(client, "post", VERIFY_URL, verifier,
                        {"nik": people["gambir"].nik, "birth_place": "Jakarta"})
    assert status == 403
    assert_error_shape(data, "field_not_allowed")
    assert "birth_place" in data["message"]


@pytest.mark.django_db
def test_verification_needs_at_least_one_field_and_valid_input(client, people, verifier):
    status, data = call(client, "post", VERIFY_URL, verifier, {"nik": people["gambir"].nik})
    assert status == 422 and data["code"] == "validation_error"
    status, data = call(client, "post", VERIFY_URL, verifier, {"nik": people["gambir"].nik, "birth_date": "17-05-1990"})
    assert status == 422 and "birth_date" in data["message"]
    status, data = call(client, "post", VERIFY_URL, verifier, {"name": "x"})
    assert status == 422 and "nik" in data["message"]


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_400(client, people, verifier):
    response = client.post(VERIFY_URL, "{nik:", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {verifier}", HTTP_X_PURPOSE="uji")
    assert response.status_code == 400
    assert_error_shape(response.json(), "bad_request")


@pytest.mark.django_db
def test_a_read_only_token_cannot_verify(client, cast, people):
    _, secret = token_for(cast["dinas"], scopes=("registry.read",))
    status, data = call(client, "post", VERIFY_URL, secret, {"nik": people["gambir"].nik, "name": "x"})
    assert status == 403 and data["code"] == "scope_denied"


# --- rate limit -------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_rate_limit_refuses_calls_beyond_the_limit_until_the_next_minute(client, cast, people):
    _, secret = token_for(cast["dinas"], rate=3)
    url = PERSON_URL.format(people["gambir"].nik)
    with time_machine.travel(dt.datetime(2026, 11, 28, 9, 0, 5, tzinfo=dt.UTC), tick=False) as clock:
        assert [call(client, "get", url, secret)[0] for _ in range(3)] == [200, 200, 200]
        status, data = call(client, "get", url, secret)
        assert status == 429
        assert_error_shape(data, "rate_limited")
        assert AuditEntry.objects.filter(action="api.rate_limited").count() == 1
        clock.move_to(dt.datetime(2026, 11, 28, 9, 1, 0, tzinfo=dt.UTC))
        assert call(client, "get", url, secret)[0] == 200


@pytest.mark.django_db
def test_the_rate_limit_is_per_token(client, cast, people):
    _, first = token_for(cast["dinas"], rate=1)
    _, second = token_for(cast["dinas"], rate=1)
    url = PERSON_URL.format(people["gambir"].nik)
    with time_machine.travel(dt.datetime(2026, 11, 28, 9, 0, 5, tzinfo=dt.UTC), tick=False):
        assert call(client, "get", url, first)[0] == 200
        assert call(client, "get", url, first)[0] == 429
        assert call(client, "get", url, second)[0] == 200


@pytest.mark.django_db(transaction=True)
def test_calls_outside_a_transaction_count_and_audit_in_one_step(client, cast, people):
    # Served outside any transaction, as in production: on PostgreSQL the count and the
    # audit row are then one server-side statement (audit migration 0003). Every outcome
    # must leave exactly its own row, hashed as the verifier expects.
    from adminduk.audit import chain

    _, secret = token_for(cast["officer_gambir"], rate=4)
    url = PERSON_URL.format(people["gambir"].nik)
    with time_machine.travel(dt.datetime(2026, 11, 28, 9, 0, 5, tzinfo=dt.UTC), tick=False):
        status, data = call(client, "get", url, secret)
        assert status == 200 and data["person"]["name"] == "Muhammad Yusuf"
        assert call(client, "get", PERSON_URL.format("3171011705909999"), secret)[0] == 404
        assert call(client, "get", PERSON_URL.format(people["cakung"].nik), secret)[0] == 403
        assert call(client, "get", url, secret)[0] == 200
        status, data = call(client, "get", url, secret)
        assert status == 429 and "person" not in data
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", "niks", "row_count"))
    assert [a for a, _, _ in actions if a.startswith(("person.read", "api.rate"))] == [
        "person.read", "person.read.not_found", "person.read.refused", "person.read", "api.rate_limited"]
    refused = AuditEntry.objects.get(action="api.rate_limited")
    assert refused.niks == "" and refused.row_count == 0 and refused.query == url
    assert not refused.subjects.exists()
    result = chain.verify(save=False)
    assert result.ok, result.message


@pytest.mark.django_db
def test_the_token_endpoint_describes_the_token(client, cast):
    _, secret = token_for(cast["dinas"], fields=("nik",), rate=42, institution="Dinas Dukcapil")
    status, data = call(client, "get", "/api/accounts/token", secret)
    assert status == 200
    assert data == {"institution": "Dinas Dukcapil", "username": "dinas.admin", "scopes": ["registry.read"],
                    "allowed_fields": ["nik"], "rate_limit_per_minute": 42}


@pytest.mark.django_db
def test_the_openapi_document_lists_the_partner_endpoints(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/registry/verify" in paths and "/api/registry/persons/{nik}" in paths


@pytest.mark.django_db
def test_the_production_wsgi_app_serves_the_api_through_its_slim_stack(cast, people):
    import io
    import sys

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from adminduk.wsgi import application

    _, secret = token_for(cast["officer_gambir"], fields=("nik",))

    def get(path, **extra):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
                   "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
                   "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.9.8.7", **extra}
        status = []
        # As Django's test client does: keep the test transaction's connection open.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            body = b"".join(application(environ, lambda s, h: status.append((s, dict(h)))))
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return status[0][0], status[0][1], body

    status, headers, body = get(PERSON_URL.format(people["gambir"].nik), HTTP_AUTHORIZATION=f"Bearer {secret}",
                                HTTP_X_PURPOSE="uji")
    assert status.startswith("200") and json.loads(body) == {"person": {"nik": people["gambir"].nik}}
    assert headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in headers
    assert "Set-Cookie" not in headers
    assert AuditEntry.objects.get(action="person.read").ip == "10.9.8.7"
    # A staff page still goes through the full stack (login required → redirect).
    status, headers, _ = get("/audit/")
    assert status.startswith("302")
