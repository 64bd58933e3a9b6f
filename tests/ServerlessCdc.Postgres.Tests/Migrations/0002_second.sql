ALTER TABLE first_table ADD COLUMN v text;
