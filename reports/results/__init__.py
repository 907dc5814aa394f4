"""実績報告書 (page, .xlsx, PDF) and the .xlsx exports of lists."""
