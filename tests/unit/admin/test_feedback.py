"""The toast an admin action answers with: success, a refusal, or a page that was out of date."""

from __future__ import annotations

from setlist_app.state.admin.common import Outcome, feedback


def test_an_outdated_page_is_a_warning_and_a_refusal_an_error() -> None:
    assert "success" in str(feedback(Outcome(True), "Done"))
    outdated = str(feedback(Outcome(False, message="Job 7 is succeeded already", outdated=True), ""))
    assert "warning" in outdated and "error" not in outdated and "Job 7 is succeeded already" in outdated
    assert "error" in str(feedback(Outcome(False, message="Admins only"), ""))
