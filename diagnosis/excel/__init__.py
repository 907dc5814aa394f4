"""The self-diagnosis as an Excel workbook, both ways: export in IPA's layout and import into a draft."""
