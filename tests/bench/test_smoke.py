"""A small run of the real benchmark, so `make bench` cannot rot unnoticed:
20 phones against the app started as production starts it (SQLite, one
uvicorn process), every phase once, short: half of them join through the
form, half are seated in the database. Only correctness is asserted
here; speed is for `make bench` on a quiet machine."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.database_free
def test_twenty_phones_follow_a_session_through_every_phase(tmp_path):
    out = tmp_path / "bench.json"
    command = [
        sys.executable, "-m", "bench", "--config", "embedded", "--phones", "20", "--quick",
        "--writes", "20", "--write-seconds", "2", "--rounds", "2", "--poll-seconds", "6",
        "--join-sample", "10", "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "| SQLite, 1 uvicorn process | 20 |" in done.stdout
    (result,) = json.loads(out.read_text())["results"]

    assert result["errors"] == {}
    assert result["locked"] == 0 and result["tracebacks"] == 0
    # Ten joined through the form, ten were seated in the database.
    assert result["join"]["connected"] == 20
    assert result["join"]["sample"] == 10 and result["join"]["post"]["count"] == 10
    # Every phone saw both step changes, and the hub stamped each broadcast.
    assert result["fanout"]["stage"]["count"] == 40
    assert result["fanout"]["server"]["count"] == 40
    # At most one small request after a push (a step's own fragment).
    assert result["fanout"]["requests_per_phone"] <= 1
    # Autosaved letters, then pairs on the matching boards: every one
    # acknowledged, read back and found.
    assert [w["kind"] for w in result["writes"]] == ["letters", "pairs"]
    for writes in result["writes"]:
        assert (writes["acked"], writes["lost"], writes["duplicated"], writes["failed"]) == (
            20,
            0,
            0,
            0,
        )
    assert result["restart"]["affected"] == 20 and result["restart"]["never_back"] == 0
    polls = result["polling"]
    assert polls["unchanged"]["count"] > 0 and polls["changed"]["count"] > 0
    page = result["page"]
    assert 0 < page["warm_bytes"] < page["cold_bytes"]
    assert page["encodings"] == ["br"]
