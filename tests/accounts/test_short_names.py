"""Short names ("First L.", SPEC §4) skip titles: "Dr. Priya Patel" is "Priya P."."""

from __future__ import annotations

import pytest

from app.models.users import User, short_name


@pytest.mark.parametrize(
    ("full_name", "shown"),
    [
        ("Priya Patel", "Priya P."),
        ("Dr. Priya Patel", "Priya P."),
        ("dr priya patel", "priya p."),
        ("Mr John Smith", "John S."),
        ("Mrs. Ada Lovelace", "Ada L."),
        ("Ms Grace Hopper", "Grace H."),
        ("Prof. Dr. Anna Maria Schmidt", "Anna S."),
        ("Dr. Patel", "Patel"),
        ("Madonna", "Madonna"),
        ("Dr.", "Dr."),
        ("Drew Barrymore", "Drew B."),  # a name that starts like a title is a name
        ("", "Member"),
    ],
)
def test_short_name_is_the_first_name_after_any_title_and_the_last_initial(full_name, shown):
    assert short_name(full_name) == shown


def test_members_who_chose_their_full_name_keep_their_title():
    member = User(full_name="Dr. Priya Patel", show_full_name=True)
    assert member.display_name == "Dr. Priya Patel"
    member.show_full_name = False
    assert member.display_name == "Priya P."
