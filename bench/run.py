"""One benchmark run: a configuration, N phones, every measurement in order.

joins -> idle -> broadcasts -> writes under streaming -> restart -> polling.
Every phase is bounded in time; what does not finish in time is counted.
"""

import asyncio
import contextlib
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter

from . import stats
from .phones import Facilitator, Failed, Phone
from .proc import Meter
from .servers import HOST
from .writes import PHASES

LOCKED = re.compile(r"database is locked", re.I)


class Wait:
    """Phones waiting for an event that `accept(phone, event)` says is the one."""

    def __init__(self, name, phones, accept):
        self.name = name
        self.accept = accept
        self.pending = set(phones)
        self.received = {}
        self.done = asyncio.Event()
        for phone in list(self.pending):
            event = phone.last.get(name)
            if event is not None:
                self.offer(phone, event)
        if not self.pending:
            self.done.set()

    def offer(self, phone, event):
        if event.name == self.name and phone in self.pending and self.accept(phone, event):
            self.pending.discard(phone)
            self.received[phone] = event
            if not self.pending:
                self.done.set()

    async def wait(self, timeout):
        try:
            await asyncio.wait_for(self.done.wait(), timeout)
        except TimeoutError:
            pass
        return self.received


def _newer(baseline):
    """Accept an event whose version is newer than the phone's at the click."""

    def accept(phone, event):
        return int(event.id or 0) > baseline.get(phone, 0)

    return accept


class Run:
    def __init__(self, server, phones, *, writes=2000, write_seconds=10, rounds=5,
                 poll_seconds=20, quick=False, log=print, writes_kind="joins",
                 join_sample=50):  # fmt: skip
        self.server = server
        self.n = phones
        self.writes = writes
        self.write_seconds = write_seconds
        self.rounds = rounds
        self.poll_seconds = poll_seconds
        self.quick = quick
        self.log = log
        self.writes_kind = writes_kind
        self.join_sample = join_sample
        self.host = HOST
        self.port = server.port
        self.code = server.info["code"]
        self.phones = []
        self.waits = []
        self.errors = Counter()
        self.result = {"config": server.describe(), "phones": phones}
        self.app_meter = Meter(server.app_pids)
        self.all_meter = Meter(lambda: server.app_pids() + server.other_pids())

    # -- plumbing --------------------------------------------------------

    def on_event(self, phone, event):
        for wait in self.waits:
            wait.offer(phone, event)

    def watch(self, name, phones, accept):
        wait = Wait(name, phones, accept)
        self.waits.append(wait)
        return wait

    def unwatch(self, *waits):
        for wait in waits:
            if wait in self.waits:
                self.waits.remove(wait)

    async def gather_limited(self, coroutines, limit):
        semaphore = asyncio.Semaphore(limit)

        async def one(coroutine):
            async with semaphore:
                return await coroutine

        return await asyncio.gather(*(one(c) for c in coroutines), return_exceptions=True)

    def _count_failures(self, results, what):
        for result in results:
            if isinstance(result, BaseException):
                self.errors[f"{what}: {type(result).__name__} {result}"[:120]] += 1

    def _stage_baseline(self):
        return {
            phone: int(phone.last["stage"].id or 0)
            for phone in self.phones
            if "stage" in phone.last
        }

    @contextlib.asynccontextmanager
    async def profiled(self, phase):
        """With BENCH_PROFILE=<folder>, py-spy records the app process during
        a phase into <folder>/<config>-<N>-<phase>.txt (collapsed stacks, for
        flamegraph.pl or speedscope) and prints its top functions."""
        folder = os.environ.get("BENCH_PROFILE")
        # py-spy comes with the bench extra, beside this Python.
        beside = os.path.join(os.path.dirname(sys.executable), "py-spy")
        spy = shutil.which("py-spy") or (beside if os.path.exists(beside) else None)
        if not folder or not spy:
            yield
            return
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{self.server.name}-{self.n}-{phase}.txt")
        # BENCH_PROFILE_GIL=1: only the thread holding the GIL (where the CPU goes).
        gil = ["--gil"] if os.environ.get("BENCH_PROFILE_GIL") else []
        process = subprocess.Popen(
            [spy, "record", "--pid", str(self.server.app_pids()[0]), "--format", "raw",
             "--rate", "200", "--output", path, "--nonblocking", *gil],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.sleep(0.5)
        try:
            yield
        finally:
            process.send_signal(signal.SIGINT)
            await asyncio.get_running_loop().run_in_executor(None, process.wait)
            self.log(f"  profile: {path}")

    # -- the run -----------------------------------------------------------

    async def execute(self):
        self.facilitator = Facilitator(self.host, self.port, self.code)
        await self.facilitator.sign_in(self.server.info["username"], self.server.info["password"])
        await self.facilitator.open_screens()
        self.direction = "next"
        sampler = asyncio.ensure_future(self._sample_memory())
        try:
            await self.page_weight()
            async with self.profiled("join"):
                await self.join_all()
            await self.idle()
            async with self.profiled("broadcasts"):
                await self.broadcasts()
            await self.write_phases()
            await self.restart()
            async with self.profiled("polling"):
                await self.polling()
        finally:
            sampler.cancel()
            for phone in self.phones:
                await phone.disconnect()
                await phone.browser.close()
            await self.facilitator.close()
        self.finish()
        return self.result

    async def _sample_memory(self):
        while True:
            self.app_meter.sample_memory()
            self.all_meter.sample_memory()
            await asyncio.sleep(0.5)

    async def page_weight(self):
        """Bytes a phone downloads to join and see the room, cold and warm."""
        phone = Phone(self.host, self.port, self.code, "Weigh 1")
        browser = phone.browser
        await phone.join()  # the join page, its CSS and JS, the POST, the room page

        async def snapshot():
            wait = self.watch("stage", [phone], lambda p, e: True)
            phone.listener = self.on_event
            phone.last.clear()
            stream = phone.connect()
            await wait.wait(10)
            await asyncio.sleep(0.3)  # the group panel follows the stage
            self.unwatch(wait)
            await phone.disconnect()
            return stream.wire_bytes

        cold = browser.bytes_down + await snapshot()
        cold_requests = browser.requests + 1
        # Warm: the same browser opens the room again (a reload, or coming
        # back to the tab); static files still fresh come from its cache.
        await browser.close()
        before_down, before_requests = browser.bytes_down, browser.requests
        await phone.open_room()
        warm = browser.bytes_down - before_down + await snapshot()
        warm_requests = browser.requests - before_requests + 1
        await browser.close()
        self.result["page"] = {
            "cold_bytes": cold,
            "cold_requests": cold_requests,
            "warm_bytes": warm,
            "warm_requests": warm_requests,
            "encodings": sorted({e.get("encoding") or "identity" for e in browser.cache.values()}),
            "assets": await self._asset_sizes(browser),
        }

    async def _asset_sizes(self, browser):
        """Each static file as served with and without compression."""
        from .client import Browser

        sizes = {}
        for path in browser.cache:
            for encoding in ("br", "gzip", "identity"):
                probe = Browser(self.host, self.port, accept_encoding=encoding)
                response = await probe.get(path)
                await probe.close()
                sizes.setdefault(path.rsplit("/", 1)[-1], {})[encoding] = len(response.raw_body)
        return sizes

    async def join_all(self):
        """A sample of phones joins through the real form (join page, its
        CSS and JS, the nickname POST, the room page); the others are already
        in the room (created in the database with their signed cookies, as if
        they had joined a moment ago) and open the room page. Then every
        phone opens its stream."""
        sample = min(self.n, self.join_sample)
        self.log(f"  {sample} phones join through the form, {self.n - sample} are in the room")
        self.phones = [
            Phone(self.host, self.port, self.code, f"Phone {i:05d}", listener=self.on_event)
            for i in range(sample)
        ]
        started = time.monotonic()
        populated = []
        if self.n > sample:
            handed = await asyncio.get_running_loop().run_in_executor(
                None, self.server.populate, self.n - sample, "Seated "
            )
            for nickname, cookie in handed["phones"]:
                phone = Phone(self.host, self.port, self.code, nickname, listener=self.on_event)
                phone.browser.cookies[handed["cookie"]] = cookie
                populated.append(phone)
        created = time.monotonic() - started
        self.phones += populated
        connected = self.watch("stage", self.phones, lambda p, e: True)
        posts, opened = [], []

        async def join(phone):
            posts.append(await phone.join())
            opened.append(phone)
            phone.connect()

        async def come_in(phone):
            await phone.open_room(assets=False)
            opened.append(phone)
            phone.connect()

        self.app_meter.start()
        progress = asyncio.ensure_future(self._progress(opened, "in the room"))
        semaphore = asyncio.Semaphore(32)

        async def limited(coroutine):
            async with semaphore:
                return await coroutine

        tasks = [asyncio.ensure_future(limited(join(p))) for p in self.phones[:sample]]
        tasks += [asyncio.ensure_future(limited(come_in(p))) for p in populated]
        done, pending = await asyncio.wait(tasks, timeout=120 + self.n / 4)
        progress.cancel()
        for task in pending:
            task.cancel()
        if pending:
            self.errors["joins not finished in time"] += len(pending)
        self._count_failures([t.exception() for t in done if t.exception()], "join")
        join_cpu = self.app_meter.stop()
        await connected.wait(30 + self.n / 50)
        self.unwatch(connected)
        # Phones that never joined are left out of every later measurement.
        self.phones = [p for p in self.phones if p.stream is not None]
        self.result["join"] = {
            "seconds": time.monotonic() - started,
            "created_seconds": created,
            "sample": sample,
            "post": stats.summary(posts),
            "connected": len(connected.received),
            "cpu": join_cpu,
        }
        missing = len(self.phones) - len(connected.received)
        if missing:
            self.errors["phones without a stream after joining"] += missing

    async def _progress(self, done, what):
        """A line every 10 s, so a slow phase shows how far it got."""
        meter = Meter(self.server.app_pids)
        while True:
            meter.start()
            count = len(done)
            await asyncio.sleep(10)
            rate = (len(done) - count) / 10
            self.log(f"    {len(done)} {what}, {rate:.0f}/s, server CPU {meter.stop():.2f}")

    async def idle(self):
        seconds = 4 if self.quick else 16  # one keep-alive ping inside the window
        self.log(f"  idle {seconds} s")
        await asyncio.sleep(1)
        self.app_meter.start()
        self.all_meter.start()
        await asyncio.sleep(seconds)
        self.result["idle_cpu"] = self.app_meter.stop()
        self.result["idle_cpu_all"] = self.all_meter.stop()

    async def _step_change(self):
        """The facilitator clicks next (or previous at the last step)."""
        clicked, response = await self.facilitator.click(self.direction)
        if response.status == 409:  # the last (or first) step: turn round
            self.direction = "previous" if self.direction == "next" else "next"
            clicked, response = await self.facilitator.click(self.direction)
        if response.status != 204:
            self.errors[f"facilitator {self.direction}: {response.status}"] += 1
        return clicked

    async def _fan_out(self, click, timeout, group_timeout=1.0):
        """Click, then wait for every phone's new stage (and group panel)."""
        baseline = self._stage_baseline()
        group_base = {
            phone: int(phone.last["group"].id or 0)
            for phone in self.phones
            if "group" in phone.last
        }
        stage = self.watch("stage", self.phones, _newer(baseline))
        group = self.watch("group", list(group_base), _newer(group_base))
        requests_before = sum(p.push_requests for p in self.phones)
        try:
            clicked = await click()
        except (TimeoutError, Failed, OSError) as exc:
            self.errors[f"facilitator click: {type(exc).__name__}"] += 1
            self.unwatch(stage, group)
            empty = {"stage": [], "server": [], "delivery": [], "screen": [], "push_bytes": []}
            return {**empty, "requests": 0}
        await stage.wait(timeout)
        await group.wait(group_timeout)
        self.unwatch(stage, group)
        late = len(stage.pending)
        if late:
            self.errors["phones that missed a step change"] += late
        screen = []
        for phone, event in stage.received.items():
            done = event.received
            if phone in group.received:
                done = max(done, group.received[phone].received)
            screen.append(done - clicked)
        return {
            "stage": [e.received - clicked for e in stage.received.values()],
            "server": [e.sent - clicked for e in stage.received.values() if e.sent],
            "delivery": [e.received - e.sent for e in stage.received.values() if e.sent],
            "screen": screen,
            "push_bytes": [e.size for e in stage.received.values()]
            + [e.size for e in group.received.values()],
            "requests": sum(p.push_requests for p in self.phones) - requests_before,
        }

    async def _settle(self):
        """Until every phone has what its last pushes made htmx fetch (its
        own letters, its group's ideas...): (seconds, requests)."""
        started = time.monotonic()
        before = sum(p.push_requests for p in self.phones)
        try:
            await asyncio.wait_for(
                asyncio.gather(*(phone.settled() for phone in self.phones)), 120 + self.n / 20
            )
        except TimeoutError:
            self.errors["fetches after a push not finished in time"] += 1
        return time.monotonic() - started, sum(p.push_requests for p in self.phones) - before

    async def broadcasts(self):
        """Step changes, each measured on its own: the next click comes once
        the phones have fetched what the last one made them fetch (and at
        least 2 s later), as a facilitator moves on minutes apart."""
        self.log(f"  {self.rounds} step changes")
        rounds, settles = [], []
        busy = 0.0
        for _ in range(self.rounds):
            started = time.monotonic()
            self.app_meter.start()
            rounds.append(await self._fan_out(self._step_change, 10 + self.n / 200))
            cores = self.app_meter.stop()
            busy = max(busy, cores)
            settled, fetched = await self._settle()
            settles.append(settled)
            rounds[-1]["requests"] += fetched
            await asyncio.sleep(max(0.5, 2 - (time.monotonic() - started)))
        merged = {
            key: [v for r in rounds for v in r[key]] for key in rounds[0] if key != "requests"
        }
        self.result["fanout"] = {key: stats.summary(values) for key, values in merged.items()}
        self.result["fanout"]["requests_per_phone"] = sum(r["requests"] for r in rounds) / max(
            1, self.n * len(rounds)
        )
        self.result["fanout"]["push_bytes_per_phone"] = sum(merged["push_bytes"]) / max(
            1, self.n * len(rounds)
        )
        self.result["fanout"]["settled"] = stats.summary(settles)
        self.result["broadcast_cpu"] = busy
        self.result["rss_after_broadcasts"] = self.app_meter.sample_memory()

    async def show_step(self, kind):
        """The facilitator opens the first step of this kind; every phone
        gets the new stage and sends what it makes htmx fetch."""
        key = next(k for k, v in self.server.info["step_kinds"].items() if v == kind)

        async def click():
            # Set-up, not a measurement: the server may still be busy.
            clicked, response = await self.facilitator.click("step", {"step": key}, timeout=300)
            if response.status != 204:
                self.errors[f"facilitator step {key}: {response.status}"] += 1
            return clicked

        result = await self._fan_out(click, 30 + self.n / 100, group_timeout=30 + self.n / 100)
        await self._settle()
        return result

    async def quiesce(self, seconds=2, limit=0.25, patience=300):
        """Until the server has worked off what the last phase left queued
        (requests whose phones gave up are still served): its CPU under
        `limit` cores for `seconds`. Returns how long that took."""
        started = time.monotonic()
        meter = Meter(self.server.app_pids)
        while time.monotonic() - started < patience:
            meter.start()
            await asyncio.sleep(seconds)
            if meter.stop() < limit:
                break
        else:
            self.errors["server still busy before the next phase"] += 1
        return time.monotonic() - started

    async def write_phases(self):
        self.result["writes"] = []
        for kind in self.writes_kind.split(","):
            await self.quiesce()
            async with self.profiled(f"writes-{kind}"):
                self.result["writes"].append(await self.write_phase(kind))

    async def write_phase(self, kind):
        phase = PHASES[kind](self, self.writes)
        self.log(f"  {self.writes} writes ({phase.name}) in {self.write_seconds} s")
        await phase.prepare()
        # The step change of the prepare made every phone fetch its own part
        # (the letter panel...): that storm is the fan-out phase's to
        # measure, not the writes'. The clock starts once it has passed.
        await self._settle()
        await self.quiesce()
        rate = self.writes / self.write_seconds
        latencies, acked, failures = [], [], Counter()
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.5

        async def one(seq):
            scheduled = start + seq / rate
            await asyncio.sleep(max(0, scheduled - loop.time()))
            try:
                item = await asyncio.wait_for(phase.write(seq), 30)
            except (TimeoutError, Failed, OSError) as exc:
                failures[f"{type(exc).__name__}: {exc}"[:80]] += 1
                return
            latencies.append(loop.time() - scheduled)  # from the planned send time
            acked.append(item)

        async def timers():
            """The facilitator adds a minute every 2 s during the burst: each
            is a push to every phone, measured like a step change."""
            results = []
            while loop.time() < start + self.write_seconds:
                await asyncio.sleep(2)

                async def extend():
                    clicked, response = await self.facilitator.click(
                        "timer", {"action": "extend", "minutes": "1"}
                    )
                    if response.status != 204:
                        self.errors[f"timer extend: {response.status}"] += 1
                    return clicked

                results.append(await self._fan_out(extend, 10 + self.n / 200))
            return results

        self.app_meter.start()
        timer_task = asyncio.ensure_future(timers())
        await asyncio.gather(*(one(seq) for seq in range(self.writes)))
        elapsed = loop.time() - start
        cores = self.app_meter.stop()
        fanouts = await timer_task
        await asyncio.sleep(1)
        stored = phase.keys(phase.read_back())
        check = stats.check_writes(acked, stored, mode=phase.mode, uncertain=phase.uncertain)
        for what, count in failures.items():
            self.errors[f"write ({phase.name}) {what}"] += count
        return {
            "kind": phase.name,
            "sent": self.writes,
            "seconds": elapsed,
            "per_second": len(acked) / elapsed if elapsed else None,
            "latency": stats.summary(latencies),
            "failed": sum(failures.values()),
            **check,
            "fanout": stats.summary([v for r in fanouts for v in r["stage"]]),
            "cpu": cores,
        }

    async def restart(self):
        """kill -9 the (first) app process and start it again at once."""
        await self.quiesce()
        self.log("  restart")
        killed = time.time()
        self.server.kill_app(0)
        restarted = time.monotonic()
        process = self.server.restart_app(0, wait=False)
        await asyncio.sleep(1.0)
        affected = [p for p in self.phones if p.stream and (p.stream.last_drop or 0) >= killed]
        back = self.watch("stage", affected, lambda p, e: e.received > killed)
        # Until the server answers again: the time it takes to start.
        from .servers import _wait_http

        await asyncio.get_running_loop().run_in_executor(
            None, _wait_http, self.server.apps[0][0], time.monotonic() + 60, process
        )
        started = time.monotonic() - restarted
        await back.wait(60)
        self.unwatch(back)
        times = sorted(e.received - killed for e in back.received.values())
        target = math.ceil(0.99 * len(affected)) if affected else 0
        self.result["restart"] = {
            "affected": len(affected),
            "server_start": started,
            "back_99": times[target - 1] if target and len(times) >= target else None,
            "back_all": times[-1] if len(times) == len(affected) and times else None,
            "never_back": len(affected) - len(times),
            "error_answers": sum(p.stream.error_statuses for p in self.phones if p.stream),
        }
        # Stream errors from here on are the restart's, not failures.
        self._restart_drops = sum(p.stream.dropped for p in self.phones if p.stream)

    async def polling(self):
        """Every phone's stream is silent: live.js polls every 5 s instead."""
        seconds = self.poll_seconds
        await self.quiesce()
        self.log(f"  polling {seconds} s")
        await asyncio.gather(*(p.disconnect() for p in self.phones))
        for phone in self.phones:
            await phone.browser.close()
        loop = asyncio.get_running_loop()
        start = loop.time() + 1
        unchanged, changed, failures = [], [], Counter()
        steady = []  # unchanged polls before the step change
        seen_new = {}
        change_at = {}

        async def phone_loop(index, phone):
            offset = 5 * index / max(1, len(self.phones))  # spread over the 5 s
            tick = 0
            while True:
                scheduled = start + offset + 5 * tick
                if scheduled > start + seconds:
                    return
                await asyncio.sleep(max(0, scheduled - loop.time()))
                try:
                    response = await asyncio.wait_for(phone.poll(), 30)
                except (TimeoutError, Failed, OSError) as exc:
                    failures[type(exc).__name__] += 1
                else:
                    took = loop.time() - scheduled
                    if response.status == 204:
                        unchanged.append(took)
                        if "t" not in change_at:
                            steady.append(took)
                    else:
                        changed.append(took)
                        if "t" in change_at and phone not in seen_new:
                            seen_new[phone] = loop.time() - change_at["t"]
                tick += 1

        async def facilitator():
            await asyncio.sleep(max(0, start + seconds / 2 - loop.time()))
            change_at["t"] = loop.time()
            await self._step_change()

        self.app_meter.start()
        window = asyncio.gather(*(phone_loop(i, p) for i, p in enumerate(self.phones)))
        change = asyncio.ensure_future(facilitator())
        # CPU over the steady part only (before the change).
        await asyncio.sleep(1 + seconds / 2 - 0.5)
        steady_cpu = self.app_meter.stop()
        await window
        await change
        for kind, count in failures.items():
            self.errors[f"poll {kind}"] += count
        times = sorted(seen_new.values())
        target = math.ceil(0.99 * len(self.phones))
        self.result["polling"] = {
            "cpu": steady_cpu,
            "unchanged": stats.summary(unchanged),
            "unchanged_before_change": stats.summary(steady),
            "changed": stats.summary(changed),
            "seen_99": times[target - 1] if len(times) >= target else None,
            "requests_per_second": len(self.phones) / 5,
        }

    def finish(self):
        logs = self.server.logs()
        self.result["locked"] = len(LOCKED.findall(logs))
        self.result["tracebacks"] = logs.count("Traceback (most recent call last)")
        self.result["log_errors"] = sum(
            1 for line in logs.splitlines() if " 500 " in line or "ERROR" in line
        )
        drops = sum(p.stream.dropped for p in self.phones if p.stream)
        unexpected = drops - getattr(self, "_restart_drops", drops)
        if unexpected > 0:
            self.errors["streams dropped outside the restart"] += unexpected
        self.result["rss_peak"] = self.app_meter.peak_rss
        self.result["rss_peak_all"] = self.all_meter.peak_rss
        self.result["errors"] = dict(self.errors)
        self.result["error_count"] = sum(self.errors.values()) + self.result["locked"]
