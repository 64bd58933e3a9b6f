namespace ServerlessCdc.Temperature;

/// <summary>
/// A plausible office sensor rather than uniform noise: a daily cycle (coolest before work, warmest in the
/// afternoon), a slow mean-reverting drift (doors, sun, people) and a little measurement noise, kept within
/// 18–30 °C and rounded as the sensor reports it.
/// </summary>
public sealed class OfficeThermometer(Random random)
{
    public const double Minimum = 18.0;
    public const double Maximum = 30.0;

    private readonly Lock _gate = new();
    private double _drift;

    public OfficeThermometer() : this(Random.Shared)
    {
    }

    public decimal Read(DateTimeOffset at)
    {
        lock (_gate)
        {
            _drift += (-0.05 * _drift) + Gaussian(0.15);
            var hours = at.TimeOfDay.TotalHours;
            var daily = 22.5 + (2.5 * Math.Sin(2 * Math.PI * (hours - 9) / 24));
            var value = Math.Clamp(daily + _drift + Gaussian(0.1), Minimum, Maximum);
            return Math.Round((decimal)value, 2);
        }
    }

    private double Gaussian(double deviation)
    {
        // Box–Muller: the BCL has no normal distribution.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return deviation * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
