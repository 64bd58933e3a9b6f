-- The seed producer's table (it creates it with IF NOT EXISTS too, so either may come first).
CREATE TABLE IF NOT EXISTS temperature_readings (
    id          serial       PRIMARY KEY,
    recorded_at timestamptz  NOT NULL DEFAULT now(),
    temperature numeric(5,2) NOT NULL
);

-- The window query reads a time range and only the temperature: an index-only range scan.
CREATE INDEX IF NOT EXISTS temperature_readings_recorded_at
    ON temperature_readings (recorded_at) INCLUDE (temperature);

-- One row per clock-aligned window; readings = 0 (and null figures) records an empty window.
CREATE TABLE IF NOT EXISTS temperature_averages (
    window_start timestamptz  NOT NULL,
    window_end   timestamptz  NOT NULL,
    readings     integer      NOT NULL,
    average      numeric(5,2),
    minimum      numeric(5,2),
    maximum      numeric(5,2),
    computed_at  timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (window_start, window_end)
);
