"""Server CPU per request, one kind at a time: `python -m bench.percall`.

The embedded server is started as `make bench` starts it (pinned to CPU 0);
a few seated phones send one kind of request after another on keep-alive
connections, one at a time, and the server's CPU time over the batch is
divided by its count. Sequential, so the figure is what a request costs,
not how the server copes with many; `docs/performance.md` uses it for the
before/after of each change on the hot paths.
"""

import argparse
import asyncio
import re
import time

from . import proc
from .phones import Phone
from .servers import HOST, Embedded
from .writes import LETTER

_PAIR = re.compile(r'hx-post="(/r/[^"]+/boards/\d+/pair)"')
_HIDDEN = r'name="{}" value="([^"]+)"'


async def _seated_phones(server, count):
    seated = server.populate(count, "Percall ")
    phones = []
    for nickname, cookie in seated["phones"]:
        phone = Phone(HOST, server.port, server.info["code"], nickname)
        phone.browser.cookies[seated["cookie"]] = cookie
        await phone.open_room(assets=False)
        phones.append(phone)
    return phones


async def _cpu_per_request(server, phones, count, send):
    for index in range(len(phones)):  # warm: connections, caches, first saves
        await send(phones[index], index)
    pids = server.app_pids()
    before = sum(proc.cpu_seconds(pid) or 0 for pid in pids)
    started = time.monotonic()
    for index in range(count):
        await send(phones[index % len(phones)], len(phones) + index)
    wall = time.monotonic() - started
    cpu = sum(proc.cpu_seconds(pid) or 0 for pid in pids) - before
    return cpu / count * 1000, wall / count * 1000


async def measure(server, count, phones_count):
    code = server.info["code"]
    kinds = {kind: key for key, kind in server.info["step_kinds"].items()}
    phones = await _seated_phones(server, phones_count)
    results = {}

    async def room_page(phone, _index):
        response = await phone.browser.get(f"/r/{code}")
        assert response.status == 200, response.status

    results["room page"] = await _cpu_per_request(server, phones, count, room_page)

    async def stream_open(phone, _index):
        """Open the room's event stream, read its snapshot up to the stage, close."""
        reader, writer = await asyncio.open_connection(HOST, server.port)
        writer.write(
            f"GET /r/{code}/events HTTP/1.1\r\nHost: {HOST}\r\n"
            f"Accept: text/event-stream\r\nCookie: {phone.browser.cookie_header()}\r\n\r\n".encode()
        )
        received = b""
        while b"event: stage" not in received:
            chunk = await asyncio.wait_for(reader.read(65536), 30)
            assert chunk, received[:200]
            received += chunk
        writer.close()

    results["stream open"] = await _cpu_per_request(server, phones, count, stream_open)

    server._djangoside("goto", code, kinds["take_action"])
    drafts = {}
    for phone in phones:
        response = await phone.htmx_post(f"/r/{code}/action/safety", {"choice": "name"})
        form = response.text[response.text.find('name="kind" value="authority"') :]
        drafts[phone] = [re.search(_HIDDEN.format("client_key"), form).group(1), 1]

    async def save(phone, index):
        key, revision = drafts[phone]
        drafts[phone][1] = revision + 1
        fields = {"kind": "authority", "client_key": key, "revision": str(revision + 1)}
        fields["text"] = LETTER[: 120 + 40 * (index % 40)]
        response = await phone.htmx_post(f"/r/{code}/action/save", fields)
        assert response.status == 200, response.status

    results["draft save"] = await _cpu_per_request(server, phones, count, save)

    server._djangoside("goto", code, kinds["matching"])
    page = (await phones[0].browser.get(f"/r/{code}")).text
    url = _PAIR.search(page).group(1)
    experiences = sorted(set(re.findall(_HIDDEN.format("experience"), page)))
    rights = sorted(set(re.findall(r'name="pair" value="([^"]+)"', page)))
    same_group = []
    for phone in phones:
        if _PAIR.search((await phone.browser.get(f"/r/{code}")).text).group(1) == url:
            same_group.append(phone)

    async def tap(phone, index):
        experience = experiences[index % len(experiences)]
        right = rights[(index // len(experiences)) % len(rights)]
        field = "pair" if (index // (len(experiences) * len(rights))) % 2 == 0 else "unpair"
        response = await phone.htmx_post(url, {"experience": experience, field: right})
        assert response.status == 200, response.status

    results["pair tap"] = await _cpu_per_request(server, same_group, count, tap)
    for phone in phones:
        await phone.browser.close()
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.percall", description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="per kind (default 300)")
    parser.add_argument("--phones", type=int, default=8, help="seated phones sending them")
    args = parser.parse_args(argv)
    server = Embedded(log=lambda *a: None)
    try:
        server.start()
        results = asyncio.run(measure(server, args.requests, args.phones))
    finally:
        server.stop()
    print("| request | server CPU ms | wall ms |\n|---|---:|---:|")
    for kind, (cpu, wall) in results.items():
        print(f"| {kind} | {cpu:.2f} | {wall:.2f} |")


if __name__ == "__main__":
    main()
