using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// What a Kafka trigger parameter receives: records, UTF-8 values, or a type an <see cref="IInputConverter"/> makes of
/// each record; one or a batch.
/// </summary>
internal sealed class KafkaParameterShape
{
    private readonly Func<IReadOnlyList<KafkaRecord>, ValueTask<object?>> _bind;

    private KafkaParameterShape(bool batched, bool converts, Func<IReadOnlyList<KafkaRecord>, ValueTask<object?>> bind)
    {
        IsBatched = batched;
        Converts = converts;
        _bind = bind;
    }

    public bool IsBatched { get; }

    /// <summary>Whether binding runs a converter over each record, and so is worth doing ahead of the invocation.</summary>
    public bool Converts { get; }

    public static KafkaParameterShape For(FunctionDescriptor function, KafkaTriggerAttribute attribute, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(function);
        var parameter = function.TriggerParameter;
        var type = function.TriggerType;
        var element = type.IsArray ? type.GetElementType()! : type;
        var shape = type == typeof(KafkaRecord[]) ? new KafkaParameterShape(true, false, static records => new(records.ToArray()))
            : type == typeof(string[]) ? new KafkaParameterShape(true, false, static records => new(records.Select(ValueOf).ToArray()))
            : type == typeof(KafkaRecord) ? new KafkaParameterShape(false, false, static records => new(records[0]))
            : type == typeof(string) ? new KafkaParameterShape(false, false, static records => new(ValueOf(records[0])))
            : ConverterFor(parameter, element) is { } converterType
                ? Converted(function, type.IsArray, element, converterType, services)
                : throw new FunctionConfigurationException(function.Name,
                    $"a [KafkaTrigger] parameter must be KafkaRecord[], string[], KafkaRecord, string, or a type (or array of one) " +
                    $"with an [InputConverter], not {type.Name}.");
        if (shape.IsBatched != attribute.IsBatched)
        {
            throw new FunctionConfigurationException(function.Name, attribute.IsBatched
                ? $"[KafkaTrigger(IsBatched = true)] needs an array parameter (KafkaRecord[], string[] or T[]), not {type.Name}."
                : $"the {type.Name} parameter receives a batch: set [KafkaTrigger(IsBatched = true)].");
        }

        return shape;
    }

    /// <summary>
    /// The trigger value for one invocation over <paramref name="records"/> (one record unless batched).
    /// </summary>
    /// <exception cref="KafkaConversionException">A record could not be converted.</exception>
    public ValueTask<object?> BindAsync(IReadOnlyList<KafkaRecord> records) => _bind(records);

    private static string? ValueOf(KafkaRecord record) => record.Value is null ? null : Encoding.UTF8.GetString(record.Value);

    private static Type? ConverterFor(ParameterInfo? parameter, Type element) =>
        (parameter?.GetCustomAttribute<InputConverterAttribute>() ?? element.GetCustomAttribute<InputConverterAttribute>())?.ConverterType;

    private static KafkaParameterShape Converted(FunctionDescriptor function, bool batched, Type element, Type converterType, IServiceProvider services)
    {
        if (!typeof(IInputConverter).IsAssignableFrom(converterType) || converterType.IsAbstract)
        {
            throw new FunctionConfigurationException(function.Name,
                $"the [InputConverter] of its {element.Name} parameter names {converterType.Name}, which is not a concrete IInputConverter.");
        }

        IInputConverter converter;
        try
        {
            converter = (IInputConverter)ActivatorUtilities.CreateInstance(services, converterType);
        }
        catch (InvalidOperationException exception)
        {
            throw new FunctionConfigurationException(function.Name, $"its input converter {converterType.Name} cannot be built: {exception.Message}", exception);
        }

        var binder = (IConvertedBinder)Activator.CreateInstance(typeof(ConvertedBinder<>).MakeGenericType(element), converter, function.Name)!;
        return batched
            ? new KafkaParameterShape(true, true, binder.BatchAsync)
            : new KafkaParameterShape(false, true, binder.SingleAsync);
    }

    private interface IConvertedBinder
    {
        ValueTask<object?> BatchAsync(IReadOnlyList<KafkaRecord> records);

        ValueTask<object?> SingleAsync(IReadOnlyList<KafkaRecord> records);
    }

    private sealed class ConvertedBinder<T>(IInputConverter converter, string functionName) : IConvertedBinder
    {
        public async ValueTask<object?> BatchAsync(IReadOnlyList<KafkaRecord> records)
        {
            var values = new T[records.Count];
            var context = new RecordContext(typeof(T), functionName);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = await ConvertAsync(context, records[i]).ConfigureAwait(false);
            }

            return values;
        }

        public async ValueTask<object?> SingleAsync(IReadOnlyList<KafkaRecord> records) =>
            await ConvertAsync(new RecordContext(typeof(T), functionName), records[0]).ConfigureAwait(false);

        private async ValueTask<T> ConvertAsync(RecordContext context, KafkaRecord record)
        {
            context.Record = record;
            ConversionResult result;
            try
            {
                var pending = converter.ConvertAsync(context);
                result = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                throw new KafkaConversionException(functionName, record, typeof(T), exception.Message, exception);
            }

            return result.Status switch
            {
                ConversionStatus.Succeeded when result.Value is T value => value,
                ConversionStatus.Succeeded when result.Value is null && default(T) is null => default!,
                ConversionStatus.Succeeded => throw new KafkaConversionException(functionName, record, typeof(T),
                    $"{converter.GetType().Name} returned {result.Value?.GetType().Name ?? "null"}", null),
                ConversionStatus.Failed => throw new KafkaConversionException(functionName, record, typeof(T), result.Error!.Message, result.Error),
                _ => throw new KafkaConversionException(functionName, record, typeof(T), $"{converter.GetType().Name} does not handle it", null),
            };
        }
    }

    // One per batch, its Source moved along the records: converters must not keep it (see IInputConverter).
    private sealed class RecordContext(Type targetType, string functionName) : ConverterContext
    {
        public KafkaRecord? Record { get; set; }

        public override Type TargetType => targetType;

        public override object? Source => Record;

        public override string FunctionName => functionName;
    }
}

/// <summary>A record's converter failed or gave no value of the parameter's type; the record goes the way of a failing one.</summary>
public sealed class KafkaConversionException(string functionName, KafkaRecord record, Type targetType, string reason, Exception? inner)
    : Exception($"Functions.{functionName}: {record.Topic}[{record.Partition}]@{record.Offset} cannot be converted to {targetType.Name}: {reason}", inner);
