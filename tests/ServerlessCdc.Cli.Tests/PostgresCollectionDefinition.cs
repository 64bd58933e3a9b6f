using ServerlessCdc.Testing;

namespace ServerlessCdc.Cli.Tests;

[CollectionDefinition(PostgresCollection.Name)]
public sealed class PostgresCollectionDefinition : ICollectionFixture<PostgresFixture>;
