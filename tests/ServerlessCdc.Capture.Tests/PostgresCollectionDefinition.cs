using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

[CollectionDefinition(PostgresCollection.Name)]
public sealed class PostgresCollectionDefinition : ICollectionFixture<PostgresFixture>;
