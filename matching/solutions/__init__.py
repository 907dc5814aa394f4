"""ツールデータベース: solutions and their case examples, with Japanese free-text search."""
