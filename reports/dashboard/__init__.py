"""事業ごとのダッシュボード: the funnel, breakdowns, the session bar and satisfaction per program or year."""
