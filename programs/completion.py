"""The seam through which finishing a batch reaches apps to the right of programs (DESIGN §3).

funding registers a handler that creates each completed case's entitlements. Handlers run inside
`batch_complete`'s transaction, so a failing handler rolls the completion back; they must be idempotent,
because completion may run again.
"""

from collections.abc import Callable

_handlers: list[Callable] = []


def on_completion(handler: Callable) -> Callable:
    """Register `handler(*, actor, batch, completed)`; usable as a decorator."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def run(*, actor, batch, completed) -> None:
    for handler in _handlers:
        handler(actor=actor, batch=batch, completed=completed)
