"""Word highlight reports and the board paper, rendered from editable docxtpl templates.

Everything shown comes from one PeriodReport, so the figures are the figures in
the master workbook. The layout lives in templates/highlight-report.docx and
templates/board-paper.docx (built by tools/build_word_templates.py); a copy in
the configured templates folder takes precedence, so officers can restyle the
documents in Word. A broken tag in a template is reported as a TemplateError
naming the file and the tag. docxtpl and python-docx are imported lazily.

Over 400 lines on purpose: choosing the documents and rendering them share one run's
templates and failures; the Word mechanics (render_docx on) are the split if it grows.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import Any

from pipeline.config.builtin import BUILTIN_TEMPLATES
from pipeline.domain.calendar import board_meeting, board_paper_filename
from pipeline.domain.errors import OutputsIncomplete, PipelineError, TemplateError, TemplateOutputsIncomplete
from pipeline.domain.settings import Config
from pipeline.outputs.assemble import PeriodReport
from pipeline.outputs.board_front import front_context
from pipeline.outputs.charts import ChartCache, spc_chart, trend_chart
from pipeline.outputs.docx_context import board_context, highlight_context
from pipeline.outputs.judgement_words import board_judgement, highlight_judgement
from pipeline.outputs.word_chart import CHART_CONTENT_TYPE, CHART_RELATIONSHIP, WordChart, inline_xml
from pipeline.rating.rag import RiskBands
from pipeline.support.atomic import inside, write_with
from pipeline.support.worker import Background, Claims

log = logging.getLogger(__name__)

DEFAULT_TEMPLATES = BUILTIN_TEMPLATES
HIGHLIGHT_TEMPLATE = "highlight-report.docx"
BOARD_TEMPLATE = "board-paper.docx"
LANGUAGE = "en-GB"
# Text (a <w:t> run) holding a character docxtpl's resolve_listing turns into Word mark-up.
_LISTING = re.compile(r"<w:t(?:\s[^>]*)?>[^<]*[\t\n\a\f]")


@dataclass(frozen=True)
class Failure:
    """A document that could not be made, and why (plain data: it may come from the child process)."""

    name: str
    reason: str
    template: bool  # a broken Word template, which the officer fixes (exit 5); else exit 4


def _attempt(name: str, make: Callable[[], Path], failures: list[Failure]) -> Path | None:
    """make(), or None with the failure logged and added to `failures`: one document that cannot
    be made (a bug its data brings out, a broken template) must not stop the others."""
    try:
        return make()
    except Exception as exc:  # any failure of one document: logged, and said again when the pass ends
        reason = str(exc) if isinstance(exc, PipelineError) else f"{type(exc).__name__}: {exc}"
        log.error("Could not make %s: %s", name, reason)
        log.debug("Why %s could not be made", name, exc_info=True)
        failures.append(Failure(name, reason, isinstance(exc, TemplateError)))
        return None


def _incomplete(failures: list[Failure], written: list[Path], report: PeriodReport) -> OutputsIncomplete:
    """The error a pass ends with when some documents were not made: each named, with why."""
    if len(failures) == 1:
        said = f"{failures[0].name} could not be made: {failures[0].reason}"
    else:
        said = f"{len(failures)} documents could not be made: " + "; ".join(f"{f.name} ({f.reason})" for f in failures)
    kind = TemplateOutputsIncomplete if failures[0].template else OutputsIncomplete
    return kind(
        said if said.endswith(".") else said + ".",
        written=written,
        fix=f"The other outputs for {report.period} were written; the next pass makes "
        f"{'it' if len(failures) == 1 else 'them'} again.",
    )


def meeting_date(report: PeriodReport, config: Config) -> date | None:
    """DATE OF MEETING: the board meeting the period's report goes to (calendar.board_meeting), None when
    the diary has none. Never the clock, never a guess."""
    return board_meeting(report.period, config.calendar, report.deadlines)


def file_part(text: str) -> str:
    """A partnership's short name made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "partnership"


def template_path(config: Config, name: str) -> Path:
    """The officers' copy in the configured templates folder, else the shipped default."""
    own = config.paths.templates / name
    if own.is_file():
        return own
    default = DEFAULT_TEMPLATES / name
    if default.is_file():
        return default
    raise TemplateError(
        f"The Word template {name} is in neither {config.paths.templates} nor {DEFAULT_TEMPLATES}.",
        fix="Rebuild the defaults with `python tools/build_word_templates.py`, or copy the template back.",
    )


def write_documents(
    report: PeriodReport, config: Config, out_dir: Path, *, pdf: bool = True, chart_dir: Path | None = None
) -> list[Path]:
    """Write a highlight report per partnership, the board paper, their PDFs and (Q2, Q4) the public summary.

    The highlight reports' charts are Word's own (word_chart); the public summary's rating chart is a
    PNG cached by content in `chart_dir` (default out_dir/.charts), so a re-run with unchanged data
    re-uses it. Returns the paths written, Word documents first.
    """
    from pipeline.outputs.public_summary import is_summary_period, write_public_summary

    out_dir = Path(out_dir)
    folder = Path(chart_dir) if chart_dir else out_dir / ".charts"
    public = report.publishing.public_board_paper
    names = [_highlight_name(p, report) for p in report.partnerships] + [_board_paper_name(report)]
    names += [_board_paper_name(report, public=True)] if public else []
    # What the documents that already have a PDF held: one written again unchanged keeps its PDF.
    before = {n: _content(out_dir / n) for n in names if (out_dir / n).with_suffix(".pdf").exists()}
    env = jinja_env()  # shared, so the highlight template is compiled once per process, not once per partnership
    _template_class()  # imports docxtpl and python-docx once, before the fork, not in both processes
    # A second process renders highlight reports alongside this one, each taking the next
    # partnership in turn; the board paper goes first here, while the child starts.
    claims = Claims(len(report.partnerships))
    failures: list[Failure] = []
    with Background(_highlight_reports, report, config, out_dir, claims, fork=claims.shared) as theirs:
        board = _attempt(_board_paper_name(report), lambda: _board_paper(report, config, out_dir, env), failures)
        if public:
            published = _attempt(
                _board_paper_name(report, public=True),
                lambda: _board_paper(report, config, out_dir, env, public=True),
                failures,
            )
        mine, my_failures = _highlight_reports(report, config, out_dir, claims, env)
        others, their_failures = theirs.result()
    failures += my_failures + their_failures
    done = {p.name: p for p in mine + others}
    tried = set(done) | {f.name for f in failures}
    left = [n for n, p in enumerate(report.partnerships) if _highlight_name(p, report) not in tried]
    if left:  # claimed by a child that did not finish
        more, more_failures = _highlight_reports(report, config, out_dir, left, env)
        done.update((p.name, p) for p in more)
        failures += more_failures
    written = [done[n] for n in (_highlight_name(p, report) for p in report.partnerships) if n in done]
    written += [board] if board else []
    written += [published] if public and published else []
    log.info("Wrote %d Word documents to %s.", len(written), out_dir)
    unchanged = [d for d in written if d.name in before and before[d.name] == _content(d)]
    changed = [d for d in written if d not in unchanged]
    # Before converting, so that a conversion cut short leaves no PDF of the old figures.
    _remove_stale_pdfs(changed, report, replaced=pdf)
    if pdf:
        from pipeline.outputs.pdf import convert_to_pdf

        written += [d.with_suffix(".pdf") for d in unchanged] + convert_to_pdf(changed, out_dir)
    cache = ChartCache(folder)
    if is_summary_period(report.period):
        summary = _attempt(
            f"public-summary-{report.period.slug}.html",
            lambda: write_public_summary(report, config, out_dir, cache),
            failures,
        )
        written += [summary] if summary else []
    if chart_dir is None:
        cache.prune()
    if failures:
        raise _incomplete(failures, written, report)
    return written


def _remove_stale_pdfs(documents: list[Path], report: PeriodReport, *, replaced: bool) -> None:
    """A PDF left from an earlier run beside a document just rewritten with other content would
    show board members the old figures: it goes (and, unless a new one is being made, the log
    says how to make it again)."""
    for document in documents:
        old = document.with_suffix(".pdf")
        if old.exists():
            old.unlink()
            if not replaced:
                log.warning(
                    "Removed %s: it showed the figures before this run. Make its PDF again with "
                    '`pipeline report --period "%s"`.',
                    old.name,
                    report.period,
                )


def _content(path: Path) -> str | None:
    """A digest of what a .docx holds, whatever its zip's timestamps; None when there is none."""
    try:
        with zipfile.ZipFile(path) as archive:
            digest = hashlib.sha256()
            for name in sorted(archive.namelist()):
                digest.update(name.encode("utf-8"))
                digest.update(archive.read(name))
            return digest.hexdigest()
    except (OSError, zipfile.BadZipFile):
        return None


def _board_paper_name(report: PeriodReport, *, public: bool = False) -> str:
    name = board_paper_filename(report.period)
    return name.replace(".docx", "-public.docx") if public else name


def _highlight_name(p, report: PeriodReport) -> str:
    return f"highlight-{file_part(p.partnership.short_name)}-{report.period.slug}.docx"


def _highlight_reports(
    report: PeriodReport, config: Config, out_dir: Path, indices: Iterable[int], env=None
) -> tuple[list[Path], list[Failure]]:
    """The highlight reports (with their trend and SPC charts) of the partnerships at `indices`, and the
    reports that could not be made."""
    highlight = template_path(config, HIGHLIGHT_TEMPLATE)
    bands = RiskBands(config.rag.risk_low_max, config.rag.risk_medium_max)
    env = env or jinja_env()
    stamp = report_stamp(report)
    written: list[Path] = []
    failures: list[Failure] = []
    for index in indices:
        p = report.partnerships[index]

        def make(p=p) -> Path:
            charts = {
                i.indicator.code: trend_chart(i) for i in p.exceptions if any(t.actual is not None for t in i.trend)
            }
            spc_charts = {i.indicator.code: chart for i in p.indicators if (chart := spc_chart(i))}
            return render_docx(
                highlight,
                inside(out_dir, _highlight_name(p, report)),
                lambda picture: (
                    highlight_context(report, p, charts, picture, bands) | highlight_judgement(p, spc_charts, picture)
                ),
                stamp=stamp,
                subject=f"Highlight report {report.period}",
                author=report.organisation,
                env=env,
            )

        path = _attempt(_highlight_name(p, report), make, failures)
        written += [path] if path else []
    return written, failures


def paper_context(report: PeriodReport, meeting: date | None) -> dict[str, Any]:
    """Fields of templates/board-paper.docx: the body's and the front's (dashboard, year-end outturn)."""
    return board_context(report, meeting) | front_context(report) | board_judgement(report)


def _board_paper(report: PeriodReport, config: Config, out_dir: Path, env, *, public: bool = False) -> Path:
    """The board paper; `public`: its version with the public summary's disclosure control (public_paper)."""
    from pipeline.outputs.public_paper import public_board_context

    meeting = meeting_date(report, config)
    context = public_board_context if public else paper_context
    return render_docx(
        template_path(config, BOARD_TEMPLATE),
        out_dir / _board_paper_name(report, public=public),
        lambda picture: context(report, meeting),
        stamp=report_stamp(report),
        subject=f"Board paper {report.period}",
        author=report.organisation,
        env=env,
    )


def report_stamp(report: PeriodReport) -> datetime:
    """The documents' created/modified time: when the latest return arrived, else the period's end."""
    if report.data_as_at:
        try:
            stamp = datetime.fromisoformat(report.data_as_at.replace("Z", "+00:00"))
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        except ValueError:
            log.debug("data_as_at %r is not an ISO time; using the period end", report.data_as_at)
    return datetime.combine(report.period.end, time(0), tzinfo=UTC)


def jinja_env():
    """Strict (an unknown field is an error, not a blank) and autoescaping, with compiled templates memoised."""
    import jinja2

    class Environment(jinja2.Environment):
        def __init__(self) -> None:
            super().__init__(undefined=jinja2.StrictUndefined, autoescape=True)
            self._compiled: dict[str, jinja2.Template] = {}

        def from_string(self, source, globals=None, template_class=None):
            if globals is not None or template_class is not None:
                return super().from_string(source, globals, template_class)
            if source not in self._compiled:
                self._compiled[source] = super().from_string(source)
            return self._compiled[source]

    return Environment()


def render_docx(
    template: Path, target: Path, build_context, *, stamp: datetime, subject: str, author: str, env=None
) -> Path:
    """Render `template` with the context build_context(picture) returns, and write `target` atomically.

    `picture(chart)` places a WordChart: its chart part, and the drawing carrying its alt text.
    """
    import jinja2

    tpl = _template_class()(str(template))
    try:
        tpl.init_docx()
    except Exception as exc:  # python-docx raises several kinds for a file that is not a Word document
        raise TemplateError(
            f"The Word template {template} cannot be opened: {exc}.",
            fix="Save it from Word as a .docx document, or delete it to use the default.",
        ) from None
    native = _native_chart_class()
    context = build_context(lambda chart: native(tpl, chart))
    env = env or jinja_env()
    try:
        tpl.render(context, jinja_env=env, autoescape=True)
    except jinja2.TemplateError as exc:
        raise _template_error(template, tpl, exc) from None
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        if _template_line(exc.__traceback__) is None:
            raise  # not the template's doing: a bug, shown with --traceback
        raise _template_error(template, tpl, exc) from None
    _finish(tpl.docx, context, stamp=stamp, subject=subject, author=author, template=template)
    return write_with(target, lambda path: tpl.save(str(path)))


@functools.lru_cache(maxsize=1)
def _template_class():
    from docxtpl import DocxTemplate

    # docxtpl cleans the template's XML with dozens of regular expressions on every render;
    # a run renders the same template a dozen times, so the cleaned XML is kept.
    patch = functools.lru_cache(maxsize=16)(functools.partial(DocxTemplate.patch_xml, object.__new__(DocxTemplate)))

    class Template(DocxTemplate):
        def patch_xml(self, src_xml: str) -> str:
            return patch(src_xml)

        def resolve_listing(self, xml: str) -> str:
            # Turns tabs and line ends typed in commentary into Word tabs and breaks: a
            # regular-expression pass over the whole document, needless when no text has one.
            return super().resolve_listing(xml) if _LISTING.search(xml) else xml

    return Template


def _native_chart_class():
    from docx.opc.part import Part

    class NativeChart:
        """A chart Word draws (word_chart.WordChart), placed as docxtpl places an InlineImage: its chart
        part added to the package and related to the part being rendered, and the run that shows it."""

        def __init__(self, tpl, chart: WordChart) -> None:
            self.tpl, self.chart = tpl, chart

        def __html__(self) -> str:
            source = self.tpl.current_rendering_part
            package = source.package
            part = Part(
                package.next_partname("/word/charts/chart%d.xml"), CHART_CONTENT_TYPE, self.chart.xml.encode(), package
            )
            relationship = source.relate_to(part, CHART_RELATIONSHIP)
            return f'</w:t></w:r><w:r>{inline_xml(relationship, self.chart)}</w:r><w:r><w:t xml:space="preserve">'

        __str__ = __html__

    return NativeChart


def _finish(document, context: dict[str, Any], *, stamp: datetime, subject: str, author: str, template: Path) -> None:
    """Title, language and dates in the core properties (from the report, not the clock)."""
    from docx.oxml.ns import qn

    core = document.core_properties
    core.title = context["title"]
    core.subject = subject
    core.author = author
    core.language = LANGUAGE
    core.created = core.modified = stamp.astimezone(UTC).replace(tzinfo=None)
    core.last_modified_by = "pipeline"
    core.revision = 1
    _order_cell_properties(document)
    unlabelled = [d.get("name", "") for d in document.element.body.iter(qn("wp:docPr")) if not d.get("descr")]
    if unlabelled:
        log.warning(
            "%s: %d picture(s) have no alt text (%s); add it in Word (right-click, Edit Alt Text).",
            template,
            len(unlabelled),
            ", ".join(unlabelled),
        )


# Schema order of w:tcPr's children. docxtpl's cellbg puts w:shd first, which Word may
# report as unreadable content; put every child back in its place.
_TCPR_ORDER = (
    "cnfStyle",
    "tcW",
    "gridSpan",
    "hMerge",
    "vMerge",
    "tcBorders",
    "shd",
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
    "headers",
    "cellIns",
    "cellDel",
    "cellMerge",
    "tcPrChange",
)


def _order_cell_properties(document) -> None:
    from docx.oxml.ns import qn

    rank = {qn(f"w:{name}"): n for n, name in enumerate(_TCPR_ORDER)}
    for tcpr in document.element.body.iter(qn("w:tcPr")):
        children = list(tcpr)
        ordered = sorted(children, key=lambda child: rank.get(child.tag, len(rank)))
        if ordered != children:
            for child in children:
                tcpr.remove(child)
            tcpr.extend(ordered)


_TAG = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.DOTALL)
_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


def _template_error(template: Path, tpl, exc: Exception) -> TemplateError:
    """A TemplateError naming the file and, where it can be found, the tag at fault."""
    import jinja2

    reason = getattr(exc, "message", None) or str(exc)
    tag = _offending_tag(tpl, exc)
    where = f" in the tag {tag}" if tag else ""
    if isinstance(exc, jinja2.UndefinedError):
        problem = f"uses a field that does not exist{where} ({reason})"
    elif not isinstance(exc, jinja2.TemplateError):
        problem = f"uses a field in a way it cannot be used{where} ({reason})"
    else:
        problem = f"has a broken tag{where} ({reason})"
    return TemplateError(
        f"The Word template {template} {problem}.",
        fix="Open it in Word and correct or remove that tag (field names are listed in pipeline/docx_context.py), "
        "or delete the file to use the default template.",
    )


def _offending_tag(tpl, exc: Exception) -> str:
    lineno = getattr(exc, "lineno", None) or _template_line(exc.__traceback__)
    try:
        source = tpl.patch_xml(tpl.get_xml())
    except Exception:  # the tag is a courtesy; the message names the file without it
        return ""
    # The same line split docxtpl uses before handing the XML to Jinja.
    lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", source).splitlines()
    match = _NAME.search(getattr(exc, "message", None) or str(exc))
    name = next((g for g in match.groups() if g), "") if match else ""
    candidates: list[str] = []
    if lineno and 0 < lineno <= len(lines):
        candidates = _TAG.findall(re.sub(r"<[^>]+>", "", lines[lineno - 1]))
    if name:
        named = [t for t in candidates if name in t] or [
            t for t in _TAG.findall(re.sub(r"<[^>]+>", "", source)) if re.search(rf"\b{re.escape(name)}\b", t)
        ]
        candidates = named or candidates
    return candidates[0].strip() if candidates else ""


def _template_line(tb: TracebackType | None) -> int | None:
    """The template line of a runtime error: Jinja rewrites frames so they point into '<template>'."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def docx_text_parts(path: Path) -> dict[str, str]:
    """The XML of every part of a .docx, by name: used to check no template tag survived."""
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")}
