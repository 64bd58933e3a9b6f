using ServerlessCdc.Functions;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Testing;

/// <summary>A random but reproducible stream of transactions: mostly small amounts, now and then a large one.</summary>
public static class Workload
{
    /// <param name="seed">The random seed.</param>
    /// <param name="count">How many transactions.</param>
    /// <param name="users">How many distinct users.</param>
    /// <param name="partitions">The topic's partitions.</param>
    /// <param name="byUser">Partition by user (so one user's order never depends on partition interleaving) instead of by id, as Debezium does.</param>
    public static List<KafkaRecord> Generate(int seed, int count, int users, int partitions, bool byUser = false)
    {
        var random = new Random(seed);
        var events = new TransactionEvents();
        var offsets = new long[partitions];
        var records = new List<KafkaRecord>(count);
        for (var id = 1; id <= count; id++)
        {
            var user = 1000 + random.Next(users);
            var amount = random.Next(20) == 0 ? 1000m + random.Next(400000) / 100m : 10m + random.Next(30000) / 100m;
            var partition = (int)((byUser ? user : id) % partitions);
            var at = TransactionEvents.Start.AddMilliseconds(id * 250);
            records.Add(events.Create(partition, offsets[partition]++, id, user, amount, at));
        }

        return records;
    }
}
