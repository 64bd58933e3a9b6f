using System.Buffers.Binary;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Tests.Support;

/// <summary>Builds uncompressed RecordBatch v2 bytes field by field from the spec, CRC-32C included.</summary>
public static class RecordBatchBuilder
{
    public static byte[] Build(IReadOnlyList<(byte[]? Key, byte[]? Value)> records, long baseTimestamp = 1_700_000_000_000,
        long producerId = -1, short producerEpoch = -1, int baseSequence = -1)
    {
        var body = new List<byte>();
        Span<byte> varint = stackalloc byte[10];
        for (var i = 0; i < records.Count; i++)
        {
            var record = new List<byte> { 0 }; // attributes
            void AddVarint(long value, Span<byte> scratch)
            {
                var n = Varint.WriteSigned(scratch, value);
                record.AddRange(scratch[..n].ToArray());
            }

            AddVarint(i, varint); // timestamp delta
            AddVarint(i, varint); // offset delta
            var (key, value) = records[i];
            AddVarint(key?.Length ?? -1, varint);
            record.AddRange(key ?? []);
            AddVarint(value?.Length ?? -1, varint);
            record.AddRange(value ?? []);
            AddVarint(0, varint); // headers
            var length = Varint.WriteSigned(varint, record.Count);
            body.AddRange(varint[..length].ToArray());
            body.AddRange(record);
        }

        var batch = new byte[RecordBatch.HeaderSize + body.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - RecordBatch.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1); // partition leader epoch
        span[16] = 2; // magic
        BinaryPrimitives.WriteInt16BigEndian(span[21..], 0); // attributes: no compression, CreateTime
        BinaryPrimitives.WriteInt32BigEndian(span[23..], records.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], baseTimestamp + records.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records.Count);
        body.CopyTo(batch, RecordBatch.HeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatch.CrcOffset..], Crc32C.Compute(span[RecordBatch.AttributesOffset..]));
        return batch;
    }
}
