using System.Text;

namespace ServerlessCdc.Functions;

/// <summary>What a Kafka trigger parameter receives: records or UTF-8 values, one or a batch.</summary>
internal sealed class KafkaParameterShape
{
    private readonly bool _asString;

    private KafkaParameterShape(bool batched, bool asString)
    {
        IsBatched = batched;
        _asString = asString;
    }

    public bool IsBatched { get; }

    public static KafkaParameterShape For(FunctionDescriptor function, KafkaTriggerAttribute attribute)
    {
        var type = function.TriggerParameter.ParameterType;
        var shape = type == typeof(KafkaRecord[]) ? new KafkaParameterShape(true, false)
            : type == typeof(string[]) ? new KafkaParameterShape(true, true)
            : type == typeof(KafkaRecord) ? new KafkaParameterShape(false, false)
            : type == typeof(string) ? new KafkaParameterShape(false, true)
            : throw new FunctionConfigurationException(function.Name,
                $"a [KafkaTrigger] parameter must be KafkaRecord[], string[], KafkaRecord or string, not {type.Name}.");
        if (shape.IsBatched != attribute.IsBatched)
        {
            throw new FunctionConfigurationException(function.Name, attribute.IsBatched
                ? $"[KafkaTrigger(IsBatched = true)] needs a KafkaRecord[] or string[] parameter, not {type.Name}."
                : $"the {type.Name} parameter receives a batch: set [KafkaTrigger(IsBatched = true)].");
        }

        return shape;
    }

    /// <summary>The trigger value for one invocation over <paramref name="records"/> (one record unless batched).</summary>
    public object? Bind(IReadOnlyList<KafkaRecord> records)
    {
        if (IsBatched)
        {
            return _asString ? records.Select(ValueOf).ToArray() : records.ToArray();
        }

        return _asString ? ValueOf(records[0]) : records[0];
    }

    private static string? ValueOf(KafkaRecord record) => record.Value is null ? null : Encoding.UTF8.GetString(record.Value);
}
