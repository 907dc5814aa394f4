"""The consortium home (role-aware), the company list and company page (with the journey apps' panels),
the company side's seminar list and 自己診断申し込み."""
