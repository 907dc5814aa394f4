"""満足度アンケート: the company's short survey after each held session and at the end of the track."""
