"""帳票と集計: the facts every figure is defined by, the dashboard, the 実績報告書, generated documents
(imports every app, imported by none)."""
