"""PostgreSQL: the audit append and the API's counted call as server-side functions.

Why: an API call appended its audit row in four round trips (chain lock with the rate
count, head read, insert, commit), all while holding the chain lock that queues every
call; on 2 cores that lock, not the CPU, capped the API at ~900 calls/s. As functions,
the lock is taken and released inside one statement on the server.

`adminduk_audit_append` is the PostgreSQL twin of `audit.actions.record`: take the
chain lock (transaction-scoped, re-entrant), read the head with a fresh snapshot (a
VOLATILE PL/pgSQL function takes one per statement under READ COMMITTED, so the head is
the latest committed one after the wait), stamp `at` under the lock, hash the canonical
text (the same text as `audit.actions.canonical_text`: to_json(text) escapes exactly as
Python's json encoder with ensure_ascii=False; the tests hold them equal), insert the
row and its NIK index rows.

`adminduk_api_call` counts one API call in its token's one-minute window under the same
lock and appends either the call's own row or, over the limit, the refusal row.

The function text is frozen here, like any migration. If the hashed fields ever change,
a new migration replaces the functions together with `canonical_text`.
"""

from django.db import migrations

HASHED_TEXT = """
    '{"action":' || to_json(p_action)::text || ',"at":' || to_json(v_at_text)::text
    || ',"ip":' || to_json(p_ip)::text || ',"niks":' || to_json(p_niks)::text
    || ',"object_type":' || to_json(p_object_type)::text || ',"prev_hash":' || to_json(v_prev)::text
    || ',"purpose":' || to_json(p_purpose)::text || ',"query":' || to_json(p_query)::text
    || ',"role":' || to_json(p_role)::text || ',"row_count":' || coalesce(p_row_count::text, 'null')
    || ',"seq":' || v_seq::text || ','
    || CASE WHEN p_token_prefix <> '' THEN '"token_prefix":' || to_json(p_token_prefix)::text || ',' ELSE '' END
    || '"user_id_ref":' || coalesce(p_user_id_ref::text, 'null') || ',"username":' || to_json(p_username)::text
    || '}'
"""

APPEND = """
CREATE OR REPLACE FUNCTION adminduk_audit_append(
    p_user_id_ref bigint, p_username text, p_role text, p_action text, p_object_type text, p_niks text,
    p_query text, p_row_count integer, p_purpose text, p_ip text, p_token_prefix text, p_subjects text[],
    p_async boolean)
RETURNS TABLE (o_id bigint, o_seq bigint, o_at timestamptz, o_prev_hash text, o_hash text)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_seq bigint; v_prev text; v_at timestamptz; v_at_text text; v_hash text; v_id bigint;
BEGIN
    IF p_async THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    PERFORM pg_advisory_xact_lock(1094995268);  -- 0x41444D44, audit.actions._CHAIN_LOCK_ID
    SELECT e.seq, e.hash INTO v_seq, v_prev FROM audit_auditentry e ORDER BY e.seq DESC LIMIT 1;
    v_seq := coalesce(v_seq, 0) + 1;
    v_prev := coalesce(v_prev, repeat('0', 64));
    v_at := clock_timestamp();
    v_at_text := to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"');
    v_hash := encode(sha256(convert_to(""" + HASHED_TEXT + """, 'UTF8')), 'hex');
    INSERT INTO audit_auditentry (seq, at, user_id_ref, username, role, action, object_type, niks, query,
                                  row_count, purpose, ip, token_prefix, prev_hash, hash)
    VALUES (v_seq, v_at, p_user_id_ref, p_username, p_role, p_action, p_object_type, p_niks, p_query,
            p_row_count, p_purpose, p_ip, p_token_prefix, v_prev, v_hash)
    RETURNING id INTO v_id;
    INSERT INTO audit_auditsubject (entry_id, nik) SELECT v_id, n FROM unnest(p_subjects) AS n;
    RETURN QUERY SELECT v_id, v_seq, v_at, v_prev, v_hash;
END
$fn$;
"""

API_CALL = """
CREATE OR REPLACE FUNCTION adminduk_api_call(
    p_window timestamptz, p_limit integer,
    p_user_id_ref bigint, p_username text, p_role text, p_action text, p_object_type text, p_niks text,
    p_query text, p_row_count integer, p_purpose text, p_ip text, p_token_prefix text, p_subjects text[],
    p_async boolean, p_refused_action text, p_refused_object_type text, p_refused_query text)
RETURNS TABLE (o_calls integer, o_id bigint, o_seq bigint, o_at timestamptz, o_prev_hash text, o_hash text)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_calls integer;
BEGIN
    -- The chain lock first, as every other writer takes it before any window row.
    PERFORM pg_advisory_xact_lock(1094995268);
    INSERT INTO audit_apicallwindow (token_prefix, window_start, calls) VALUES (p_token_prefix, p_window, 1)
    ON CONFLICT (token_prefix, window_start) DO UPDATE SET calls = audit_apicallwindow.calls + 1
    RETURNING calls INTO v_calls;
    IF v_calls = 1 THEN  -- a new window opened: forget the old ones of this token
        DELETE FROM audit_apicallwindow WHERE token_prefix = p_token_prefix AND window_start < p_window;
    END IF;
    IF v_calls <= p_limit THEN
        RETURN QUERY SELECT v_calls, a.* FROM adminduk_audit_append(
            p_user_id_ref, p_username, p_role, p_action, p_object_type, p_niks, p_query, p_row_count, p_purpose,
            p_ip, p_token_prefix, p_subjects, p_async) AS a;
    ELSE
        RETURN QUERY SELECT v_calls, a.* FROM adminduk_audit_append(
            p_user_id_ref, p_username, p_role, p_refused_action, p_refused_object_type, '', p_refused_query, 0,
            p_purpose, p_ip, p_token_prefix, '{}'::text[], p_async) AS a;
    END IF;
END
$fn$;
"""

DROP = """
DROP FUNCTION IF EXISTS adminduk_api_call(timestamptz, integer, bigint, text, text, text, text, text, text, integer,
                                          text, text, text, text[], boolean, text, text, text);
DROP FUNCTION IF EXISTS adminduk_audit_append(bigint, text, text, text, text, text, text, integer, text, text, text,
                                              text[], boolean);
"""


def create_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND)
        schema_editor.execute(API_CALL)


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_token_chaincheck_append_only")]

    operations = [migrations.RunPython(create_functions, drop_functions)]
