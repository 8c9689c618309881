"""Initial passwords: made by the system, read off a printed slip, used once.

An initial password is random and readable: three groups of four letters and digits, none that a
reader confuses (no 0/O/o, no 1/l/I), e.g. ``Kx7m-Qp3r-Tn8w``. Twelve symbols of 56 are 69 bits:
guessing one offline from its hash is out of reach whatever the hash costs, so it is hashed with far
fewer PBKDF2 iterations than a password a person chose (:func:`hash_initial`). The slow hash exists for
guessable passwords; a generated one is protected by its randomness, as the API tokens are (one SHA-256).
That lets an import of a county's few hundred accounts finish in a second instead of minutes. The
cheap hash lives until the first login: Django then sees the iteration count differ from its own and
re-hashes the password at full strength (``PBKDF2PasswordHasher.must_update``), and the holder must
change it there and then (``must_change_password``).

The password itself is kept nowhere: it is returned to the caller, shown in the one answer that
created it, and only its hash is saved.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
LOWER = "abcdefghijkmnpqrstuvwxyz"  # no l, o
DIGITS = "23456789"  # no 0, 1
ALPHABET = UPPER + LOWER + DIGITS
GROUPS, GROUP_LENGTH = 3, 4
SEPARATOR = "-"

# Django 5.2's default is 1,000,000 (about 0.25 s a password on the project's machine)
INITIAL_PASSWORD_ITERATIONS = 10_000


def initial_password(user: Any = None) -> str:
    """A new random initial password that passes the password rules (for ``user``, when given)."""
    while True:
        symbols = [secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH)]
        if not all(any(s in kind for s in symbols) for kind in (UPPER, LOWER, DIGITS)):
            continue  # three classes of characters (and the separator a fourth), whatever the rules ask
        password = SEPARATOR.join("".join(symbols[i : i + GROUP_LENGTH]) for i in range(0, len(symbols), GROUP_LENGTH))
        try:
            validate_password(password, user)
        except ValidationError:  # e.g. too like the user name: practically never, but then draw again
            continue
        return password


def hash_initial(password: str) -> str:
    """The hash of a generated initial password (see the module's docstring): the configured PBKDF2 with
    fewer iterations; any other configured hasher as it is."""
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher) and hasher.iterations > INITIAL_PASSWORD_ITERATIONS:
        hasher = copy.copy(hasher)
        hasher.iterations = INITIAL_PASSWORD_ITERATIONS
    return make_password(password, hasher=hasher)
