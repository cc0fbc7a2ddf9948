"""Admin tests sign in with tests/fixtures/sign_in.py (`admin_client`, `member_client`).

The helpers stay importable from here for tests written before they moved.
"""

from __future__ import annotations

from tests.fixtures.sign_in import csrf_token as csrf_token
from tests.fixtures.sign_in import pass_second_factor as pass_second_factor
from tests.fixtures.sign_in import sign_in as sign_in
