using System.Buffers.Binary;

namespace ServerlessCdc.Broker.Protocol;

/// <summary>
/// The fixed 61-byte header of a RecordBatch (magic 2). Batches are stored exactly as produced; the broker
/// only reads this header and rewrites the base offset, which the CRC deliberately does not cover.
/// </summary>
public readonly record struct RecordBatch(
    long BaseOffset,
    int BatchLength,
    sbyte Magic,
    uint Crc,
    short Attributes,
    int LastOffsetDelta,
    long BaseTimestamp,
    long MaxTimestamp,
    long ProducerId,
    short ProducerEpoch,
    int BaseSequence,
    int RecordCount)
{
    public const int HeaderSize = 61;

    /// <summary>Offset of the base offset (8) plus the batch length (4): the prefix outside BatchLength.</summary>
    public const int LogOverhead = 12;

    public const int CrcOffset = 17;
    public const int AttributesOffset = 21;

    public int TotalSize => LogOverhead + BatchLength;

    public long LastOffset => BaseOffset + LastOffsetDelta;

    public bool IsTransactional => (Attributes & 0x10) != 0;

    public bool IsControl => (Attributes & 0x20) != 0;

    public bool IsLogAppendTime => (Attributes & 0x08) != 0;

    /// <summary>The batch's newest timestamp, the one indexes and retention go by.</summary>
    public long Timestamp => IsLogAppendTime ? MaxTimestamp : Math.Max(MaxTimestamp, BaseTimestamp);

    public int LastSequence => BaseSequence < 0 ? -1 : (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));

    public static RecordBatch ReadHeader(ReadOnlySpan<byte> data) => new(
        BinaryPrimitives.ReadInt64BigEndian(data),
        BinaryPrimitives.ReadInt32BigEndian(data[8..]),
        (sbyte)data[16],
        BinaryPrimitives.ReadUInt32BigEndian(data[CrcOffset..]),
        BinaryPrimitives.ReadInt16BigEndian(data[AttributesOffset..]),
        BinaryPrimitives.ReadInt32BigEndian(data[23..]),
        BinaryPrimitives.ReadInt64BigEndian(data[27..]),
        BinaryPrimitives.ReadInt64BigEndian(data[35..]),
        BinaryPrimitives.ReadInt64BigEndian(data[43..]),
        BinaryPrimitives.ReadInt16BigEndian(data[51..]),
        BinaryPrimitives.ReadInt32BigEndian(data[53..]),
        BinaryPrimitives.ReadInt32BigEndian(data[57..]));

    public static void WriteBaseOffset(Span<byte> batch, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);

    /// <summary>
    /// For a LogAppendTime topic: marks the batch's timestamp type and sets its max timestamp to the
    /// broker's clock, as Kafka does; both are under the CRC, which is therefore recomputed.
    /// </summary>
    public static RecordBatch StampLogAppendTime(Span<byte> batch, RecordBatch header, long logAppendTime)
    {
        var attributes = (short)(header.Attributes | 0x08);
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt64BigEndian(batch[35..], logAppendTime);
        var crc = Crc32C.Compute(batch[AttributesOffset..header.TotalSize]);
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], crc);
        return header with { Attributes = attributes, MaxTimestamp = logAppendTime, Crc = crc };
    }

    /// <summary>The CRC covers everything from the attributes to the end of the batch.</summary>
    public static bool CrcMatches(ReadOnlySpan<byte> batch, uint expected) =>
        Crc32C.Compute(batch[AttributesOffset..]) == expected;

    /// <summary>
    /// Checks a whole batch as received: magic 2, a sane length, the CRC. Returns the error to report.
    /// </summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> data, out RecordBatch header)
    {
        header = default;
        if (data.Length < HeaderSize)
        {
            return ErrorCode.CorruptMessage;
        }

        header = ReadHeader(data);
        if (header.Magic != 2)
        {
            return ErrorCode.UnsupportedForMessageFormat;
        }

        if (header.BatchLength < HeaderSize - LogOverhead || header.TotalSize > data.Length)
        {
            return ErrorCode.CorruptMessage;
        }

        if (header.LastOffsetDelta < 0 || header.RecordCount < 0)
        {
            return ErrorCode.InvalidRecord;
        }

        return CrcMatches(data[..header.TotalSize], header.Crc) ? ErrorCode.None : ErrorCode.CorruptMessage;
    }
}
