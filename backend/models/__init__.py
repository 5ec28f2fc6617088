"""Models (智能化标注, issue 21): built-in models trained on a project's final answers,
pre-labels, uncertainty ordering, and outside models behind an HTTP endpoint."""
