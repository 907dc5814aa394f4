"""The diagnosis result pages: charts (SVG), changes since the previous diagnosis, several respondents."""
