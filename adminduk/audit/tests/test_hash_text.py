"""The fast canonical text of a row equals its definition (canonical JSON). Pure."""

from hypothesis import given, settings
from hypothesis import strategies as st

from adminduk.audit.actions import _reference_json, canonical_text

text = st.text(max_size=40)
number = st.none() | st.integers(min_value=0, max_value=2**53)


@settings(deadline=None, max_examples=200)  # pure, but the shared machine is noisy
@given(seq=st.integers(min_value=1, max_value=2**53), user_id_ref=number, row_count=number, username=text,
       role=text, action=text, object_type=text, niks=text, query=text, purpose=text, ip=text,
       token_prefix=st.sampled_from(["", "a1b2c3d4"]), prev_hash=st.text(alphabet="0123456789abcdef", max_size=64))
def test_the_fast_text_is_the_canonical_json(seq, user_id_ref, row_count, username, role, action, object_type, niks,
                                             query, purpose, ip, token_prefix, prev_hash):
    at = "2026-11-28T04:08:38.123456+00:00"
    payload = {"seq": seq, "at": at, "user_id_ref": user_id_ref, "username": username, "role": role,
               "action": action, "object_type": object_type, "niks": niks, "query": query, "row_count": row_count,
               "purpose": purpose, "ip": ip, "token_prefix": token_prefix}
    assert canonical_text(seq, at, user_id_ref, username, role, action, object_type, niks, query, row_count,
                          purpose, ip, token_prefix, prev_hash) == _reference_json(payload, prev_hash)


def test_quotes_and_unicode_are_escaped_like_json():
    payload = {"seq": 1, "at": "x", "user_id_ref": None, "username": 'Sri "Ani" \\ Ñoño\n', "role": "", "action": "a",
               "object_type": "person", "niks": "", "query": "nama=Ayu\u2028", "row_count": None, "purpose": "p",
               "ip": "", "token_prefix": ""}
    assert canonical_text(1, "x", None, payload["username"], "", "a", "person", "", payload["query"], None, "p", "",
                          "", "0" * 64) == _reference_json(payload, "0" * 64)
