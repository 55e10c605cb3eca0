"""E-mails as MIME messages: Jinja2 templates, inlined CSS, charts by Content-ID, attachments, a size limit."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import lru_cache

from kam_xl.errors import KamError
from kam_xl.lang.words import full_width
from kam_xl.mail.charts import ChartImage
from kam_xl.mail.content import day, money, num, one_line, pct, pts
from kam_xl.version import __version__

MAX_EMAIL_BYTES = 1_000_000
SHRINK_DPI = (
    110,
    80,
    60,
)  # the chart resolutions tried, in turn, while an e-mail is over the limit
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class EmailError(KamError):
    """An e-mail cannot be written as asked (too large, no sender, a template error)."""


def header_text(text: str) -> str:
    """Text fit for a header (subject, display name): line breaks and control characters folded to one space.

    A store name typed with Alt+Enter must not break the e-mail (nor inject a header).
    """
    return one_line(text)


@dataclass
class Attachment:
    filename: str
    data: bytes
    maintype: str = XLSX[0]
    subtype: str = XLSX[1]


@dataclass
class Draft:
    """One e-mail before it becomes MIME: who gets it, the template and its data, images, attachments."""

    kind: str  # "sr", "store" or "hq"
    key: str  # SR id, store id or "account"
    to: list[Address]
    subject: str
    context: dict
    cc: list[Address] = field(default_factory=list)
    charts: list[ChartImage] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.subject = header_text(self.subject)


@dataclass
class MessageRecord:
    """One written e-mail: what the index, the send stage and the send log need to know about it."""

    kind: str
    key: str
    message_id: str
    subject: str
    sender: str
    to: list[str]
    cc: list[str]
    file: str  # the .eml file, relative to the output folder
    size: int
    attachments: list[str] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    preview: str | None = None  # the preview .html, relative to the output folder
    snippet: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> MessageRecord:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment of kam_xl/mail/templates: autoescape on for .html, strict about missing names."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("kam_xl.mail", "templates"),
        autoescape=select_autoescape(("html",), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=pct, pts=pts, num=num, money=money, day=day)
    return env


def render(name: str, context: dict) -> str:
    from jinja2 import TemplateError

    try:
        text = environment().get_template(name).render(context)
    except TemplateError as exc:
        raise EmailError(f"template {name}: {exc}") from exc
    return full_width(text) if context.get("lang") == "zh" else text


@lru_cache(maxsize=1)
def _inliner():
    import css_inline

    return css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False)


def html_body(kind: str, context: dict) -> str:
    """The HTML of an e-mail with its CSS moved into style attributes (what mail clients keep)."""
    return _inliner().inline(render(f"{kind}.html", context))


def text_body(kind: str, context: dict) -> str:
    return render(f"{kind}.txt", context).strip() + "\n"


# ---------------------------------------------------------------------------
# MIME
# ---------------------------------------------------------------------------


def address(name: str, email: str) -> Address:
    """A display name and an e-mail address; EmailError when the address is not one."""
    text = (email or "").strip()
    try:
        if not text or text.count("@") != 1 or any(ch.isspace() for ch in text):
            raise ValueError(text)
        return Address(display_name=header_text(name), addr_spec=text)
    except (ValueError, IndexError, TypeError) as exc:
        raise EmailError(f"not a valid e-mail address: {text!r}") from exc


def message_id(identity: list, sender: Address) -> str:
    """A Message-ID that is the same whenever the same e-mail (account, week, kind, scope, recipients) is built.

    The send log is keyed by it, so building again never makes an already sent e-mail look new.
    """
    digest = hashlib.sha256(json.dumps(identity, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]
    return f"<{digest}.kam@{sender.domain or 'kam-xl.invalid'}>"


def compose(draft: Draft, sender: Address, msg_id: str, when: datetime) -> EmailMessage:
    """multipart/mixed( alternative( text/plain, related( text/html, images ) ), attachments )."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["Reply-To"] = sender
    msg["To"] = draft.to
    if draft.cc:
        msg["Cc"] = draft.cc
    msg["Subject"] = header_text(draft.subject)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = msg_id
    msg["X-Mailer"] = f"kam_xl {__version__}"
    context = {**draft.context, "subject": draft.subject, "title": draft.subject}
    msg.set_content(text_body(draft.kind, context))
    msg.add_alternative(html_body(draft.kind, context), subtype="html")
    html = msg.get_payload()[1]
    for chart in draft.charts:
        html.add_related(
            chart.png,
            "image",
            "png",
            cid=f"<{chart.cid}>",
            filename=chart.name,
            disposition="inline",
        )
    for item in draft.attachments:
        msg.add_attachment(item.data, item.maintype, item.subtype, filename=item.filename)
    msg["Content-Language"] = "zh-CN" if draft.context["lang"] == "zh" else "en"
    return msg


def within_limit(
    draft: Draft, sender: Address, msg_id: str, when: datetime, limit: int = MAX_EMAIL_BYTES
) -> tuple[EmailMessage, bytes]:
    """The message and its bytes, its charts rendered smaller while it is over `limit`; EmailError if it stays over."""
    msg = compose(draft, sender, msg_id, when)
    data = msg.as_bytes()
    for dpi in SHRINK_DPI if draft.charts else ():
        if len(data) <= limit:
            break
        for chart in draft.charts:
            chart.shrink(dpi)
        msg = compose(draft, sender, msg_id, when)
        data = msg.as_bytes()
    if len(data) > limit:
        attached = ", ".join(f"{a.filename} {len(a.data) / 1e6:.2f} MB" for a in draft.attachments) or "none"
        raise EmailError(
            f"the {draft.kind} e-mail {draft.key} ({draft.subject}) would be {len(data) / 1e6:.2f} MB, "
            f"over the {limit / 1e6:.0f} MB limit (attachments: {attached}): split the scope, "
            f"for example fewer stores per SR"
        )
    return msg, data
