"""Small counts are hidden, and so is whatever would give them back through a total."""

from decimal import Decimal

from adminduk.oversight.suppression import (
    COMPLEMENTARY,
    SUPPRESSED,
    Constraint,
    bounded_percent,
    shown,
    suppress,
)


def test_counts_from_one_to_nine_are_hidden_and_zero_is_shown():
    hidden = suppress({"a": 0, "b": 1, "c": 9, "d": 10})
    assert hidden == {"b", "c"}
    assert shown(3, True) == SUPPRESSED and shown(0, False) == 0


def test_a_lone_hidden_part_takes_the_smallest_other_part_with_it():
    values = {"tni": 3, "polri": 250, "meninggal": 1200, "total": 1453}
    hidden = suppress(values, [Constraint("total", ("tni", "polri", "meninggal"))])
    assert hidden == {"tni", "polri"}
    # Whatever is visible, the hidden cells cannot be solved for uniquely.
    assert values["total"] - values["meninggal"] == values["tni"] + values["polri"]


def test_complementary_suppression_follows_rows_and_columns_until_nothing_is_alone():
    # Rows: den = num + without; the last row is the total of the rows above.
    values = {}
    data = [(1000, 995, 5), (2000, 1900, 100), (500, 480, 20), (3500, 3375, 125)]
    for i, (den, num, without) in enumerate(data):
        values[(i, "den")], values[(i, "num")], values[(i, "without")] = den, num, without
    constraints = [Constraint((i, "den"), ((i, "num"), (i, "without"))) for i in range(4)]
    constraints += [Constraint((3, c), tuple((i, c) for i in range(3))) for c in ("den", "num", "without")]
    hidden = suppress(values, constraints)
    assert (0, "without") in hidden and (0, "num") in hidden  # the row would give it back
    assert (2, "without") in hidden  # the column total would give it back (smallest other part)
    for c in constraints:
        assert sum(k in hidden for k in c.cells) != 1, c


def test_a_percentage_is_a_bound_when_exact_would_reveal_a_hidden_count():
    assert bounded_percent(995, 1000, numerator_hidden=False, without_hidden=True, denominator_hidden=False) \
        == "> 99,0%"
    assert bounded_percent(3, 1000, numerator_hidden=True, without_hidden=False, denominator_hidden=False) \
        == "< 1,0%"
    assert bounded_percent(5, 8, numerator_hidden=True, without_hidden=True, denominator_hidden=True) == SUPPRESSED
    assert bounded_percent(980, 1000, numerator_hidden=False, without_hidden=False,
                           denominator_hidden=False) == Decimal("98.00")


def test_a_percentage_next_to_a_complementary_cell_is_rounded_or_hidden():
    # 107 lack the document: hidden only to protect another row. A whole percent hides
    # ±25 people here, so it may be shown; on 300 people it may not.
    assert bounded_percent(4923, 5030, numerator_hidden=True, without_hidden=True,
                           denominator_hidden=False) == "± 98%"
    assert bounded_percent(140, 300, numerator_hidden=True, without_hidden=True,
                           denominator_hidden=False) == COMPLEMENTARY
    assert shown(107, True) == COMPLEMENTARY and shown(7, True) == SUPPRESSED
