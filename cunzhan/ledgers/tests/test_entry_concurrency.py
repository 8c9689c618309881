"""Corrections of one ledger entry at the same time (PostgreSQL): of two editors who loaded the same
version, the second waits for the first and is refused — the first's correction is never silently
overwritten."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cunzhan.core.concurrency import EditConflict
from cunzhan.core.tests.threads import WAIT, held_open, in_thread, postgres_only
from cunzhan.ledgers import selectors, services
from cunzhan.ledgers.models import ConvenienceService

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def test_the_second_correction_from_the_same_version_waits_and_is_refused(world):
    entry = services.entry_create(
        acting_user=world.keeper,
        kind="service",
        station=world.station_keng,
        occurred_on=date(2025, 3, 1),
        service_kind="payment",
        amount="50.00",
    )

    def correct(user, amount):
        loaded = selectors.get_entry_for_user_or_404(user, "service", entry.pk)
        return services.entry_update(acting_user=user, entry=loaded, version=1, amount=amount)

    first, release = held_open(lambda: correct(world.keeper, "60.00"))
    second, outcome = in_thread(lambda: correct(world.operator, "70.00"))
    second.join(1)
    assert second.is_alive()  # waiting for the first correction's transaction
    release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert isinstance(outcome.get("error"), EditConflict)
    assert "keeper" in outcome["error"].message
    saved = ConvenienceService.objects.get(pk=entry.pk)
    assert (saved.amount, saved.version) == (Decimal("60.00"), 2)
