using ServerlessCdc.Testing;

namespace ServerlessCdc.Functions.Tests;

[CollectionDefinition(PostgresCollection.Name)]
public sealed class PostgresCollectionDefinition : ICollectionFixture<PostgresFixture>;
