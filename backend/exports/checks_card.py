"""The data card's section on how the set was checked: acceptance lots (验收) and their plans."""

from __future__ import annotations

from typing import Any


def checks_card(manifest: dict[str, Any]) -> list[str]:
    """Markdown lines (ending with a blank line) for the manifest's ``quality_checks``."""
    checks = manifest.get("quality_checks") or {}
    acceptance = checks.get("acceptance")
    if not acceptance:
        return []
    lines = ["## How it was checked", ""]
    review = checks.get("review")
    if review:
        decided = review["decisions"].get("review", {})
        lines.append(
            f"- Review (质检): {review['items_reviewed']} of {review['items']} items reviewed "
            f"({review['share_reviewed']:.1%}); verdicts: "
            + (", ".join(f"{k} {v}" for k, v in decided.items()) or "none")
            + "."
        )
    lots = acceptance["lots"]
    if not lots:
        lines.append("- Acceptance sampling (验收): no lot inspected when this version was made.")
    else:
        lines.append(
            f"- Acceptance sampling (验收), {acceptance['standard']}: "
            f"{acceptance['lots_accepted']} lots accepted, {acceptance['lots_rejected']} "
            f"rejected, {acceptance['lots_inspecting']} under inspection; "
            f"{acceptance['items_in_accepted_lots']} items in accepted lots."
        )
        lines += [
            "",
            "| lot | items | status | round | level | AQL | severity | letter | n | Ac | Re "
            "| inspected | defects |",
            "|---:|---:|---|---:|---|---:|---|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {lot['id']} | {lot['size']} | {lot['status']} | {lot['round']} | {lot['level']} "
            f"| {lot['aql']} | {lot['severity']} | {lot['code_letter']} | {lot['sample_size']} "
            f"| {lot['accept']} | {lot['reject']} | {lot['inspected']} | {lot['defects']} |"
            for lot in lots
        ]
    if manifest["filter"].get("only_reviewed"):
        lines += ["", "- This version holds only items a reviewer accepted or fixed."]
    if manifest["filter"].get("only_accepted_lots"):
        lines += ["", "- This version holds only the items of the accepted lots listed above."]
    if manifest["filter"].get("annotators_pseudonymous"):
        lines += ["- Annotators are named by pseudonyms (A-xxxx), as the client sees them."]
    lines.append("")
    return lines
