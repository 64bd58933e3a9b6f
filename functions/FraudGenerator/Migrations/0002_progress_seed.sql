-- The run's seed: each row is a function of its position and the seed, so whichever instance writes a slice writes
-- the rows the run holds there (FraudGeneratorSeed, when set, wins).
ALTER TABLE fraud_generator.progress ADD COLUMN IF NOT EXISTS seed bigint NOT NULL DEFAULT 0;
