namespace ServerlessCdc.Debezium;
