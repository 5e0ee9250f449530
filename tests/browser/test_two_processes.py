"""Two app processes sharing one database and Redis: the facilitator on one,
the phones and the projector on the other."""

import shutil
import subprocess
import time

import pytest
import redis
from playwright.sync_api import expect

from .conftest import (
    STEP_TITLES,
    click_control,
    connected_count,
    free_port,
    group_members,
    mark,
    not_reloaded,
)

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def server(redis_url, start_server):
    """Process A: the facilitator's (overrides the one-process `server`).
    Redis comes first so that it outlives the app processes."""
    return start_server("a", {"REDIS_URL": redis_url})


@pytest.fixture
def server_b(redis_url, start_server, server):
    """Process B: same database, same Redis, another port."""
    return start_server("b", {"REDIS_URL": redis_url})


@pytest.mark.browser
def test_a_change_made_on_one_process_reaches_phones_on_the_other(open_room, server, server_b):
    assert server.port != server_b.port
    room = open_room(
        ("Ana", "Bo", "Chen"),
        group_size=2,
        phone_server=server_b,
        projector_server=server_b,
    )
    control, projector = room.control, room.projector
    assert control.url.startswith(server.url)
    assert projector.url.startswith(server_b.url)
    for phone in room.phones:
        assert phone.url.startswith(server_b.url)
    for page in [*room.everyone(), control]:
        mark(page)

    # The control view on A sees who is connected on B.
    connected_count(control, 3)
    expect(projector.locator(".lobby-count")).to_have_text("3 people have joined")
    expect(group_members(room.phone("Ana"))).to_have_text(["Ana", "Bo"])

    click_control(control, "Start")
    room.expect_step(STEP_TITLES[0])
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[1])

    # Someone joining on B shows up on A's control view, and B's group panel.
    mark(room.add_phone("Dara", via="typed", server=server_b))
    expect(control.locator("#live-control-roster .counts")).to_contain_text("4 people joined")
    connected_count(control, 4)
    expect(group_members(room.phone("Chen"))).to_have_text(["Chen", "Dara"])

    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[2])
    for page in [*room.everyone(), control]:
        assert not_reloaded(page), page.url
