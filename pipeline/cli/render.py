"""What the commands print: a pass's, a check's or a chase's result turned into lines for the console.

Nothing here reads a file or decides an exit code; the commands (pipeline.cli.commands) do that.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TextIO

from pipeline.domain.wording import clean_name

# Warnings on an accepted return that the officer running the pass should see there and then.
ANNOUNCED = frozenset({"reported-period", "register-changed", "period-not-ended"})


def format_findings(findings) -> str:
    """A plain-text table of findings: severity, place, code, message and fix."""
    rows = [("Severity", "Where", "Code", "Message")]
    rows += [(f.severity, f.where, f.code, f.message + (f" {f.fix}" if f.fix else "")) for f in findings]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
    return "\n".join(line.rstrip() for line in lines)


FEW_OF_EACH = 25


def _few_of_each(findings) -> list:
    """The first FEW_OF_EACH findings of each code, then one saying how many more: a file of thousands of
    rows with one mistake copied down needs examples, not thousands of lines."""
    from collections import Counter
    from dataclasses import replace

    seen: Counter[str] = Counter(f.code for f in findings)
    kept, shown = [], Counter[str]()
    for f in findings:
        shown[f.code] += 1
        if shown[f.code] <= FEW_OF_EACH:
            kept.append(f)
        elif shown[f.code] == FEW_OF_EACH + 1:
            more = seen[f.code] - FEW_OF_EACH
            kept.append(replace(f, message=f"... and {more:,} more like these.", fix="", sheet="", cell="", row=None))
    return kept


def checked(register_path: Path, register, findings, form: str, out: TextIO) -> None:
    """`pipeline check`: the register's counts and its findings, as a table or as JSON."""
    if form == "json":
        json.dump([f.__dict__ | {"where": f.where} for f in findings], out, indent=2)
        out.write("\n")
        return
    out.write(f"Register: {register_path}\n")
    out.write(
        f"{len(register.partnerships)} partnerships, {len(register.indicators)} indicators, "
        f"{len(register.actions)} actions, {len(register.risks)} risks\n\n"
    )
    if findings:
        out.write(format_findings(findings) + "\n")
    errors = sum(f.severity == "error" for f in findings)
    out.write(f"\n{errors} error(s), {len(findings) - errors} warning(s).\n")


def mailbox_checked(name: str, previews, out: TextIO) -> None:
    """`pipeline mailbox check`: one line a new message, what would become of it, and its spreadsheets."""
    for p in previews:
        what = f"{p.outcome.upper():<21} {p.sender or 'nobody'}: {clean_name(p.subject) or '(no subject)'}"
        out.write(what + (f" ({', '.join(p.names)})" if p.names else f" ({p.reason})") + "\n")
    taken = sum(len(p.names) for p in previews if p.outcome == "taken")
    out.write(
        f"{name}: {len(previews)} new message(s); the next pass would take {taken} spreadsheet(s) into the inbox. "
        "Nothing was changed.\n"
    )


def passed(report, out: TextIO) -> None:
    """`pipeline run`: one line a file (with the errors of a rejected one), the outputs made, and what failed."""
    outcomes, ingest = report.ingest.outcomes, report.ingest
    for line in report.mailbox.messages:
        out.write(f"{'MAILBOX':<9} {'-':<16} {clean_name(line)}\n")
    if report.mailbox.failure:
        out.write(f"{'MAILBOX':<9} {'-':<16} not read: {report.mailbox.failure}\n")
    for name in ingest.waiting:
        # Said in whole seconds, rounded up: "in 0 s" would read as now.
        when = f"in {max(1, math.ceil(ingest.ready_in[name]))} s" if name in ingest.ready_in else "soon"
        out.write(
            f"{'WAITING':<9} {'-':<16} {name}: still being copied; it can be taken {when}, by the next pass "
            "after that (`pipeline run --wait` waits for it)\n"
        )
    for left in ingest.not_read:
        out.write(f"{'NOT READ':<9} {'-':<16} {clean_name(left.name)}: {left.why}\n")
    for o in outcomes:
        where = f"{o.partnership} {o.period}".strip() or "-"
        out.write(f"{o.verdict.upper():<9} {where:<16} {clean_name(o.name)}\n")
        if o.verdict == "rejected":
            for f in o.findings:
                if f.severity == "error":
                    out.write(f"          {f.line()}\n")
        elif o.verdict == "duplicate" and o.reason:  # which file it repeats, so nobody wonders why it did not count
            out.write(f"          {o.reason}\n")
        else:  # accepted: the warnings that change more than this return, so nobody is surprised later
            for f in o.findings:
                if f.code in ANNOUNCED:
                    out.write(f"          {f.line()}\n")
    for period, paths in report.built.items():
        out.write(f"Outputs for {period}: {len(paths)} file(s) in {paths[0].parent if paths else '-'}\n")
    rejected = sum(o.verdict == "rejected" for o in outcomes)
    if outcomes:
        out.write(
            f"{len(outcomes)} file(s): {len(report.ingest.accepted)} accepted, {rejected} rejected, "
            f"{len(outcomes) - rejected - len(report.ingest.accepted)} duplicate.\n"
        )
    elif not (report.built or ingest.waiting or ingest.not_read or report.mail_failed or report.mailbox.messages):
        out.write("Nothing new in the inbox.\n")
    for key in report.mail_failed:  # on every pass until it goes, not only the pass that decided the file
        out.write(f"{'MAIL':<9} {'-':<16} {key}: not sent (the log says why); see `pipeline status`\n")
    messages = set(report.mail_failed)
    for failure in report.failures:
        if failure.what not in messages:
            out.write(
                f"{'FAILED':<9} {'-':<16} {clean_name(failure.what)}: feedback not given (the log says why); "
                "tried again next pass\n"
            )
    for incomplete in report.incomplete:  # the outputs that were made are counted above
        out.write(f"{'NOT MADE':<9} {'-':<16} {incomplete}\n")


def chased(result, out: TextIO) -> None:
    """`pipeline chase`: each message sent, failed, refused for good or held back, and the counts."""
    for key in result.sent:
        out.write(f"sent    {key}\n")
    for key in result.failed:
        if key in result.refused:
            out.write(f"REFUSED {key} (refused for good: see the error; not retried until its address changes)\n")
        else:
            out.write(f"FAILED  {key} (will be retried)\n")
    for key in result.held:
        out.write(f"held    {key} (refused before; sent once the address is corrected)\n")
    # Refusals are counted with the failures: either way the officer has something to put right.
    refused = f", {len(result.refused)} refused" if result.refused else ""
    held = f", {len(result.held)} held back" if result.held else ""
    out.write(
        f"{len(result.sent)} message(s) sent, {len(result.failed) - len(result.refused)} failed{refused}{held}.\n"
    )


def previewed(result, folder: Path, out: TextIO) -> None:
    """A dry run's console: worded so that nobody takes a preview for a message that went."""
    out.writelines(f"would send {key}\n" for key in result.sent)
    out.writelines(f"FAILED     {key} (the preview could not be written: see the warning)\n" for key in result.failed)
    out.write(
        f"{len(result.sent)} message(s) would be sent (dry run: previews in {folder}; nothing was sent or recorded).\n"
    )


def initialised(made, period, out: TextIO) -> None:
    """`pipeline init`: what was made, and the next three commands, to run in the new folder."""
    import shlex

    out.write(f"Made a new council's folder {made.folder}:\n")
    for path in made.made:
        out.write(f"  {path.relative_to(made.folder)}{'/' if path.is_dir() else ''}\n")
    steps = [
        ("pipeline check", "names every problem in the register and config.toml"),
        ("pipeline import-history past-figures.xlsx", "last years' figures (Code, Period, Actual), if you have them"),
        (f'pipeline templates --period "{period}"', "the return templates to send out"),
    ]
    width = max(len(command) for command, _ in steps)
    out.write(
        f"\nFill in {made.register.name} (its Guidance sheet explains every column) and look over config.toml; "
        f"then the next three commands, in that folder:\n  cd {shlex.quote(str(made.folder))}\n"
    )
    for command, why in steps:
        out.write(f"  {command.ljust(width)}   # {why}\n")


def imported(result, out: TextIO) -> None:
    """`pipeline import-history`: the findings, then what was kept."""
    if result.findings:
        out.write(format_findings(_few_of_each(result.findings)) + "\n\n")
    errors = sum(f.severity == "error" for f in result.findings)
    if result.count is None:
        out.write(
            f"Nothing was imported: {clean_name(result.file.name)} has {errors} error(s). Correct them and import it again.\n"
        )
        return
    span = f" for {result.periods[0]} to {result.periods[-1]}" if result.periods else ""
    c = result.count
    out.write(
        f"{result.read} figure(s) read from {clean_name(result.file.name)}{span}: {c.added} added, {c.changed} changed, "
        f"{c.unchanged} already there.\n"
    )
