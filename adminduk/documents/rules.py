"""Pure rules of the KTP-el record: the allowed transitions and the priority classes.

No database here: tested without one.
"""

import datetime as dt

from adminduk.registry.choices import Citizenship, KtpState, MaritalStatus, Occupation

from .models import ELECTION_DAY, FIRST_KINDS, REPLACEMENT_KINDS, SUKET_VALID_MONTHS, Priority

S = KtpState

# Enrolment pipeline (DOMAIN.md §2.2): reported by the recording station and the data
# centre. A failure, an adjudication that finds a duplicate, or a duplicate record is
# remedied by deleting the enrolment at the centre and recording again (2015 PIAK deck).
PIPELINE = {
    S.UNREGISTERED: {S.BIO_CAPTURED},
    S.BIO_CAPTURED: {S.PROCESSING},
    S.PROCESSING: {S.SENT_FOR_ENROLLMENT, S.ENROLL_FAILURE_AT_REGIONAL},
    S.SENT_FOR_ENROLLMENT: {S.RECEIVED_AT_CENTRAL},
    S.RECEIVED_AT_CENTRAL: {S.PRINT_READY_RECORD, S.ENROLL_FAILURE_AT_CENTRAL, S.SEARCH_FAILURE_AT_CENTRAL,
                            S.ADJUDICATE_RECORD, S.REQUEST_VALIDATION, S.DUPLICATE_RECORD},
    S.ENROLL_FAILURE_AT_REGIONAL: {S.BIO_CAPTURED},
    S.ENROLL_FAILURE_AT_CENTRAL: {S.BIO_CAPTURED},
    S.SEARCH_FAILURE_AT_CENTRAL: {S.BIO_CAPTURED, S.SENT_FOR_ENROLLMENT},
    S.ADJUDICATE_RECORD: {S.PRINT_READY_RECORD, S.DUPLICATE_RECORD},
    S.REQUEST_VALIDATION: {S.PRINT_READY_RECORD, S.DUPLICATE_RECORD},
    S.DUPLICATE_RECORD: {S.BIO_CAPTURED},
}

# The card's life after PRR. Only the print action (which consumes a blank) reaches
# PRINTED, only hand-over reaches ISSUED; a new request for a holder (lost, damaged,
# change of data, DKJ) makes the record print-ready again without new biometrics
# (the NIK already has biometrics at the centre).
CARD = {
    S.PRINT_READY_RECORD: {S.PRINTED},
    S.PRINTED: {S.ISSUED},
    S.ISSUED: {S.PRINT_READY_RECORD},
}

TRANSITIONS: dict[str, frozenset[str]] = {
    state: frozenset(PIPELINE.get(state, set()) | CARD.get(state, set())) for state in S.values
}

# States in which an IKD may be activated: the record is unique at the centre.
IKD_STATES = frozenset({S.PRINT_READY_RECORD, S.PRINTED, S.ISSUED})


def allowed(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, ())


def pipeline_allowed(from_state: str, to_state: str) -> bool:
    return to_state in PIPELINE.get(from_state, ())


def age_on(birth_date: dt.date, on: dt.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def seventeenth_birthday(birth_date: dt.date) -> dt.date:
    try:
        return birth_date.replace(year=birth_date.year + 17)
    except ValueError:  # 29 February: the card may be printed on 1 March
        return dt.date(birth_date.year + 17, 3, 1)


def is_voter_on_election_day(*, birth_date: dt.date, marital_status: str, citizenship: str, occupation: str) -> bool:
    """Must vote on 14 Feb 2024: WNI, not TNI/Polri, 17 by then or married (UU 7/2017)."""
    if citizenship != Citizenship.WNI or occupation in (Occupation.TNI, Occupation.POLRI):
        return False
    return age_on(birth_date, ELECTION_DAY) >= 17 or marital_status != MaritalStatus.BELUM_KAWIN


def priority_for(kind: str, *, birth_date, marital_status, citizenship, occupation, on: dt.date) -> int:
    """Priority class of a request: first cards of 2024 voters, first cards,
    replacements, then changes and the DKJ re-print."""
    if kind in FIRST_KINDS:
        voter = on <= ELECTION_DAY and is_voter_on_election_day(
            birth_date=birth_date, marital_status=marital_status, citizenship=citizenship, occupation=occupation)
        return Priority.VOTER_FIRST if voter else Priority.FIRST
    if kind in REPLACEMENT_KINDS:
        return Priority.REPLACEMENT
    return Priority.CHANGE


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def suket_valid_until(issued_on: dt.date) -> dt.date:
    return add_months(issued_on, SUKET_VALID_MONTHS)
