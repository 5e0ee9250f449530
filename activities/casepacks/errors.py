from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class PackError:
    """One problem in a case pack, with its place: `activities[0].steps[2].title`."""

    place: str
    message: str

    def __str__(self):
        return f"{self.place}: {self.message}" if self.place else self.message


class CasePackInvalid(Exception):
    def __init__(self, errors):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(error) for error in self.errors))
