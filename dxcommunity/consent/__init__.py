"""Company consent: shares of the diagnosis / plan with an organization, the access log, bank comments."""
