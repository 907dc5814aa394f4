"""DX推進指標 自己診断: index editions as data, the self-diagnosis form (draft, autosave, submit, reopen),
respondents, indicators (imports programs and below)."""
