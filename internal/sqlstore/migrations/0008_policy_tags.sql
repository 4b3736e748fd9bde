-- A managed policy's tags as a JSON array of {"Key","Value"}.
ALTER TABLE policies ADD COLUMN tags text NOT NULL DEFAULT '[]';
