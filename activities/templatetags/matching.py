"""The label of a rights card, as every matching screen shows it.

A filter rather than an included template: a group's board shows each right
under every card about the story (75 labels on the 2024 board), and an
include per label was most of the cost of rendering a board."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from .w4r_i18n import lang_attrs

register = template.Library()


@register.filter
def right_label(right):
    return format_html(
        '<span class="right-article">{} </span><span class="right-title"{}>{}</span>',
        gettext("Article %(number)s") % {"number": right.article},
        lang_attrs(right.title),
        right.title,
    )
