"""The e-mail stage: one e-mail per SR, store manager and management, written as .eml files with an index."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.headerregistry import Address
from pathlib import Path

from kam_xl.book import Book
from kam_xl.errors import KamError, require_extra
from kam_xl.execution.split import SrPackageFactory, check_current, file_names, history_token, stores_by_sr
from kam_xl.lang.words import sheet_name
from kam_xl.mail.charts import account_chart, store_chart
from kam_xl.mail.content import (
    Review,
    Words,
    blank,
    hq_chart_frames,
    hq_context,
    one_line,
    sr_chart_data,
    sr_context,
    store_context,
)
from kam_xl.mail.management import management_context, previous_summary
from kam_xl.mail.mime import (
    Attachment,
    Draft,
    EmailError,
    MessageRecord,
    address,
    environment,
    message_id,
    within_limit,
)
from kam_xl.mail.onepager import one_pager
from kam_xl.mail.rejected import held_entries, mark_rejected, rejected_entries
from kam_xl.mail.smtp import SEND_LOG, SendReport, SmtpSettings, send_emails
from kam_xl.model.plan import Plan, Store
from kam_xl.plan.meta import TabRecord, read_meta, require_hq
from kam_xl.plan.schema import ACCOUNT, TABLES
from kam_xl.progress import Progress, every
from kam_xl.reviewing.run import compute_review, read_inputs
from kam_xl.storetabs.find import existing_tabs
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive_folder
from kam_xl.xlsx.safezip import atomic_write

KINDS = ("sr", "store", "hq")
MANIFEST = "messages.json"
INDEX = "index.html"
ONE_PAGER = "management-one-page.png"
MESSAGES_DIR, PREVIEW_DIR = "messages", "preview"
WRITTEN = ".kam-email.json"  # what kam email wrote into the folder: the only files a later run deletes
NEVER_DELETED = frozenset({WRITTEN, SEND_LOG, SEND_LOG + ".lock"})


@dataclass
class Skipped:
    """An e-mail that was not written, and why (no or no valid address)."""

    kind: str
    key: str
    name: str
    reason: str


@dataclass
class EmailBatch:
    """What build_emails wrote: the message records (iterable like a list), what was skipped, the index."""

    folder: Path
    messages: list[MessageRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    index: Path | None = None
    warnings: list[str] = field(default_factory=list)
    send_report: SendReport | None = None

    def __iter__(self) -> Iterator[MessageRecord]:
        return iter(self.messages)

    def __len__(self) -> int:
        return len(self.messages)

    def __getitem__(self, position: int) -> MessageRecord:
        return self.messages[position]

    def as_dict(self) -> dict:
        return {
            "folder": str(self.folder),
            "index": str(self.index) if self.index else None,
            "messages": [m.as_dict() for m in self.messages],
            "skipped": [s.__dict__ for s in self.skipped],
            "warnings": list(self.warnings),
            "send": self.send_report.as_dict() if self.send_report else None,
        }


def parse_kinds(to: str | tuple | list) -> tuple[str, ...]:
    """("sr", "store", "hq") or a part of it, from "sr,store,hq" or a sequence."""
    wanted = [k.strip().lower() for k in (to.split(",") if isinstance(to, str) else to) if k.strip()]
    unknown = [k for k in wanted if k not in KINDS]
    if unknown or not wanted:
        raise KamError(f"--to {','.join(wanted) or '(empty)'}: choose from {','.join(KINDS)}")
    return tuple(k for k in KINDS if k in wanted)


def build_emails(
    source: str | Path | Book,
    out_dir: str | Path,
    to=KINDS,
    as_of: object = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> EmailBatch:
    """Write the e-mails of the HQ workbook's review into `out_dir` (.eml files, previews, index.html).

    Nothing is sent and the workbook is not changed: the review is computed, not written.
    """
    require_extra("mail", "e-mail")  # before anything is read or written: name the extra, not an ImportError
    kinds = parse_kinds(to)
    check_folder(Path(out_dir))
    book = FileBook(source, progress) if isinstance(source, (str, Path)) else source
    inputs = read_inputs(book, progress)
    review = Review(
        inputs.plan,
        compute_review(inputs.plan, inputs.targets, inputs.entries, as_of),
        inputs.entries,
    )
    if "hq" in kinds:  # the change since the previous review, from the history database beside the workbook
        review.previous = previous_summary(review, source if isinstance(source, (str, Path)) else None)
    writer = Writer(Path(out_dir), review, now or datetime.now().astimezone())
    batch = EmailBatch(writer.folder, warnings=list(inputs.warnings))
    try:
        drafts = list(_drafts(book, review, kinds, batch))
        tick = every(progress, "writing e-mails", len(drafts))
        for done, draft_of in enumerate(drafts, start=1):
            batch.messages.append(writer.write(draft_of()))
            tick(done)
        if review.one_pager_png:  # the management one-pager as a picture, to share in WeChat or DingTalk
            atomic_write(writer.folder / ONE_PAGER, review.one_pager_png, backup=False)
            writer.files.append(ONE_PAGER)
        batch.index = writer.finish(batch)
    finally:
        writer.record()  # even when stopped half way, the next run knows which files are kam's
    return batch


def email(
    source: str | Path | Book,
    out_dir: str | Path,
    to=KINDS,
    as_of: object = None,
    send: SmtpSettings | None = None,
    progress: Progress | None = None,
    *,
    wait: float | None = DEFAULT_WAIT,
) -> EmailBatch:
    """`kam email`: write the e-mails and, given SMTP settings, deliver what the send log has not sent yet.

    Raises SendError (with `.report`) when some e-mail could not be delivered; running again resumes.
    The folder's lock is held meanwhile (kam_xl.xlsx.guard.exclusive_folder: one writer and sender at a time).
    """
    require_extra("mail", "e-mail")  # before the folder is made
    parse_kinds(to)  # and so are the wrong --to, an SR's file given as the HQ workbook, a plan with errors
    book = FileBook(source, progress) if isinstance(source, (str, Path)) else source
    require_hq(read_meta(book, tabs=False), book)
    with exclusive_folder(out_dir, command="email", wait=wait):
        batch = build_emails(book, out_dir, to, as_of, progress)
        if send is not None:
            batch.send_report = send_emails(batch, send, progress=progress)
    return batch


def _drafts(book: Book, review: Review, kinds: tuple[str, ...], batch: EmailBatch):
    """A callable per e-mail to write (so charts and attachments are made one at a time); skips recorded."""
    makers = {
        "hq": lambda: hq_drafts(review),
        "sr": lambda: sr_drafts(book, review),
        "store": lambda: store_drafts(review),
    }
    for kind in ("hq", "sr", "store"):
        if kind in kinds:
            for item in makers[kind]():
                if isinstance(item, Skipped):
                    batch.skipped.append(item)
                else:
                    yield item


def _recipients(
    words: Words, kind: str, key: str, name: str, people: list[tuple[str, str, str]]
) -> list[Address] | Skipped:
    """Addresses of (display name, e-mail, plan field) people; a Skipped when any is missing or not valid."""
    found = []
    for person, email, where in people:
        if not (email or "").strip():
            return Skipped(kind, key, name, words("skip_no_email", field=where))
        try:
            found.append(address(person, email))
        except EmailError:
            return Skipped(kind, key, name, words("skip_bad_email", value=email))
    return found


def plan_field(sheet: str, key: str, lang: str) -> str:
    """Where a plan field is, in words: "Stores: SR e-mail"."""
    columns = ACCOUNT if sheet == "account" else TABLES[sheet]
    return f"{sheet_name(sheet, lang)}: {next(c for c in columns if c.key == key).header(lang)}"


def _optional(name: str, email: str) -> list[Address]:
    try:
        return [address(name, email)]
    except EmailError:
        return []


def hq_drafts(review: Review):
    plan, words = review.plan, review.words
    acc = plan.account
    where = plan_field("account", "management_emails", plan.language)
    people = [("", email, where) for email in acc.management_emails] or [("", "", where)]
    to = _recipients(words, "hq", "account", acc.name, people)
    if isinstance(to, Skipped):
        yield to
        return

    def draft() -> Draft:
        context = hq_context(review) | management_context(review, review.previous)
        context["preheader"] = words(
            "hq_intro",
            account=acc.name,
            week=review.week,
            stores=context["s"]["stores"],
            reporting=context["s"]["stores_reporting"],
        )
        charts = [_hq_chart(review)] if review.units_kpi and review.result.as_of_week else []
        context["chart"] = charts[0] if charts else None
        png, pdf = one_pager(context | {"t": words})  # the one-pager to forward (WeChat, DingTalk)
        review.one_pager_png = png  # written beside the e-mails (build_emails)
        name = re.sub(r'[\\/:*?"<>|]+', "-", one_line(words("one_pager_file", account=acc.name)))
        return Draft(
            "hq",
            "account",
            to,
            words("subj_hq", account=acc.name, week=review.week),
            context,
            charts=charts,
            attachments=[
                Attachment(f"{name}.pdf", pdf, "application", "pdf"),
            ],
            stores=[s.store_id for s in plan.active_stores],
        )

    yield draft


def _hq_chart(review: Review):
    words = review.words
    weeks, srs = hq_chart_frames(review)
    return account_chart(
        weeks,
        srs,
        {
            "weekly": words("chart_weekly"),
            "by_sr": words("chart_by_sr"),
            "target": words("week_target_units"),
            "actual": words("week_actual_units"),
            "alt": words("chart_account_alt"),
        },
        review.plan.language,
    )


def sr_drafts(book: Book, review: Review):
    plan = review.plan
    meta = read_meta(book)
    check_current(plan, meta)
    tabs = existing_tabs(book, meta)
    groups = stores_by_sr(plan, tabs)
    names = file_names(list(groups))
    factory = SrPackageFactory(getattr(book, "package", None) or _no_package(), plan, meta)
    factory.history_token = history_token(book)  # the attached workbook starts from HQ's values of now
    rejected = rejected_entries(book, plan, tabs, review.words)
    held = held_entries(book, plan, tabs)
    for sr_id, stores in groups.items():
        sr = next((s for s in stores if s.sr_email.strip()), stores[0])
        to = _recipients(
            review.words,
            "sr",
            sr_id,
            sr.sr_name,
            [(sr.sr_name, sr.sr_email, plan_field("stores", "sr_email", plan.language))],
        )
        if isinstance(to, Skipped):
            yield to
            continue

        def draft(sr_id=sr_id, stores=stores, to=to) -> Draft:
            records = [_named(*tabs[s.store_id]) for s in stores]
            package = factory.build(stores, records, names[sr_id])
            mine = rejected.get(sr_id, [])
            mark_rejected(package, mine)  # what the SR typed, back in its cell, to correct in place
            workbook = package.to_bytes()
            attachment = Attachment(names[sr_id], workbook)
            return _sr_draft(review, sr_id, stores, to, attachment, mine, held.get(sr_id, []))

        yield draft


def _no_package():
    raise KamError(
        "the SR e-mails attach workbooks copied from the workbook file: save the workbook and run email on the file"
    )


def _named(tab: str, record: TabRecord) -> TabRecord:
    return replace(record, tab=tab)


def _sr_draft(
    review: Review,
    sr_id: str,
    stores: list[Store],
    to: list[Address],
    attachment: Attachment,
    rejected=(),
    held=(),
) -> Draft:
    words, acc = review.words, review.plan.account
    context = sr_context(review, sr_id, stores)
    context["rejected"] = list(rejected)
    context["held"] = list(held)
    labels, values, rags = sr_chart_data(review, stores)
    charts = (
        [
            store_chart(
                labels,
                values,
                rags,
                words("chart_stores"),
                words("chart_stores_alt"),
                review.plan.language,
            )
        ]
        if not all(map(blank, values))
        else []
    )  # no chart while no store has data
    context.update(
        chart=charts[0] if charts else None,
        attachment=attachment.filename,
        preheader=words("sr_intro", stores=len(stores), account=acc.name, week=review.week),
    )
    return Draft(
        "sr",
        sr_id,
        to,
        words("subj_sr", account=acc.name, week=review.week),
        context,
        charts=charts,
        attachments=[attachment],
        stores=[s.store_id for s in stores],
    )


def store_drafts(review: Review):
    words, acc = review.words, review.plan.account
    for store in review.plan.active_stores:
        to = _recipients(
            words,
            "store",
            store.store_id,
            store.name,
            [
                (
                    store.manager,
                    store.manager_email,
                    plan_field("stores", "manager_email", review.plan.language),
                )
            ],
        )
        if isinstance(to, Skipped):
            yield to
            continue

        def draft(store=store, to=to) -> Draft:
            context = store_context(review, store)
            context.update(
                chart=None,
                preheader=words("store_intro", supplier=acc.supplier, store=store.name, week=review.week),
            )
            return Draft(
                "store",
                store.store_id,
                to,
                words("subj_store", store=store.name, week=review.week),
                context,
                cc=_optional(store.sr_name, store.sr_email),
                stores=[store.store_id],
            )

        yield draft


# ---------------------------------------------------------------------------
# Files: .eml, previews, messages.json, index.html
# ---------------------------------------------------------------------------


class Writer:
    """Writes each e-mail into the output folder; `finish` writes the manifest and the index page."""

    def __init__(self, folder: Path, review: Review, when: datetime):
        self.folder, self.review, self.when = folder, review, when
        self.sender = kam_sender(review.plan)
        self.folders = clear_output(folder)
        self.files: list[str] = []  # written so far, relative to the folder
        self.stems: set[str] = set()

    def write(self, draft: Draft) -> MessageRecord:
        stem = self._stem(draft)
        for number, chart in enumerate(draft.charts, start=1):
            chart.cid = f"{stem}-chart{number}@kam-xl"
        identity = [
            self.review.plan.account.name,
            self.review.result.as_of_week_id,
            draft.kind,
            draft.key,
            sorted(a.addr_spec.lower() for a in [*draft.to, *draft.cc]),
        ]
        msg_id = message_id(identity, self.sender)
        message, data = within_limit(draft, self.sender, msg_id, self.when)
        eml = f"{MESSAGES_DIR}/{stem}.eml"
        self.files.append(eml)
        (self.folder / eml).write_bytes(data)
        written: list[Path] = []
        preview = write_preview(message, self.folder / PREVIEW_DIR, stem, written)
        self.files += [path.relative_to(self.folder).as_posix() for path in written]
        return MessageRecord(
            draft.kind,
            draft.key,
            msg_id,
            draft.subject,
            str(self.sender),
            [str(a) for a in draft.to],
            [str(a) for a in draft.cc],
            eml,
            len(data),
            [a.filename for a in draft.attachments],
            list(draft.stores),
            preview.relative_to(self.folder).as_posix(),
            draft.context.get("preheader", ""),
        )

    def _stem(self, draft: Draft) -> str:
        stem = Path(file_names([draft.key])[draft.key]).stem
        name, number = f"{draft.kind}-{stem}", 2
        while name.casefold() in self.stems:
            name, number = f"{draft.kind}-{stem}-{number}", number + 1
        self.stems.add(name.casefold())
        return name

    def finish(self, batch: EmailBatch) -> Path:
        manifest = {
            "account": self.review.plan.account.name,
            "week": self.review.result.as_of_week_id,
            "written_at": self.when.isoformat(timespec="seconds"),
            "messages": [m.as_dict() for m in batch.messages],
        }
        self.files += [MANIFEST, INDEX]
        atomic_write(
            self.folder / MANIFEST,
            json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"),
            backup=False,
        )
        page = index_page(self.review, batch)
        atomic_write(self.folder / INDEX, page.encode("utf-8"), backup=False)
        return self.folder / INDEX

    def record(self) -> None:
        """Write WRITTEN: the files (and the folders kam made) that the next run may delete, nothing else."""
        listing = {"written_by": "kam email", "folders": self.folders, "files": self.files}
        atomic_write(self.folder / WRITTEN, json.dumps(listing, ensure_ascii=False, indent=1).encode(), backup=False)


def kam_sender(plan: Plan) -> Address:
    acc = plan.account
    try:
        return address(acc.kam_name, acc.kam_email)
    except EmailError as exc:
        where = plan_field("account", "kam_email", plan.language)
        raise EmailError(f"{where}: the KAM e-mail is the sender of every e-mail and must be valid ({exc})") from exc


def clear_output(folder: Path) -> list[str]:
    """Make the folder ready: delete what an earlier `kam email` wrote there, as its WRITTEN file lists.

    Nothing else in the folder is touched (the send log never). Returns the sub-folders kam made (its own).
    """
    check_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EmailError(f"cannot make the folder {folder} for the e-mails ({exc}): give another --out") from exc
    files, folders = written_before(folder)
    for path in files:
        if path.is_symlink() or path.is_file():
            path.unlink()
    for path in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
    made = []
    for name in (MESSAGES_DIR, PREVIEW_DIR):
        if not (folder / name).is_dir():
            made.append(name)
        try:
            (folder / name).mkdir(exist_ok=True)
        except OSError as exc:
            raise EmailError(
                f"cannot make {folder / name} for the e-mails ({exc}): move it away or use another --out"
            ) from exc
    return made


def check_folder(folder: Path) -> None:
    """EmailError when the output folder is an existing file."""
    if folder.exists() and not folder.is_dir():
        raise EmailError(f"{folder} is a file, not a folder: give a folder for the e-mails (it is made if missing)")


def written_before(folder: Path) -> tuple[list[Path], list[Path]]:
    """(files, folders) an earlier `kam email` wrote in `folder`: from WRITTEN, else from an older messages.json.

    Only plain relative paths inside the folder count; the send log and WRITTEN itself never.
    """
    listing: dict = {}
    try:
        listing = json.loads((folder / WRITTEN).read_text(encoding="utf-8"))
    except FileNotFoundError:
        listing = _older_listing(folder)
    except (OSError, ValueError):
        listing = {}  # unreadable: delete nothing
    if not isinstance(listing, dict):
        listing = {}
    return _inside(folder, listing.get("files")), _inside(folder, listing.get("folders"))


def _older_listing(folder: Path) -> dict:
    """What a kam without WRITTEN wrote: messages.json, index.html, and the .eml and preview of each message."""
    try:
        records = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["messages"]
        files = [MANIFEST, INDEX, *(r[key] for r in records for key in ("file", "preview") if r.get(key))]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {"files": files}


def _inside(folder: Path, names) -> list[Path]:
    found, root = [], folder.resolve()
    for name in names if isinstance(names, list) else []:
        if not isinstance(name, str) or not name or "\\" in name:
            continue
        relative = Path(name)
        if relative.is_absolute() or relative.anchor or ".." in relative.parts or relative.as_posix() in NEVER_DELETED:
            continue
        if (folder / relative).parent.resolve().is_relative_to(root):  # not through a link out of the folder
            found.append(folder / relative)
    return found


def preview_parts(message, prefix: str = "") -> tuple[str, dict[str, bytes]]:
    """The HTML body of a parsed e-mail with its cid: images renamed to files, and those files' bytes."""
    part = message.get_body(preferencelist=("html",))
    if part is None:
        return "", {}
    html = part.get_content()
    images = {}
    for related in message.walk():
        cid = (related.get("Content-ID") or "").strip("<> ")
        if cid and related.get_content_maintype() == "image":
            name = related.get_filename() or f"image{len(images) + 1}.png"
            name = f"{prefix}{len(images) + 1}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}"
            images[name] = related.get_payload(decode=True)
            html = html.replace(f"cid:{cid}", name)
    return html, images


def write_preview(message, folder: Path, stem: str, written: list[Path] | None = None) -> Path:
    """`folder/<stem>.html` with its images beside it as `<stem>-<n>-<name>`, for browsers and the index.

    Every file written is added to `written`, the preview page first.
    """
    html, images = preview_parts(message, prefix=f"{stem}-")
    path = folder / f"{stem}.html"
    if written is not None:
        written += [path, *(folder / name for name in images)]
    for name, data in images.items():
        (folder / name).write_bytes(data)
    path.write_text(html, encoding="utf-8")
    return path


def index_page(review: Review, batch: EmailBatch) -> str:
    words: Words = review.words
    kinds = {kind: sum(1 for m in batch.messages if m.kind == kind) for kind in KINDS}
    context = {
        **review.common(),
        "messages": batch.messages,
        "skipped": batch.skipped,
        "counts": kinds,
        "total_size": sum(m.size for m in batch.messages),
        "title": words("index_title", account=review.plan.account.name, week=review.week),
    }
    return environment().get_template("email_index.html").render(context)
