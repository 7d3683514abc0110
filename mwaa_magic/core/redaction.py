"""Keep tokens, cookies and JWTs out of every log record, whichever library logs it.

botocore logs CreateWebLoginToken's response body at DEBUG, httpcore logs ``Set-Cookie`` headers. A
``logging.Filter`` on a parent logger never sees its children's records, so instead a log-record factory
(installed once, on first use of boto3 or httpx) masks every secret before any handler sees the record:
the values mwaa_magic handed out (remembered here) and anything shaped like one (token fields, session
cookies, bearer credentials, JWTs).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from typing import Any

from .flavours import CREDENTIAL_COOKIES

MASK = "***"
_COOKIES = "|".join(map(re.escape, CREDENTIAL_COOKIES))  # the login cookies of every flavour
_PATTERNS = (
    re.compile(r"""(["']?(?:WebToken|CliToken|token|Token)["']?\s*[:=]\s*["']?)([^"'&\s,;}]{8,})"""),
    re.compile(r"""(\b(?:""" + _COOKIES + r""")=)([^;\s'",]{8,})"""),
    re.compile(r"""(\b[Bb]earer\s+)([A-Za-z0-9._~+/=-]{8,})"""),
    re.compile(r"""()(eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)"""),
    re.compile(r"""(aws-console-sso\?login=true#)([^\s'"\\<>]{8,})"""),  # a login link's token (%mwaa ui --print)
)
_known: deque[str] = deque(maxlen=512)
_lock = threading.Lock()
_installed = False


def remember(value: str) -> None:
    """Mask ``value`` wherever it appears in a log record from now on."""
    if value and len(value) >= 8:
        with _lock:
            _known.append(value)


def redact(text: str) -> str:
    """``text`` with every known or secret-shaped value replaced by ``***``."""
    with _lock:
        known = list(_known)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def _masked(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    return record


def install() -> None:
    """Wrap the process's log-record factory once (kept when another factory wraps ours)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return _masked(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed = True
