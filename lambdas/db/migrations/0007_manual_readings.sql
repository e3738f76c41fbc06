-- Manual readings: engineers enter readings by hand (a standpipe dipped, a settlement marker
-- levelled) through the API, and they travel the same stream as polled ones. Each reading
-- keeps where it came from, who entered it and their note. A constant default adds the column
-- without rewriting the table (PostgreSQL 11 and later), so every stored reading is 'poll'.
ALTER TABLE readings
  ADD COLUMN source text NOT NULL DEFAULT 'poll' CHECK (source IN ('poll', 'manual')),
  -- The signed-in user who entered a manual reading; NULL for polled readings.
  ADD COLUMN author text,
  ADD COLUMN note   text,
  ADD CONSTRAINT readings_author_of_manual CHECK ((source = 'manual') = (author IS NOT NULL));
