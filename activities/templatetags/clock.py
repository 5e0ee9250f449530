from django import template

register = template.Library()


@register.filter
def clock(seconds):
    """Seconds as a countdown shows them, m:ss (as live.js ticks them on)."""
    seconds = max(0, round(float(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"
