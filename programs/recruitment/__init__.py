"""募集と選出: 応募 (with the public form), 推薦, 重複, 補欠, 招待, the 支援企業選出検討会 and
参加条件の確認."""
