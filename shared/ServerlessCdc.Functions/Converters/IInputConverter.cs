using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// Turns a trigger's raw value into the type a function asks for, as the isolated worker's
/// <c>Microsoft.Azure.Functions.Worker.Converters.IInputConverter</c>. Named by <see cref="InputConverterAttribute"/>
/// on the target type or on the trigger parameter; built once per function from the app's services.
/// </summary>
/// <remarks>
/// The Kafka trigger converts each record (<see cref="ConverterContext.Source"/> is its <see cref="KafkaRecord"/>) and,
/// for a batch, does so while the previous batch runs: a converter must be thread-safe and must not keep the context.
/// </remarks>
public interface IInputConverter
{
    ValueTask<ConversionResult> ConvertAsync(ConverterContext context);
}

/// <summary>What a converter is asked to convert.</summary>
public abstract class ConverterContext
{
    /// <summary>The type the function asks for (for a batch, the element type).</summary>
    public abstract Type TargetType { get; }

    /// <summary>The raw value: for the Kafka trigger, one <see cref="KafkaRecord"/>.</summary>
    public abstract object? Source { get; }

    /// <summary>The function the value is for.</summary>
    /// <remarks>
    /// The worker's context carries the invocation's <c>FunctionContext</c>; here conversion runs before the invocation
    /// exists (ahead of it, for a batch), so a converter takes what it needs from its constructor instead.
    /// </remarks>
    public abstract string FunctionName { get; }
}

public enum ConversionStatus
{
    /// <summary>The converter does not handle this value; the function cannot be bound.</summary>
    Unhandled,
    Succeeded,
    Failed,
}

/// <summary>The outcome of one conversion.</summary>
public readonly struct ConversionResult
{
    private ConversionResult(ConversionStatus status, object? value, Exception? error)
    {
        Status = status;
        Value = value;
        Error = error;
    }

    public ConversionStatus Status { get; }

    public object? Value { get; }

    public Exception? Error { get; }

    public static ConversionResult Success(object? value) => new(ConversionStatus.Succeeded, value, null);

    public static ConversionResult Failed(Exception exception) =>
        new(ConversionStatus.Failed, null, exception ?? throw new ArgumentNullException(nameof(exception)));

    public static ConversionResult Unhandled() => new(ConversionStatus.Unhandled, null, null);
}

/// <summary>Names the <see cref="IInputConverter"/> for a type, or for one trigger parameter.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class InputConverterAttribute(Type converterType) : Attribute
{
    public Type ConverterType { get; } = converterType;
}
