"""Review (质检) and rework (返工): the second stage of the firm's workflow (issue 19)."""
