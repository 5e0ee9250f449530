"""Write phases: what phones send on an open-loop schedule while everyone streams.

A write phase is a small adapter. The runner (bench/run.py) gives it the
server and a room full of streaming phones, calls `prepare` once, then
`write(seq)` at a fixed rate (never waiting for the previous answer, so a
slow server shows up as latency instead of hiding), and at the end compares
every acknowledged write with what `read_back` finds in the database
(bench.stats.check_writes: lost, duplicated).

- `letters`: the take-action step's autosave, as letters.js and the editor's
  htmx attributes send it: each writer made its safety choice, then its
  letter is saved every few seconds (the whole text so far, a revision one
  higher each time); the database must hold each draft's last acknowledged
  revision and text.
- `pairs`: the matching step's board, as its forms send a tap: members of a
  group tap cards one after another (a burst per group), each tap pairing a
  card with a right or undoing a pair; every acknowledged pair must exist
  once, every acknowledged undo must have removed it.
- `joins`: people joining while the room streams (the nickname POST).
"""

import asyncio
import contextlib
import math
import re

from .phones import Failed, Phone


class WritePhase:
    name = ""
    mode = "set"  # see bench.stats.check_writes
    step_kind = None  # the step the facilitator shows during the phase

    def __init__(self, run, count):
        self.run = run
        self.count = count
        # Keys with a write whose answer never came: what it did is unknown.
        self.uncertain = set()

    @contextlib.contextmanager
    def sending(self, key):
        """Around one write's request: a write that fails or times out leaves
        its key uncertain (stats.check_writes)."""
        try:
            yield
        except BaseException:
            self.uncertain.add(key)
            raise

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


_HIDDEN = r'name="{}" value="([^"]*)"'
# Long enough for the longest draft: a letter grows as it is typed.
LETTER = (
    "I am writing to you about Maryia Kalesnikava, a musician and activist who "
    "was sentenced to eleven years in prison for peacefully protesting. "
) * 20


class LetterAutosave(WritePhase):
    """The take-action step's autosave (templates/letters/panel.html, letters.js).

    About one writer per AUTOSAVE_SECONDS * rate (every phone when there are
    fewer), spread over the room; each made its safety choice ("with my name")
    before the clock starts. Each save is the editor's htmx request: the whole
    form (kind, client_key, revision, text, sign-off) to the save URL, with
    htmx's headers; the answer names the revision kept (X-W4R-Revision)."""

    name = "letters"
    mode = "revision"
    step_kind = "take_action"
    AUTOSAVE_SECONDS = 3

    async def prepare(self):
        run = self.run
        await run.show_step(self.step_kind)
        phones = [p for p in run.phones if p.csrf]
        wanted = math.ceil(self.count * self.AUTOSAVE_SECONDS / run.write_seconds)
        count = max(1, min(len(phones), wanted))
        stride = len(phones) / count
        chosen = [phones[int(i * stride)] for i in range(count)]
        self.drafts = {}
        results = await run.gather_limited([self._choose(phone) for phone in chosen], 32)
        run._count_failures(results, "safety choice")
        self.writers = [phone for phone in chosen if phone in self.drafts]
        if not self.writers:
            raise Failed("no phone could start a letter")

    async def _choose(self, phone):
        """The safety check: "with my name". Its answer is the panel with the
        letter's editor, whose hidden fields the saves carry."""
        code = self.run.code
        response = await phone.htmx_post(f"/r/{code}/action/safety", {"choice": "name"})
        if response.status != 200:
            raise Failed(f"safety choice answered {response.status}")
        html = response.text
        start = html.find('name="kind" value="authority"')
        if start < 0:
            raise Failed("no letter editor after the safety choice")
        form = html[start:]
        self.drafts[phone] = {
            "client_key": re.search(_HIDDEN.format("client_key"), form).group(1),
            "revision": int(re.search(_HIDDEN.format("revision"), form).group(1)),
            "typed": 0,
        }

    async def write(self, seq):
        phone = self.writers[seq % len(self.writers)]
        draft = self.drafts[phone]
        # Each keystroke burst bumps the revision (letters.js), the text grows.
        draft["revision"] += 1
        draft["typed"] += 1
        revision = draft["revision"]
        text = f"{LETTER[: 120 + 40 * draft['typed']].strip()} ({seq})"
        key = draft["client_key"]
        with self.sending(key):
            response = await phone.htmx_post(
                f"/r/{self.run.code}/action/save",
                {
                    "kind": "authority",
                    "client_key": key,
                    "revision": str(revision),
                    "text": text,
                    "signoff_name": phone.nickname,
                    "signoff_town": "Vilnius",
                },
            )
            if response.status != 200 or response.headers.get("x-w4r-revision") != str(revision):
                raise Failed(f"autosave answered {response.status}")
        return key, (revision, text)

    def read_back(self):
        return self.run.server.readback("letters")

    def keys(self, stored):
        mine = {draft["client_key"] for draft in self.drafts.values()}
        return {key: values for key, values in stored.items() if key in mine}


_PAIR_URL = re.compile(r'hx-post="(/r/[^"]+/boards/(\d+)/pair)"')


class Pairing(WritePhase):
    """The matching step's boards (templates/activities/steps/matching/group.html).

    About one tapping member per TAP_SECONDS * rate, whole groups spread
    over the room. A group's members tap in bursts: BURST writes in a row go
    to one group, each from the next member. A member taps only the
    experience cards that are theirs (card i belongs to member i mod group
    size), so the taps on one pair come from one phone, in order, and the
    last acknowledged one says whether the pair must exist. Every third tap
    undoes the member's pair before last. A tap is the card's form sent by
    the right's button: `experience` and `pair=<right>` (or `unpair=<right>`
    when the pair is there)."""

    name = "pairs"
    mode = "toggle"
    step_kind = "matching"
    BURST = 4
    TAP_SECONDS = 2

    async def prepare(self):
        run = self.run
        await run.show_step(self.step_kind)
        boards = {}
        html = ""
        for phone in run.phones:
            event = phone.last.get("group")
            match = _PAIR_URL.search(event.data) if event is not None else None
            if match and phone.csrf:
                html = event.data
                boards.setdefault((match.group(1), match.group(2)), []).append(phone)
        experiences = sorted(set(re.findall(_HIDDEN.format("experience"), html)))
        rights = sorted(set(re.findall(r'name="(?:pair|unpair)" value="([^"]+)"', html)))
        if not boards or not experiences or not rights:
            raise Failed("no matching board on the phones")
        groups = [(url, group_id, members) for (url, group_id), members in boards.items()]
        size = max(len(members) for _url, _id, members in groups)
        wanted = math.ceil(self.count * self.TAP_SECONDS / run.write_seconds / size)
        count = max(1, min(len(groups), wanted))
        stride = len(groups) / count
        self.groups = [groups[int(i * stride)] for i in range(count)]
        self.taps = {}  # phone -> (its keys, taps sent)
        self.paired = {}  # key -> paired after the taps sent so far
        for _url, _group_id, members in self.groups:
            for index, phone in enumerate(members):
                mine = [e for i, e in enumerate(experiences) if i % len(members) == index]
                self.taps[phone] = ([(e, r) for e in mine for r in rights], 0)

    async def write(self, seq):
        url, group_id, members = self.groups[(seq // self.BURST) % len(self.groups)]
        phone = members[seq % len(members)]
        keys, sent = self.taps[phone]
        self.taps[phone] = (keys, sent + 1)
        # Taps 0, 1 pair two cards, tap 2 undoes the first; then again.
        turn, place = divmod(sent, 3)
        experience, right = keys[(2 * turn + (place == 1)) % len(keys)]
        key = f"{group_id}:{experience}:{right}"
        pair = not self.paired.get(key, False)
        self.paired[key] = pair
        with self.sending(key):
            response = await phone.htmx_post(
                url, {"experience": experience, ("pair" if pair else "unpair"): right}
            )
            if response.status != 200:
                raise Failed(f"a tap on the board answered {response.status}")
        return key, pair

    def read_back(self):
        return self.run.server.readback("pairs")


PHASES = {"letters": LetterAutosave, "pairs": Pairing, "joins": JoinWrites}
