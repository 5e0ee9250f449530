# Letters and solidarity messages arrive with the take-action step kind.
