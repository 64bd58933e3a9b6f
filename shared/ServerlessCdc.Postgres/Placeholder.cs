namespace ServerlessCdc.Postgres;
