"""One way to write an address on a page: the order's stored dict or a saved address."""

from __future__ import annotations

from types import SimpleNamespace

from app.orders.orders import address_lines

BERLIN = {
    "recipient_name": "Nia Walker",
    "line1": "1 Main Street",
    "line2": None,
    "city": "Berlin",
    "state": "",
    "postal_code": "10115",
    "country": "DE",
    "phone": "+49 30 1234",
}


def test_an_address_reads_as_on_a_parcel_without_its_empty_parts():
    assert address_lines(BERLIN) == [
        "Nia Walker",
        "1 Main Street",
        "10115 Berlin",
        "DE",
        "+49 30 1234",
    ]


def test_a_saved_address_object_reads_the_same_as_the_stored_dict():
    assert address_lines(SimpleNamespace(**BERLIN)) == address_lines(BERLIN)
