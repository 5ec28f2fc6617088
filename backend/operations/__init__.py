"""What a firm needs to run Jinbiao: request ids, security headers, metrics (issue 23)."""
