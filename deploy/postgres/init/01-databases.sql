-- The seeds' two databases: mydb (Activity 3's transactions, the agents' state) and office_db (Activity 2's readings).
-- The apps would create them too, but Debezium's connector needs mydb before any app has run. Runs once, on an empty
-- data volume, as the postgres image runs everything in /docker-entrypoint-initdb.d.
CREATE DATABASE mydb;
CREATE DATABASE office_db;
