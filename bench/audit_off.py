"""The app without its audit hook, for `python -m bench.audit --http` only: the baseline the
hook's cost is measured against. Never deployed."""

from board import create_app

app = create_app()
app.after_request_funcs[None] = [
    hook for hook in app.after_request_funcs[None] if hook.__name__ != "audit_request"
]
