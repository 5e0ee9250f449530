"""The simplified Universal Declaration of Human Rights: 30 articles in six
families, as the Write for Rights guides print it. Reference data shipped with
the app, so a case pack's rights cards need only an article number."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Family:
    key: str
    name: str
    summary: str
    articles: tuple[int, ...]


@dataclass(frozen=True)
class Article:
    number: int
    title: str
    family: Family


FAMILIES = (
    Family(
        "civil",
        _("Civil rights and liberties"),
        _("Right to life, freedom from torture and slavery, right to non-discrimination."),
        (1, 2, 3, 4, 5),
    ),
    Family(
        "legal",
        _("Legal rights"),
        _(
            "Right to be presumed innocent, right to a fair trial, right to be free from "
            "arbitrary arrest or detention."
        ),
        (6, 7, 8, 9, 10, 11, 14),
    ),
    Family(
        "social",
        _("Social rights"),
        _("Right to education, to found and maintain a family, to recreation, to health care."),
        (12, 13, 16, 24, 26),
    ),
    Family(
        "economic",
        _("Economic rights"),
        _(
            "Right to property, to work, to housing, to a pension, to an adequate standard "
            "of living."
        ),
        (15, 17, 22, 23, 25),
    ),
    Family(
        "political",
        _("Political rights"),
        _(
            "Right to participate in the government of the country, right to vote, right to "
            "peaceful assembly, freedoms of expression, belief and religion."
        ),
        (18, 19, 20, 21),
    ),
    Family(
        "cultural",
        _("Cultural rights, solidarity rights"),
        _("Right to participate in the cultural life of the community."),
        (27, 28, 29, 30),
    ),
)

_TITLES = {
    1: _("Freedom and equality in dignity and rights"),
    2: _("Non-discrimination"),
    3: _("Right to life, liberty and security of person"),
    4: _("Freedom from slavery"),
    5: _("Freedom from torture"),
    6: _("All are protected by the law"),
    7: _("All are equal before the law"),
    8: _("A remedy when rights have been violated"),
    9: _("No unjust detention, imprisonment or exile"),
    10: _("Right to a fair trial"),
    11: _("Innocent until proven guilty"),
    12: _("Privacy and the right to home and family life"),
    13: _("Freedom to live and travel freely within state borders"),
    14: _("Right to go to another country and ask for protection"),
    15: _("Right to a nationality"),
    16: _("Right to marry and start a family"),
    17: _("Right to own property and possessions"),
    18: _("Freedom of belief (including religious belief)"),
    19: _("Freedom of expression and the right to spread information"),
    20: _("Freedom to join associations and meet with others in a peaceful way"),
    21: _("Right to take part in the government of your country"),
    22: _("Right to social security"),
    23: _("Right to work for a fair wage and to join a trade union"),
    24: _("Right to rest and leisure"),
    25: _("Right to a standard of living adequate for your health and well-being"),
    26: _("Right to education, including free primary education"),
    27: _("Right to share in your community’s cultural life"),
    28: _("Right to an international order where all these rights can be fully realized"),
    29: _("Responsibility to respect the rights of others"),
    30: _("No taking away any of these rights!"),
}

ARTICLES = {
    number: Article(number, _TITLES[number], family)
    for family in FAMILIES
    for number in family.articles
}


def article(number):
    return ARTICLES[number]
