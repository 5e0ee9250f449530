"""Write phases: what phones send on an open-loop schedule while everyone streams.

A write phase is a small adapter. The runner (bench/run.py) gives it the
server and a room full of streaming phones, calls `prepare` once, then
`write(seq)` at a fixed rate (never waiting for the previous answer, so a
slow server shows up as latency instead of hiding), and at the end compares
every acknowledged write with what `read_back` finds in the database
(bench.stats.check_writes: lost, duplicated).

Today the app's writes are joins and the facilitator's actions, so `joins` is
the phase that exists. The letters autosave and the matching pairs plug in
the same way once their step kinds land; each needs about thirty lines:

    class LetterAutosave(WritePhase):
        name, mode, step_kind = "letters", "last", "take_action"
        async def write(self, seq):
            phone = self.run.phones[seq % len(self.run.phones)]
            text = f"draft {seq} from {phone.nickname}"
            await phone.browser.post_form(<the autosave URL>, {"text": text, ...})
            return phone.nickname, text
        def read_back(self):
            return self.run.server.readback("letters")  # add it to djangoside.READBACKS

    class Pairing(WritePhase):
        name, mode, step_kind = "pairs", "set", "matching"
        ...  # write = POST a (right, story card) pair for the phone's group
"""

import asyncio

from .phones import Failed, Phone


class WritePhase:
    name = ""
    mode = "set"  # see bench.stats.check_writes
    step_kind = None  # the step the facilitator shows during the phase

    def __init__(self, run, count):
        self.run = run
        self.count = count

    async def prepare(self):
        """Before the clock starts (e.g. phones open the page they write from)."""

    async def write(self, seq):
        """Send write number `seq`; return its (key, value) once acknowledged,
        raise Failed (or let a network error through) when it was not."""
        raise NotImplementedError

    def read_back(self):
        """{key: [values]} as the database holds them now."""
        raise NotImplementedError

    def keys(self, stored):
        """The stored keys this phase is answerable for."""
        return stored


class JoinWrites(WritePhase):
    """New people joining while the room streams: the page was open (they
    scanned the code), everyone taps Join within the same few seconds.
    The write is the nickname POST; the phone then loads the room page as a
    browser follows the redirect (counted as an error if that fails)."""

    name = "joins"
    mode = "set"
    PREFIX = "Late "

    async def prepare(self):
        run = self.run
        self.phones = [
            Phone(run.host, run.port, run.code, f"{self.PREFIX}{seq:05d}")
            for seq in range(self.count)
        ]
        await run.gather_limited([phone.open_join_page() for phone in self.phones], 32)

    async def write(self, seq):
        phone = self.phones[seq]
        await phone.submit_nickname()
        asyncio.ensure_future(self._follow(phone))
        return phone.nickname, phone.nickname

    async def _follow(self, phone):
        try:
            await phone.open_room(assets=False)
        except (TimeoutError, Failed, OSError) as exc:
            self.run.errors[f"room page after join: {type(exc).__name__}"] += 1
        finally:
            await phone.browser.close()

    def read_back(self):
        return self.run.server.readback("participants")

    def keys(self, stored):
        return {key: values for key, values in stored.items() if key.startswith(self.PREFIX)}


PHASES = {"joins": JoinWrites}
# Named here so `--writes letters` says what is missing instead of failing oddly.
NOT_YET = {
    "letters": "the take-action step kind (autosaved drafts)",
    "pairs": "the matching step kind",
}
