namespace ServerlessCdc.Testing;
