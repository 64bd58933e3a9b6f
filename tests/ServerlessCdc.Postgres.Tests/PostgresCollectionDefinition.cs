using ServerlessCdc.Testing;

namespace ServerlessCdc.Postgres.Tests;

[CollectionDefinition(PostgresCollection.Name)]
public sealed class PostgresCollectionDefinition : ICollectionFixture<PostgresFixture>;
