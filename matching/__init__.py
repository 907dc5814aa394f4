"""マッチング支援: company needs, candidates, the pipeline, vendors' answers and outcomes (imports
accompaniment and below)."""
