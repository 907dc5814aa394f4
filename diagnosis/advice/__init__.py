"""DX診断アドバイス: the advisor session's appointment (with its .ics) and the advice with item notes."""
