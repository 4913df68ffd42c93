"""The dues benchmark section runs on a small population: its pages answer, and its cross-checks hold (the set-based
count agrees with the per-member loop, the running balances with the ledger sums and with the per-member loop)."""
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from benchmarks import dues as bench
from benchmarks.__main__ import _measure


@pytest.mark.django_db
def test_the_dues_section_measures_and_writes(tmp_path):
    call_command("seed_demo", size="tiny", stdout=StringIO())
    client = Client()
    client.force_login(get_user_model().objects.get(username="committee"))
    checks, pages, facts = bench.measure(client, 1, _measure)
    labels = [label for label, _path, _ms, _q in pages]
    assert "Arrears list, whole committee (page 1 of 50 rows)" in labels and len(pages) == 5
    assert all(queries > 0 for _l, _p, _ms, queries in pages)
    assert facts["lines"] > 0 and facts["members"] > 0
    out = tmp_path / "benchmarks.md"
    bench.write_section(out, bench.HEADING, bench.section(checks, pages, facts))
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.HEADING) == 1 and "from the running balances" in text and "per-member loop" in text
