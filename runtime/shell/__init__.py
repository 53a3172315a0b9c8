"""The shell around every page: sign-in gate, layout context, headers, errors."""
